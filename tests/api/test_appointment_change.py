"""POST /api/v1/appointments/{id}/change (改约 through the API): the portal's rules —
another slot of the same hall and category, the horizon, the cut-off, a place left (the
slot's lock held), one active booking per person, category and day — in the API's one
error shape; someone else's appointment is not found."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from onething.accounts.services import issue_api_token, register_person
from onething.audit.models import AuditEntry
from onething.domain.validators import id_check_character
from onething.hall import appointment_selectors as sel
from onething.hall.appointment_services import book_appointment, cancel_appointment
from onething.hall.models import Appointment

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
MONDAY_8 = dt.datetime(2026, 12, 7, 8, 0, tzinfo=SH)
TUESDAY_9 = dt.datetime(2026, 12, 8, 9, 0, tzinfo=SH)
FULL = "该时段已约满，请选择其他时段 (that slot is full)"
NO_SUCH = "没有这个预约 (no such appointment)"


@pytest.fixture
def frozen():
    with time_machine.travel(MONDAY_8, tick=False) as traveller:
        yield traveller


def person(n: int):
    first17 = f"37140219900101{n:03d}"
    return register_person(real_name="王小明", id_number=first17 + id_check_character(first17),
                           mobile=f"1390000{n:04d}")


def bearer(user, scopes=None) -> dict[str, str]:
    kw = {"scopes": scopes} if scopes else {}
    return {"HTTP_AUTHORIZATION": f"Bearer {issue_api_token(user, label='test', **kw)}"}


def book(category, who, starts):
    return book_appointment(category, person=who, actor=who, slot_starts=starts,
                            channel="api")


def change(appointment_id: int, starts: str, headers: dict, **extra):
    body = json.dumps({"starts": starts, **extra})
    return Client().post(f"/api/v1/appointments/{appointment_id}/change", body,
                         content_type="application/json", **headers)


def test_change_moves_the_booking_and_keeps_its_code(halls, demo, frozen):
    a = halls.county.categories.get(letter="A")
    mine = book(a, demo.applicant, TUESDAY_9)
    moved = change(mine.pk, "2026-12-08T10:00:00+08:00", bearer(demo.applicant))
    assert moved.status_code == 200, moved.content
    out = moved.json()
    assert (out["id"], out["code"], out["status"], out["category_id"]) == (
        mine.pk, mine.code, "booked", a.pk)
    assert (out["starts"], out["ends"]) == ("2026-12-08T10:00:00+08:00",
                                            "2026-12-08T10:30:00+08:00")
    assert sel.find_slot(a, TUESDAY_9).booked == 0  # the old place is free again
    assert sel.find_slot(a, TUESDAY_9 + dt.timedelta(hours=1)).booked == 1
    entry = AuditEntry.objects.get(kind="appointment.changed")
    assert (entry.details["before"], entry.details["slot"], entry.actor_id) == (
        "2026-12-08 09:00", "2026-12-08 10:00", demo.applicant.pk)
    assert "reason" not in entry.details  # the person's own change needs none
    # To another day: the one-per-day rule does not count the booking being moved.
    again = change(mine.pk, "2026-12-09T09:00:00+08:00", bearer(demo.applicant))
    assert again.status_code == 200 and again.json()["starts"] == "2026-12-09T09:00:00+08:00"


def test_someone_elses_appointment_is_not_found(halls, demo, frozen):
    a = halls.county.categories.get(letter="A")
    mine = book(a, demo.applicant, TUESDAY_9)
    answer = change(mine.pk, "2026-12-08T10:00:00+08:00", bearer(demo.applicant2))
    assert answer.status_code == 404
    assert answer.json() == {"code": "not_found", "message": NO_SUCH, "errors": {}}
    missing = change(mine.pk + 1000, "2026-12-08T10:00:00+08:00", bearer(demo.applicant))
    assert missing.status_code == 404 and missing.json()["message"] == NO_SUCH
    mine.refresh_from_db()
    assert mine.slot_starts == TUESDAY_9
    assert not AuditEntry.objects.filter(kind="appointment.changed").exists()


def test_a_full_slot_is_refused_and_the_booking_stays(halls, demo, frozen):
    a = halls.county.categories.get(letter="A")
    mine = book(a, demo.applicant, TUESDAY_9)
    half_past = TUESDAY_9 + dt.timedelta(minutes=30)
    book(a, demo.applicant2, half_past)
    book(a, person(1), half_past)  # capacity 2: full
    answer = change(mine.pk, "2026-12-08T09:30:00+08:00", bearer(demo.applicant))
    assert answer.status_code == 422
    assert answer.json() == {"code": "booking_refused", "message": FULL,
                             "errors": {"slot": FULL}}
    mine.refresh_from_db()
    assert mine.slot_starts == TUESDAY_9
    assert sel.find_slot(a, TUESDAY_9).booked == 1
    assert sel.find_slot(a, half_past).booked == 2


def test_cut_off_horizon_and_one_a_day(halls, demo, frozen):
    a = halls.county.categories.get(letter="A")
    headers = bearer(demo.applicant)
    mine = book(a, demo.applicant, TUESDAY_9)
    book(a, demo.applicant, TUESDAY_9 + dt.timedelta(days=1))  # Wednesday 09:00
    frozen.move_to(dt.datetime(2026, 12, 7, 9, 0, tzinfo=SH))  # Monday 09:00
    late = change(mine.pk, "2026-12-07T09:30:00+08:00", headers)
    cut_off = "请至少提前 60 分钟预约 (book at least 60 minutes ahead)"
    assert late.status_code == 422
    assert late.json() == {"code": "booking_refused", "message": cut_off,
                           "errors": {"slot": cut_off}}
    far = change(mine.pk, "2026-12-15T09:00:00+08:00", headers)
    horizon = "最多可预约 7 天内的时段 (book at most 7 days ahead)"
    assert (far.status_code, far.json()["errors"]) == (422, {"day": horizon})
    same_day = change(mine.pk, "2026-12-09T10:00:00+08:00", headers)
    assert same_day.status_code == 422
    assert same_day.json()["errors"] == {"category": (
        "您当天在该类别已有预约，请改约或取消原预约 "
        "(you already have a booking in this category that day: change or cancel it)")}
    odd = change(mine.pk, "2026-12-08T09:10:00+08:00", headers)
    assert (odd.status_code, odd.json()["errors"]) == (
        422, {"slot": "该时段不可预约 (no such slot)"})
    mine.refresh_from_db()
    assert mine.slot_starts == TUESDAY_9


def test_a_cancelled_booking_cannot_be_changed(halls, demo, frozen):
    a = halls.county.categories.get(letter="A")
    mine = book(a, demo.applicant, TUESDAY_9)
    cancel_appointment(mine, actor=demo.applicant)
    answer = change(mine.pk, "2026-12-08T10:00:00+08:00", bearer(demo.applicant))
    assert answer.status_code == 422
    assert answer.json()["errors"] == {"appointment": (
        "该预约已不能修改（已取消、已签到或已过期） (the appointment is no longer active)")}
    assert Appointment.objects.get(pk=mine.pk).slot_starts == TUESDAY_9


def test_scopes_input_and_openapi(halls, demo, frozen):
    a = halls.county.categories.get(letter="A")
    mine = book(a, demo.applicant, TUESDAY_9)
    read_only = change(mine.pk, "2026-12-08T10:00:00+08:00",
                       bearer(demo.applicant, scopes=["read"]))
    assert (read_only.status_code, read_only.json()["code"]) == (403, "insufficient_scope")
    anonymous = change(mine.pk, "2026-12-08T10:00:00+08:00", {})
    assert (anonymous.status_code, anonymous.json()["code"]) == (401, "unauthorized")
    extra = change(mine.pk, "2026-12-08T10:00:00+08:00", bearer(demo.applicant),
                   category=a.pk)
    assert (extra.status_code, extra.json()["code"]) == (400, "unknown_field")
    empty = Client().post(f"/api/v1/appointments/{mine.pk}/change", "{}",
                          content_type="application/json", **bearer(demo.applicant))
    assert (empty.status_code, empty.json()["code"]) == (400, "invalid_request")
    assert list(empty.json()["errors"]) == ["starts"]
    staff = change(mine.pk, "2026-12-08T10:00:00+08:00", bearer(demo.clerk, scopes=["staff"]))
    assert staff.status_code == 403
    assert staff.json()["message"] == "预约只对办事群众开放 (appointments are for applicants)"
    assert Appointment.objects.get(pk=mine.pk).slot_starts == TUESDAY_9
    spec = Client().get("/api/v1/openapi.json").json()
    operation = spec["paths"]["/api/v1/appointments/{appointment_id}/change"]["post"]
    assert operation["tags"] == ["appointments"]
    assert set(operation["responses"]) == {"200", "400", "401", "403", "404", "422"}
    assert operation["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/AppointmentChangeIn"}
    assert "改约" in operation["description"]
    assert spec["components"]["schemas"]["AppointmentChangeIn"]["required"] == ["starts"]
