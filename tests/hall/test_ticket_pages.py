"""The ticket pages: the kiosk's take and slip, the phone's take and ticket page (only
its holder), the call screen and its update endpoint (304 until a call), the window
desk and the door printer."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from onething.domain.tickets import Channel, TicketStatus
from onething.hall.models import Ticket
from onething.hall.services import start_shift
from onething.hall.ticket_services import call_next, take_ticket

pytestmark = pytest.mark.django_db
OPEN = dt.datetime(2026, 12, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # a Wednesday


@pytest.fixture(autouse=True)
def within_opening_hours():
    """Tickets are taken within the demo hall's hours (weekdays 09:00–17:30)."""
    with time_machine.travel(OPEN, tick=True):
        yield


def test_outside_the_hours_every_take_page_says_when_the_hall_opens(halls, demo):
    hall = halls.county
    category = hall.categories.get(letter="A")
    expected = ("现在不是本大厅的取号时间，下次可取号：12月7日（周一）09:00 (the hall is not "
                "giving out tickets now; it next opens for tickets on Mon 7 Dec at 09:00)")
    with time_machine.travel(dt.datetime(2026, 12, 5, 15, 0, tzinfo=OPEN.tzinfo), tick=False):
        clerk = as_user(demo.clerk)  # signed in now: a session of Wednesday has timed out
        for client, url, data in [
                (Client(), "/kiosk/ticket/", {}),
                (Client(), f"/halls/{hall.pk}/ticket/", {"mobile": "13900000002"}),
                (as_user(demo.applicant), f"/halls/{hall.pk}/ticket/", {}),
                (clerk, f"/workbench/halls/{hall.pk}/door-ticket/", {})]:
            refused = client.post(url, {"category": category.pk, **data})
            assert refused.status_code in (400, 200 if "door" in url else 400), url
            assert expected in refused.content.decode(), url
    assert not Ticket.objects.exists()


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_kiosk_ticket_without_sign_in(halls):
    client = Client()
    assert "取号" in client.get("/kiosk/").content.decode()
    page = client.get("/kiosk/ticket/")
    assert page.status_code == 200 and "德城区政务服务中心" in page.content.decode()
    category = halls.county.categories.get(letter="B")
    taken = client.post("/kiosk/ticket/", {"category": category.pk, "priority": "elderly"})
    ticket = Ticket.objects.get()
    assert taken.status_code == 302 and taken["Location"] == f"/kiosk/ticket/{ticket.token}/"
    assert (ticket.code, ticket.channel, ticket.priority) == ("B001", "kiosk", "elderly")
    slip = client.get(taken["Location"]).content.decode()
    assert "B001" in slip and "前面还有 0 人" in slip and "绿色通道（老年人）" in slip
    # Another hall's kiosk by address; a phone ticket is not shown on the kiosk.
    township = client.get(f"/kiosk/ticket/?hall={halls.township.pk}").content.decode()
    assert "黄河涯镇便民服务中心" in township


def test_phone_ticket_needs_an_account_or_a_mobile_and_stays_private(halls, demo):
    hall = halls.county
    category = hall.categories.get(letter="A")
    anonymous = Client()
    refused = anonymous.post(f"/halls/{hall.pk}/ticket/", {"category": category.pk})
    assert refused.status_code == 400
    assert "请登录或填写手机号 (sign in or give a mobile number)" in refused.content.decode()
    done = anonymous.post(f"/halls/{hall.pk}/ticket/",
                          {"category": category.pk, "mobile": "13900000002"})
    ticket = Ticket.objects.get()
    assert done["Location"] == f"/tickets/{ticket.token}/"
    page = anonymous.get(done["Location"]).content.decode()
    assert "A001" in page and "前面还有 0 人" in page
    assert "暂无窗口办理此类业务" in page  # nobody on shift yet

    mine = as_user(demo.applicant)
    mine.post(f"/halls/{hall.pk}/ticket/", {"category": category.pk})
    own = Ticket.objects.get(user=demo.applicant)
    assert own.code == "A002"
    assert mine.get(f"/tickets/{own.token}/").status_code == 200
    assert as_user(demo.applicant2).get(f"/tickets/{own.token}/").status_code == 404
    assert Client().get(f"/tickets/{own.token}/").status_code == 404
    assert Client().get("/tickets/not-a-token/").status_code == 404
    left = mine.post(f"/tickets/{own.token}/leave/")
    assert left.status_code == 302
    assert Ticket.objects.get(pk=own.pk).status == TicketStatus.LEFT


