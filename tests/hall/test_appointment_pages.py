"""The appointment pages and endpoints: booking on the phone step by step, my
appointments, change and cancel, 我已到达; the kiosk's check-in by code; the window's
list, check-in and booking for a person; the API (slots, book, mine, cancel)."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from onething.accounts.services import issue_api_token
from onething.hall.appointment_services import book_appointment
from onething.hall.models import Appointment, Ticket

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
MONDAY_8 = dt.datetime(2026, 12, 7, 8, 0, tzinfo=SH)
TUESDAY_9 = dt.datetime(2026, 12, 8, 9, 0, tzinfo=SH)


@pytest.fixture
def frozen():
    with time_machine.travel(MONDAY_8, tick=False) as traveller:
        yield traveller


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_booking_on_the_phone_step_by_step(halls, demo, frozen):
    hall = halls.county
    a = hall.categories.get(letter="A")
    client = as_user(demo.applicant)
    start = client.get("/appointments/new/")
    assert start.status_code == 200 and f"/halls/{hall.pk}/appointments/" in start.content.decode()
    step1 = client.get(f"/halls/{hall.pk}/appointments/").content.decode()
    assert "第一步：选择要办理的业务" in step1 and f"?category={a.pk}" in step1
    step2 = client.get(f"/halls/{hall.pk}/appointments/?category={a.pk}").content.decode()
    # Today to the horizon (7 days): Mon–Sat of this week and next Monday; not Sunday.
    assert "day=2026-12-07" in step2 and "day=2026-12-14" in step2
    assert "day=2026-12-13" not in step2 and "day=2026-12-15" not in step2
    step3 = client.get(f"/halls/{hall.pk}/appointments/?category={a.pk}&day=2026-12-08")
    page = step3.content.decode()
    assert 'value="2026-12-08T09:00"' in page and "剩余 2 个名额" in page
    done = client.post(f"/halls/{hall.pk}/appointments/?category={a.pk}&day=2026-12-08",
                       {"category": a.pk, "slot": "2026-12-08T09:00"})
    booked = Appointment.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/appointments/{booked.pk}/"
    assert (booked.channel, booked.person, booked.slot_starts) == ("portal", demo.applicant,
                                                                    TUESDAY_9)
    detail = client.get(done["Location"]).content.decode()
    assert booked.code in detail and "2026-12-08 09:00–09:30" in detail and "已预约" in detail
    assert "我已到达" not in detail  # not the day yet
    mine = client.get("/appointments/").content.decode()
    assert f"/appointments/{booked.pk}/" in mine
    again = client.post(f"/halls/{hall.pk}/appointments/",
                        {"category": a.pk, "slot": "2026-12-08T10:00"})
    assert again.status_code == 400 and "you already have a booking" in again.content.decode()


def test_change_cancel_and_privacy(halls, demo, frozen):
    a = halls.county.categories.get(letter="A")
    booked = book_appointment(a, person=demo.applicant, actor=demo.applicant,
                              slot_starts=TUESDAY_9, channel="portal")
    client = as_user(demo.applicant)
    change = client.get(f"/appointments/{booked.pk}/change/?day=2026-12-09")
    assert change.status_code == 200 and 'value="2026-12-09T09:00"' in change.content.decode()
    moved = client.post(f"/appointments/{booked.pk}/change/", {"slot": "2026-12-09T09:00"})
    assert moved.status_code == 302
    booked.refresh_from_db()
    assert booked.day == dt.date(2026, 12, 9)
    other = as_user(demo.applicant2)
    for url in (f"/appointments/{booked.pk}/", f"/appointments/{booked.pk}/change/"):
        assert other.get(url).status_code == 404
    assert other.post(f"/appointments/{booked.pk}/cancel/").status_code == 404
    assert other.post(f"/appointments/{booked.pk}/check-in/").status_code == 404
    assert as_user(demo.clerk).get("/appointments/").status_code == 403
    assert Client().get("/appointments/").status_code == 302  # sign in first
    client.post(f"/appointments/{booked.pk}/cancel/")
    booked.refresh_from_db()
    assert booked.status == "cancelled"


def test_check_in_from_the_phone_gives_a_priority_ticket(halls, demo, frozen):
    a = halls.county.categories.get(letter="A")
    booked = book_appointment(a, person=demo.applicant, actor=demo.applicant,
                              slot_starts=TUESDAY_9, channel="portal")
    client = as_user(demo.applicant)
    frozen.move_to(TUESDAY_9 - dt.timedelta(minutes=31))
    assert "我已到达" not in client.get(f"/appointments/{booked.pk}/").content.decode()
    early = client.post(f"/appointments/{booked.pk}/check-in/", follow=True)
    assert "签到时间未到" in early.content.decode()
    frozen.move_to(TUESDAY_9 - dt.timedelta(minutes=10))
    assert "我已到达" in client.get(f"/appointments/{booked.pk}/").content.decode()
    done = client.post(f"/appointments/{booked.pk}/check-in/")
    ticket = Ticket.objects.get()
    assert done["Location"] == f"/tickets/{ticket.token}/"
    assert (ticket.priority, ticket.channel, ticket.user) == ("appointment", "phone",
                                                              demo.applicant)
    assert "预约" in client.get(done["Location"]).content.decode()


def test_kiosk_check_in_by_code(halls, demo, frozen):
    a = halls.county.categories.get(letter="A")
    booked = book_appointment(a, person=demo.applicant, actor=demo.applicant,
                              slot_starts=TUESDAY_9, channel="portal")
    kiosk = Client()
    assert kiosk.get("/kiosk/appointment/").status_code == 200
    frozen.move_to(TUESDAY_9)
    wrong = kiosk.post("/kiosk/appointment/", {"code": "ZZZZZZ"})
    assert wrong.status_code == 400 and "预约码不正确" in wrong.content.decode()
    # Another hall's kiosk does not know the county's code.
    township = kiosk.post(f"/kiosk/appointment/?hall={halls.township.pk}",
                          {"code": booked.code})
    assert township.status_code == 400
    done = kiosk.post("/kiosk/appointment/", {"code": booked.code.lower()})
    ticket = Ticket.objects.get()
    assert done["Location"] == f"/kiosk/ticket/{ticket.token}/"
    assert (ticket.priority, ticket.channel) == ("appointment", "kiosk")
    assert "A001" in kiosk.get(done["Location"]).content.decode()


def test_kiosk_code_guessing_is_limited(halls, frozen):
    kiosk = Client()
    answers = [kiosk.post("/kiosk/appointment/", {"code": f"ZZZZ{n:02d}"}).content.decode()
               for n in range(21)]
    assert all("预约码不正确" in a for a in answers[:20])
    assert "尝试次数过多" in answers[20]


def test_window_books_for_a_person_and_checks_in(halls, demo, frozen):
    hall = halls.county
    a = hall.categories.get(letter="A")
    clerk = as_user(demo.clerk)
    assert clerk.get(f"/workbench/halls/{hall.pk}/appointments/").status_code == 200
    found = clerk.post(f"/workbench/halls/{hall.pk}/appointments/book/", {
        "id_number": demo.applicant.id_number, "category": a.pk, "day": "2026-12-08",
        "action": "find"})
    page = found.content.decode()
    assert found.status_code == 200 and 'value="2026-12-08T09:00"' in page
    assert demo.applicant.id_number not in page.replace(
        f'value="{demo.applicant.id_number}"', "")  # only in the form's own field
    done = clerk.post(f"/workbench/halls/{hall.pk}/appointments/book/", {
        "id_number": demo.applicant.id_number, "category": a.pk, "day": "2026-12-08",
        "slot": "2026-12-08T09:00", "action": "book"})
    booked = Appointment.objects.get()
    assert done.status_code == 302 and done["Location"].endswith("?day=2026-12-08")
    assert (booked.channel, booked.booked_by, booked.person) == ("window", demo.clerk,
                                                                  demo.applicant)
    listing = clerk.get(done["Location"]).content.decode()
    assert booked.code in listing and "张**" in listing and "张小明" not in listing
    frozen.move_to(TUESDAY_9 + dt.timedelta(minutes=20))
    clerk = as_user(demo.clerk)  # the idle session ended overnight
    printed = clerk.post(f"/workbench/halls/{hall.pk}/appointments/check-in/",
                         {"code": booked.code})
    assert printed.status_code == 200 and "A001" in printed.content.decode()
    ticket = Ticket.objects.get()
    assert (ticket.priority, ticket.channel, ticket.issued_by) == ("walk_in", "door", demo.clerk)
    booked.refresh_from_db()
    assert booked.status == "late"
    # Reviewers and applicants have no window.
    assert as_user(demo.samr).get(f"/workbench/halls/{hall.pk}/appointments/").status_code \
        == 403


def bearer(user) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {issue_api_token(user, label='test')}"}


def test_api_slots_book_mine_cancel(halls, demo, frozen):
    hall = halls.county
    a = hall.categories.get(letter="A")
    client = Client()
    slots = client.get(f"/api/v1/halls/{hall.pk}/appointment-slots",
                       {"category": a.pk, "day": "2026-12-08"})
    assert slots.status_code == 200
    assert slots.json()[0] == {"starts": "2026-12-08T09:00:00+08:00",
                               "ends": "2026-12-08T09:30:00+08:00", "capacity": 2, "left": 2}
    other_hall = client.get(f"/api/v1/halls/{halls.township.pk}/appointment-slots",
                            {"category": a.pk, "day": "2026-12-08"})
    assert other_hall.status_code == 404 and other_hall.json()["code"] == "not_found"
    headers = bearer(demo.applicant)
    body = json.dumps({"category": a.pk, "starts": "2026-12-08T09:00:00+08:00"})
    made = client.post("/api/v1/appointments", body, content_type="application/json",
                       **headers)
    assert made.status_code == 201, made.content
    out = made.json()
    assert (out["status"], out["channel"], out["starts"]) == ("booked", "api",
                                                              "2026-12-08T09:00:00+08:00")
    again = client.post("/api/v1/appointments", body, content_type="application/json",
                        **headers)
    assert again.status_code == 422 and again.json()["code"] == "booking_refused"
    assert list(again.json()["errors"]) == ["category"]
    assert [x["code"] for x in client.get("/api/v1/appointments", **headers).json()] == [
        out["code"]]
    assert client.post(f"/api/v1/appointments/{out['id']}/cancel",
                       **bearer(demo.applicant2)).status_code == 404
    cancelled = client.post(f"/api/v1/appointments/{out['id']}/cancel", **headers)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert client.get("/api/v1/appointments").status_code == 401
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in ("/api/v1/halls/{hall_id}/appointment-slots", "/api/v1/appointments",
                 "/api/v1/appointments/{appointment_id}/cancel"):
        assert path in paths
