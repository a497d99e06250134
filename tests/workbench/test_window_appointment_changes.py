"""Changing (改约) and cancelling (取消) a booking at the window: staff of the booking's
hall only, by POST only, the reason required, a confirm step before anything changes,
and the audit event naming the clerk and the reason."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from onething.accounts.services import create_staff, register_person
from onething.audit.models import AuditEntry
from onething.domain.validators import id_check_character
from onething.hall.appointment_services import (
    book_appointment,
    cancel_appointment,
    change_appointment,
)
from onething.hall.models import Appointment
from onething.hall.services import HallDenied, HallError, assign_windows

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
MONDAY_8 = dt.datetime(2026, 12, 7, 8, 0, tzinfo=SH)
TUESDAY_9 = dt.datetime(2026, 12, 8, 9, 0, tzinfo=SH)
FULL = "该时段已约满，请选择其他时段 (that slot is full)"


@pytest.fixture
def frozen():
    with time_machine.travel(MONDAY_8, tick=False) as traveller:
        yield traveller


@pytest.fixture
def booked(halls, demo, frozen):
    a = halls.county.categories.get(letter="A")
    return book_appointment(a, person=demo.applicant, actor=demo.applicant,
                            slot_starts=TUESDAY_9, channel="portal")


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def urls(hall, appointment) -> tuple[str, str]:
    base = f"/workbench/halls/{hall.pk}/appointments/{appointment.pk}"
    return f"{base}/change/", f"{base}/cancel/"


def township_clerk(halls):
    member = create_staff(username="w-township", password="x", role="clerk")
    assign_windows(member, [halls.window(halls.township, 1)], actor=None)
    return member


def test_the_list_offers_change_and_cancel_by_post(halls, demo, booked):
    page = as_user(demo.clerk).get(
        f"/workbench/halls/{halls.county.pk}/appointments/?day=2026-12-08").content.decode()
    change_url, cancel_url = urls(halls.county, booked)
    assert f'<form method="post" action="{change_url}" class="wb-row-action">' in page
    assert f'<form method="post" action="{cancel_url}" class="wb-row-action">' in page
    assert "张**" in page and "张小明" not in page


def test_change_with_reason_and_confirm(halls, demo, booked):
    clerk = as_user(demo.clerk)
    change_url, _ = urls(halls.county, booked)
    assert clerk.get(change_url).status_code == 405  # POST only
    screen = clerk.post(change_url)
    page = screen.content.decode()
    assert screen.status_code == 200
    assert 'value="2026-12-08" id="day-2" checked' in page  # the booking's own day
    assert 'value="2026-12-08T10:00"' in page
    assert demo.applicant.id_number not in page and "张**" in page
    unreasoned = clerk.post(change_url, {"day": "2026-12-08", "slot": "2026-12-08T10:00",
                                         "action": "review"})
    assert unreasoned.status_code == 400 and "请填写改约原因。" in unreasoned.content.decode()
    review = clerk.post(change_url, {"day": "2026-12-08", "slot": "2026-12-08T10:00",
                                     "reason": "  办事人  临时有事 ", "action": "review"})
    text = review.content.decode()
    assert review.status_code == 200
    assert f"将预约 {booked.code} 改到 2026-12-08 10:00–10:30。" in text
    assert "原因：办事人 临时有事" in text
    assert 'name="action" value="confirm"' in text
    booked.refresh_from_db()
    assert booked.slot_starts == TUESDAY_9  # nothing changed before the confirmation
    assert not AuditEntry.objects.filter(kind="appointment.changed").exists()
    done = clerk.post(change_url, {"day": "2026-12-08", "slot": "2026-12-08T10:00",
                                   "reason": "办事人 临时有事", "action": "confirm"})
    assert done.status_code == 302
    assert done["Location"] == f"/workbench/halls/{halls.county.pk}/appointments/?day=2026-12-08"
    booked.refresh_from_db()
    assert booked.slot_starts == TUESDAY_9 + dt.timedelta(hours=1)
    assert booked.status == "booked"
    entry = AuditEntry.objects.get(kind="appointment.changed")
    assert entry.actor_id == demo.clerk.pk
    assert (entry.details["before"], entry.details["slot"], entry.details["reason"]) == (
        "2026-12-08 09:00", "2026-12-08 10:00", "办事人 临时有事")


def test_a_full_slot_is_refused_at_the_window(halls, demo, booked):
    a = halls.county.categories.get(letter="A")
    half_past = TUESDAY_9 + dt.timedelta(minutes=30)
    first17 = "37140219900101007"
    third = register_person(real_name="王小明", mobile="13900000007",
                            id_number=first17 + id_check_character(first17))
    for who in (demo.applicant2, third):  # capacity 2: full
        book_appointment(a, person=who, actor=who, slot_starts=half_past, channel="portal")
    change_url, _ = urls(halls.county, booked)
    refused = as_user(demo.clerk).post(change_url, {
        "day": "2026-12-08", "slot": "2026-12-08T09:30", "reason": "改时间",
        "action": "confirm"})
    assert refused.status_code == 400
    assert FULL in refused.content.decode()
    booked.refresh_from_db()
    assert booked.slot_starts == TUESDAY_9


def test_cancel_with_reason_and_confirm(halls, demo, booked):
    manager = as_user(demo.manager)
    _, cancel_url = urls(halls.county, booked)
    assert manager.get(cancel_url).status_code == 405
    form = manager.post(cancel_url)
    assert form.status_code == 200 and 'name="reason"' in form.content.decode()
    unreasoned = manager.post(cancel_url, {"reason": " ", "action": "confirm"})
    assert unreasoned.status_code == 400 and "请填写取消原因。" in unreasoned.content.decode()
    review = manager.post(cancel_url, {"reason": "办事人来电取消", "action": "review"})
    assert review.status_code == 200
    assert f"将取消预约 {booked.code}，名额释放给他人，不计为爽约。" in review.content.decode()
    booked.refresh_from_db()
    assert booked.status == "booked"
    done = manager.post(cancel_url, {"reason": "办事人来电取消", "action": "confirm"})
    assert done.status_code == 302
    assert done["Location"] == f"/workbench/halls/{halls.county.pk}/appointments/?day=2026-12-08"
    booked.refresh_from_db()
    assert (booked.status, booked.ended_at) == ("cancelled", MONDAY_8)
    entry = AuditEntry.objects.get(kind="appointment.cancelled")
    assert (entry.actor_id, entry.details["reason"], entry.details["code"]) == (
        demo.manager.pk, "办事人来电取消", booked.code)
    again = manager.post(cancel_url, {"reason": "再取消", "action": "confirm"})
    assert again.status_code == 400
    assert "该预约已不能修改（已取消、已签到或已过期） (the appointment is no longer active)" in \
        again.content.decode()
    assert "该预约已不能取消（已取消、已签到或已过期）。" in again.content.decode()
    assert AuditEntry.objects.filter(kind="appointment.cancelled").count() == 1


def test_only_staff_of_the_hall(halls, demo, booked):
    change_url, cancel_url = urls(halls.county, booked)
    outsider = as_user(township_clerk(halls))
    for url in (change_url, cancel_url):
        refused = outsider.post(url, {"day": "2026-12-08", "slot": "2026-12-08T10:00",
                                      "reason": "x", "action": "confirm"})
        assert refused.status_code == 403
        assert "您不是该办事大厅的工作人员。" in refused.content.decode()
        for user in (demo.applicant, demo.applicant2, demo.samr):
            assert as_user(user).post(url, {"reason": "x", "action": "confirm"}).status_code \
                == 403
        assert Client().post(url).status_code == 302  # sign in first
    # The booking under another hall's address is not found (demo-clerk works at both).
    wrong_hall = f"/workbench/halls/{halls.township.pk}/appointments/{booked.pk}/cancel/"
    assert as_user(demo.clerk).post(wrong_hall, {"reason": "x",
                                                 "action": "confirm"}).status_code == 404
    booked.refresh_from_db()
    assert (booked.status, booked.slot_starts) == ("booked", TUESDAY_9)
    assert not AuditEntry.objects.filter(kind__in=["appointment.changed",
                                                   "appointment.cancelled"]).exists()


def test_the_services_check_the_hall_and_the_reason(halls, demo, booked):
    outsider = township_clerk(halls)
    with pytest.raises(HallDenied) as caught:
        cancel_appointment(booked, actor=outsider, reason="x")
    assert str(caught.value) == "您不是该办事大厅的工作人员 (you are not staff of this hall)"
    with pytest.raises(HallDenied):
        change_appointment(booked, actor=outsider, reason="x",
                           slot_starts=TUESDAY_9 + dt.timedelta(hours=1))
    with pytest.raises(HallDenied):  # nor book there at the window
        book_appointment(halls.county.categories.get(letter="B"), person=demo.applicant2,
                         actor=outsider, slot_starts=TUESDAY_9, channel="window")
    with pytest.raises(HallError) as caught:
        cancel_appointment(booked, actor=demo.clerk, reason="   ")
    assert caught.value.errors == {"reason": "请填写改约或取消的原因 (give the reason)"}
    with pytest.raises(HallError) as caught:
        change_appointment(booked, actor=demo.clerk, reason="长" * 201,
                           slot_starts=TUESDAY_9 + dt.timedelta(hours=1))
    assert caught.value.errors == {"reason": "原因不能超过 200 个字 "
                                             "(the reason is longer than 200 characters)"}
    assert Appointment.objects.get(pk=booked.pk).slot_starts == TUESDAY_9
    moved = change_appointment(booked, actor=demo.applicant,
                               slot_starts=TUESDAY_9 + dt.timedelta(hours=1))
    assert moved.slot_starts == TUESDAY_9 + dt.timedelta(hours=1)  # the person: no reason


def test_the_screens_in_english(halls, demo, booked):
    from tests.english import chinese_left, english, english_page_data

    clerk = as_user(demo.clerk)
    english(clerk)
    change_url, cancel_url = urls(halls.county, booked)
    data = english_page_data() | {"张**", "办事人临时有事"}
    screen = clerk.post(change_url).content.decode()
    assert chinese_left(screen, data) == []
    assert "<h1>Change an appointment for a person</h1>" in screen
    review = clerk.post(change_url, {"day": "2026-12-08", "slot": "2026-12-08T10:00",
                                     "reason": "办事人临时有事", "action": "review"})
    html = review.content.decode()
    assert chinese_left(html, data) == []
    assert f"Appointment {booked.code} will move to 2026-12-08 10:00–10:30." in html
    assert "Reason: 办事人临时有事" in html
    cancel = clerk.post(cancel_url, {"reason": "办事人临时有事", "action": "review"})
    html = cancel.content.decode()
    assert chinese_left(html, data) == []
    assert (f"Appointment {booked.code} will be cancelled; its place is freed for others and "
            "it does not count as a no-show.") in html
    listing = clerk.get(f"/workbench/halls/{halls.county.pk}/appointments/?day=2026-12-08")
    assert chinese_left(listing.content.decode(), data) == []