def test_call_screen_and_its_update(halls, demo):
    hall = halls.county
    category = hall.categories.get(letter="A")
    screen = Client().get(f"/halls/{hall.pk}/screen/")
    assert screen.status_code == 200
    body = screen.content.decode()
    assert "onething/screen.js" in body and "http" not in body.split("<body")[1].split("</body")[0]
    first = Client().get(f"/halls/{hall.pk}/screen/calls/")
    assert first.status_code == 200 and first.json()["calls"] == []
    etag = first["ETag"]
    same = Client().get(f"/halls/{hall.pk}/screen/calls/", HTTP_IF_NONE_MATCH=etag)
    assert same.status_code == 304
    take_ticket(category, channel=Channel.KIOSK, holder_name="张三")
    start_shift(halls.window(hall, 2), actor=demo.clerk)
    called = call_next(halls.window(hall, 2), actor=demo.clerk)
    changed = Client().get(f"/halls/{hall.pk}/screen/calls/", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    [call] = changed.json()["calls"]
    assert (call["code"], call["window"], call["name"], call["text"], call["label"]) == (
        "A001", 2, "张*", "请A001号到2号窗口", "请A001号到2号窗口")
    assert call["at"] == called.last_called_at.isoformat()
    assert "A001" in Client().get(f"/halls/{hall.pk}/screen/").content.decode()


def test_the_desk_calls_serves_and_finishes(halls, demo):
    hall = halls.county
    clerk = as_user(demo.clerk)
    assert clerk.get("/workbench/desk/")["Location"] == "/workbench/shift/"
    take_ticket(hall.categories.get(letter="A"), channel=Channel.KIOSK)
    start_shift(halls.window(hall, 1), actor=demo.clerk)
    assert "叫下一号" in clerk.get("/workbench/desk/").content.decode()
    clerk.post("/workbench/desk/action/", {"action": "call"})
    page = clerk.get("/workbench/desk/").content.decode()
    assert "A001" in page and "开始办理" in page
    clerk.post("/workbench/desk/action/", {"action": "recall"})
    clerk.post("/workbench/desk/action/", {"action": "serve"})
    clerk.post("/workbench/desk/action/", {"action": "finish"})
    ticket = Ticket.objects.get()
    assert (ticket.status, ticket.calls, ticket.window.number) == (TicketStatus.DONE, 2, 1)
    # The applicant has no desk.
    assert as_user(demo.applicant).get("/workbench/desk/").status_code in (302, 403)


def test_door_printer_for_staff(halls, demo):
    hall = halls.county
    clerk = as_user(demo.clerk)
    assert clerk.get(f"/workbench/halls/{hall.pk}/door-ticket/").status_code == 200
    printed = clerk.post(f"/workbench/halls/{hall.pk}/door-ticket/",
                         {"category": hall.categories.get(letter="C").pk,
                          "priority": "pregnant"})
    assert printed.status_code == 200 and "C001" in printed.content.decode()
    ticket = Ticket.objects.get()
    assert (ticket.channel, ticket.issued_by, ticket.priority) == ("door", demo.clerk,
                                                                   "pregnant")
    assert as_user(demo.applicant).get(
        f"/workbench/halls/{hall.pk}/door-ticket/").status_code in (302, 403)


def test_anonymous_phone_tickets_cannot_be_used_to_send_sms_at_will(halls):
    """Each anonymous phone ticket texts the number typed: a client gets three an hour,
    then 429 and no ticket, no SMS; signing in is the way to take more."""
    from onething.notifications.models import Delivery

    hall = halls.county
    category = hall.categories.get(letter="A")
    client = Client()
    for n in range(3):
        taken = client.post(f"/halls/{hall.pk}/ticket/",
                            {"category": category.pk, "mobile": f"1390000001{n}"})
        assert taken.status_code == 302
    deliveries = Delivery.objects.count()
    refused = client.post(f"/halls/{hall.pk}/ticket/",
                          {"category": category.pk, "mobile": "13900000019"})
    assert refused.status_code == 429 and refused["Retry-After"] == "3600"
    assert "不登录取号过于频繁，请登录后取号或稍后再试。" in refused.content.decode()
    assert Ticket.objects.count() == 3 and Delivery.objects.count() == deliveries
