"""Appointments through the services: slot capacities of the demo county centre, the
booking rules, change and cancel, the no-show pause and its end, check-in at the edges of
its window, and the appointment ticket called before walk-ins."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from onething.accounts.services import register_person
from onething.audit.models import AuditEntry
from onething.domain.appointments import AppointmentStatus
from onething.domain.tickets import Channel, PriorityClass, TicketStatus
from onething.domain.validators import id_check_character
from onething.hall import appointment_selectors as sel
from onething.hall.appointment_services import (
    book_appointment,
    cancel_appointment,
    change_appointment,
    check_in_appointment,
    mark_no_shows,
)
from onething.hall.models import Appointment
from onething.hall.services import HallDenied, HallError, start_shift
from onething.hall.ticket_services import call_next, take_ticket

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 12, 7, 8, 0, tzinfo=SH)  # Monday
TUESDAY_9 = dt.datetime(2026, 12, 8, 9, 0, tzinfo=SH)


def person(n: int, name: str = "王小明"):
    first17 = f"37140219900101{n:03d}"
    return register_person(real_name=name, id_number=first17 + id_check_character(first17),
                           mobile=f"1390000{n:04d}")


@pytest.fixture
def cats(halls):
    return {c.letter: c for c in halls.county.categories.all()}


def book(cat, person, starts=TUESDAY_9, now=NOW, **kw):
    kw.setdefault("channel", "portal")
    kw.setdefault("actor", person)
    return book_appointment(cat, person=person, slot_starts=starts, now=now, **kw)


def test_slot_capacities_of_the_county_centre(cats):
    tuesday = sel.day_places(cats["A"], dt.date(2026, 12, 8))
    assert [(p.label, p.capacity) for p in tuesday[:2]] == [("09:00–09:30", 2),
                                                           ("09:30–10:00", 2)]
    assert len(tuesday) == 6 + 3 + 8 + 3  # morning, lunchtime, afternoon, Tuesday evening
    # D: half of window 4 and window 5 = 1.5 windows → 3 services a slot, 30 % → 0.
    assert {p.capacity for p in sel.day_places(cats["D"], dt.date(2026, 12, 8))} == {0}
    # B: windows 6 and 7 → 4 services, 30 % → 1.
    assert {p.capacity for p in sel.day_places(cats["B"], dt.date(2026, 12, 8))} == {1}
    # Saturday morning is appointment-only service: all 7 A services of a slot.
    saturday = sel.day_places(cats["A"], dt.date(2026, 12, 12))
    assert [(p.label, p.capacity) for p in saturday] == [
        ("09:00–09:30", 7), ("09:30–10:00", 7), ("10:00–10:30", 7), ("10:30–11:00", 7),
        ("11:00–11:30", 7), ("11:30–12:00", 7)]
    assert sel.day_places(cats["A"], dt.date(2026, 12, 13)) == []  # Sunday
    assert sel.day_places(cats["A"], dt.date(2027, 1, 1)) == []  # New Year's Day (Friday)
    hall = cats["A"].hall
    hall.appointment_percent = 50
    hall.save()
    assert sel.day_places(cats["A"], dt.date(2026, 12, 8))[0].capacity == 3


def test_only_slots_past_the_cut_off_are_offered(cats):
    """At 09:28 on Tuesday 2026-12-08 the 09:30 and 10:00 slots start within the hall's
    60-minute cut-off: the booking check would refuse them, so they are not offered;
    10:30 is the first (exactly 62 minutes ahead)."""
    now = dt.datetime(2026, 12, 8, 9, 28, tzinfo=ZoneInfo("Asia/Shanghai"))
    offered = sel.open_places(cats["A"], dt.date(2026, 12, 8), now)
    assert [p.label for p in offered[:2]] == ["10:30–11:00", "11:00–11:30"]
    at_cut_off = now.replace(hour=9, minute=30)
    assert sel.open_places(cats["A"], dt.date(2026, 12, 8), at_cut_off)[0].label == (
        "10:30–11:00")  # exactly 60 minutes ahead still counts
    assert len(sel.open_places(cats["A"], dt.date(2026, 12, 9), now)) == len(
        sel.day_places(cats["A"], dt.date(2026, 12, 9)))


def test_booking_takes_a_place_until_the_slot_is_full(cats, demo):
    first = book(cats["A"], demo.applicant)
    assert (first.status, first.channel, first.day) == ("booked", "portal", dt.date(2026, 12, 8))
    assert first.slot_starts == TUESDAY_9
    assert first.slot_ends == TUESDAY_9 + dt.timedelta(minutes=30)
    assert len(first.code) == 6
    book(cats["A"], demo.applicant2)
    assert sel.find_slot(cats["A"], TUESDAY_9).left == 0
    with pytest.raises(HallError) as caught:
        book(cats["A"], person(1))
    assert caught.value.errors == {"slot": "该时段已约满，请选择其他时段 (that slot is full)"}
    assert Appointment.objects.filter(slot_starts=TUESDAY_9).count() == 2
    entry = AuditEntry.objects.filter(kind="appointment.booked").first()
    assert entry.details["code"] == first.code and entry.details["slot"] == "2026-12-08 09:00"


def test_booking_rules(cats, demo):
    me = demo.applicant
    book(cats["A"], me)
    with pytest.raises(HallError) as caught:  # one per person, category and day
        book(cats["A"], me, TUESDAY_9 + dt.timedelta(hours=1))
    assert list(caught.value.errors) == ["category"]
    book(cats["B"], me, TUESDAY_9 + dt.timedelta(hours=1))  # another category: fine
    book(cats["A"], me, TUESDAY_9 + dt.timedelta(days=1))  # another day: fine
    cases = [
        (NOW + dt.timedelta(hours=1), "slot", "(that time has passed)"),  # Monday 09:00
        (NOW + dt.timedelta(minutes=90), "slot", "60 minutes ahead"),  # 09:30
        (dt.datetime(2026, 12, 15, 9, 0, tzinfo=SH), "day", "7 days ahead"),
        (dt.datetime(2026, 12, 8, 9, 10, tzinfo=SH), "slot", "(no such slot)"),
        (dt.datetime(2026, 12, 13, 9, 0, tzinfo=SH), "slot", "(no such slot)"),  # Sunday
    ]
    for starts, field, words in cases:
        with pytest.raises(HallError) as caught:
            book(cats["C"], me, starts, now=NOW + dt.timedelta(hours=1))
        assert field in caught.value.errors and words in caught.value.errors[field], starts
    with pytest.raises(HallError):
        book(cats["D"], me)  # D has no appointment places (capacity 0)


def test_only_the_person_or_window_staff_act(cats, demo):
    mine = book(cats["A"], demo.applicant)
    with pytest.raises(HallDenied):
        book(cats["A"], demo.applicant, actor=demo.applicant2)
    with pytest.raises(HallDenied):
        cancel_appointment(mine, actor=demo.applicant2, now=NOW)
    with pytest.raises(HallDenied):
        change_appointment(mine, slot_starts=TUESDAY_9 + dt.timedelta(hours=1),
                           actor=demo.applicant2, now=NOW)
    with pytest.raises(HallDenied):  # a reviewer is not window staff
        cancel_appointment(mine, actor=demo.samr, now=NOW)
    with pytest.raises(HallDenied):  # the window channel is for staff
        book(cats["B"], demo.applicant, channel="window")
    at_window = book(cats["B"], demo.applicant2, actor=demo.clerk, channel="window")
    assert (at_window.channel, at_window.booked_by, at_window.person) == (
        "window", demo.clerk, demo.applicant2)
    with pytest.raises(HallError):  # staff do not get appointments themselves
        book(cats["C"], demo.clerk, actor=demo.clerk, channel="window")


def test_change_swaps_the_slot_and_cancel_frees_the_place(cats, demo):
    mine = book(cats["A"], demo.applicant)
    book(cats["A"], demo.applicant2, TUESDAY_9 + dt.timedelta(minutes=30))
    other = book(cats["A"], person(2), TUESDAY_9 + dt.timedelta(minutes=30))
    with pytest.raises(HallError) as caught:  # full: the booking stays where it was
        change_appointment(mine, slot_starts=TUESDAY_9 + dt.timedelta(minutes=30),
                           actor=demo.applicant, now=NOW)
    assert caught.value.errors == {"slot": "该时段已约满，请选择其他时段 (that slot is full)"}
    mine.refresh_from_db()
    assert mine.slot_starts == TUESDAY_9
    cancel_appointment(other, actor=demo.clerk, now=NOW, reason="办事人来电取消")
    moved = change_appointment(mine, slot_starts=TUESDAY_9 + dt.timedelta(minutes=30),
                               actor=demo.applicant, now=NOW)
    assert (moved.slot_starts, moved.code) == (TUESDAY_9 + dt.timedelta(minutes=30), mine.code)
    assert sel.find_slot(cats["A"], TUESDAY_9).booked == 0
    assert sel.find_slot(cats["A"], TUESDAY_9 + dt.timedelta(minutes=30)).booked == 2
    # To another day: the one-per-day rule does not count the booking being moved.
    moved = change_appointment(mine, slot_starts=TUESDAY_9 + dt.timedelta(days=1),
                               actor=demo.applicant, now=NOW)
    assert moved.day == dt.date(2026, 12, 9)
    assert AuditEntry.objects.filter(kind="appointment.changed").latest("pk").details["before"] == \
        "2026-12-08 09:30"
    cancelled = cancel_appointment(mine, actor=demo.applicant, now=NOW)
    assert (cancelled.status, cancelled.ended_at) == ("cancelled", NOW)
    with pytest.raises(HallError):
        cancel_appointment(mine, actor=demo.applicant, now=NOW)
    with pytest.raises(HallError):
        change_appointment(mine, slot_starts=TUESDAY_9, actor=demo.applicant, now=NOW)


def test_three_no_shows_in_90_days_pause_booking_until_the_date(cats, demo, halls):
    me = demo.applicant
    days = [dt.datetime(2026, 9, 15, 9, 0, tzinfo=SH), dt.datetime(2026, 11, 3, 9, 0, tzinfo=SH),
            dt.datetime(2026, 12, 1, 9, 0, tzinfo=SH)]
    for slot in days:
        book(cats["A"], me, slot, now=slot - dt.timedelta(days=1))
    assert mark_no_shows(now=days[0] + dt.timedelta(minutes=15)) == []  # +15: not yet
    marked = mark_no_shows(now=days[0] + dt.timedelta(minutes=16))
    assert len(marked) == 1
    assert Appointment.objects.get(pk=marked[0]).status == AppointmentStatus.NO_SHOW
    later = dt.datetime(2026, 12, 1, 10, 0, tzinfo=SH)
    # The third booking lapsed but is not marked yet: it counts already.
    assert sel.booking_paused_until(me, cats["A"].hall, later) == dt.date(2026, 12, 31)
    with pytest.raises(HallError) as caught:
        book(cats["B"], me, dt.datetime(2026, 12, 2, 9, 0, tzinfo=SH), now=later)
    assert caught.value.errors == {"person": "因多次预约未到，2026-12-31 起才能再次预约 "
                                             "(booking is paused after repeated no-shows "
                                             "until 2026-12-31)"}
    assert len(mark_no_shows(now=later)) == 2
    assert AuditEntry.objects.filter(kind="appointment.no_show").count() == 3
    # Another hall keeps its own count.
    township_a = halls.township.categories.get(letter="A")
    assert sel.find_slot(township_a, dt.datetime(2026, 12, 2, 9, 0, tzinfo=SH)).capacity == 1
    assert book(township_a, me, dt.datetime(2026, 12, 2, 9, 0, tzinfo=SH),
                now=later).status == "booked"
    # Resumes on 31 December.
    resumed = dt.datetime(2026, 12, 31, 8, 0, tzinfo=SH)
    assert sel.booking_paused_until(me, cats["A"].hall, resumed) is None
    assert book(cats["A"], me, dt.datetime(2026, 12, 31, 10, 0, tzinfo=SH),
                now=resumed).status == "booked"


@pytest.mark.parametrize(("minutes", "priority", "status"), [
    (-30, PriorityClass.APPOINTMENT, AppointmentStatus.CHECKED_IN),
    (15, PriorityClass.APPOINTMENT, AppointmentStatus.CHECKED_IN),
    (16, PriorityClass.WALK_IN, AppointmentStatus.LATE),
])
def test_check_in_window(cats, demo, minutes, priority, status):
    booking = book(cats["A"], demo.applicant)
    ticket = check_in_appointment(booking, channel=Channel.KIOSK,
                                  now=TUESDAY_9 + dt.timedelta(minutes=minutes))
    booking.refresh_from_db()
    assert (ticket.priority, ticket.code, ticket.status) == (priority, "A001", "waiting")
    assert (booking.status, booking.ticket) == (status, ticket)
    assert ticket.holder_name == "张**"  # 张小明
    with pytest.raises(HallError):  # once
        check_in_appointment(booking, channel=Channel.KIOSK,
                             now=TUESDAY_9 + dt.timedelta(minutes=minutes))


def test_check_in_too_early_is_refused_with_the_time(cats, demo):
    booking = book(cats["A"], demo.applicant)
    with pytest.raises(HallError) as caught:
        check_in_appointment(booking, channel=Channel.KIOSK,
                             now=TUESDAY_9 - dt.timedelta(minutes=31))
    assert caught.value.errors == {
        "time": "签到时间未到：请在预约时段开始前 30 分钟内签到（08:30 起） "
                "(too early: check in from 30 minutes before the slot, 08:30)"}
    booking.refresh_from_db()
    assert booking.status == "booked" and booking.ticket is None
    with pytest.raises(HallDenied):  # on the phone only the person checks in
        check_in_appointment(booking, channel=Channel.PHONE, actor=demo.applicant2,
                             now=TUESDAY_9)
    with pytest.raises(HallDenied):  # at the door only staff
        check_in_appointment(booking, channel=Channel.DOOR, actor=demo.applicant,
                             now=TUESDAY_9)
    ticket = check_in_appointment(booking, channel=Channel.PHONE, actor=demo.applicant,
                                  now=TUESDAY_9)
    assert (ticket.user, ticket.channel) == (demo.applicant, "phone")


def test_checked_in_appointment_is_called_before_walk_ins(cats, demo, halls):
    booking = book(cats["A"], demo.applicant)
    with time_machine.travel(TUESDAY_9 - dt.timedelta(minutes=20), tick=False):
        start_shift(halls.window(halls.county, 1), actor=demo.clerk)
    # Two walk-ins as the hall opens for tickets (09:00), then the booked person checks in.
    walk_ins = [take_ticket(cats["A"], channel="kiosk",
                            now=TUESDAY_9 + dt.timedelta(minutes=1 + n)) for n in range(2)]
    ticket = check_in_appointment(booking, channel=Channel.DOOR, actor=demo.clerk,
                                  now=TUESDAY_9 + dt.timedelta(minutes=5))
    assert ticket.code == "A003"
    window = halls.window(halls.county, 1)
    called = call_next(window, actor=demo.clerk, now=TUESDAY_9 + dt.timedelta(minutes=6))
    assert (called.pk, called.priority) == (ticket.pk, PriorityClass.APPOINTMENT)
    assert called.status == TicketStatus.CALLED
    assert walk_ins[0].status == "waiting"


def test_a_late_appointment_queues_as_a_walk_in_behind_earlier_arrivals(cats, demo, halls):
    booking = book(cats["A"], demo.applicant)
    with time_machine.travel(TUESDAY_9, tick=False):
        start_shift(halls.window(halls.county, 1), actor=demo.clerk)
    walk_in = take_ticket(cats["A"], channel="kiosk", now=TUESDAY_9 + dt.timedelta(minutes=5))
    late = check_in_appointment(booking, channel=Channel.KIOSK,
                                now=TUESDAY_9 + dt.timedelta(minutes=16))
    assert late.priority == PriorityClass.WALK_IN
    first = call_next(halls.window(halls.county, 1), actor=demo.clerk,
                      now=TUESDAY_9 + dt.timedelta(minutes=17))
    assert first.pk == walk_in.pk
    assert AuditEntry.objects.filter(kind="appointment.late").count() == 1


def test_housekeeping_and_the_task_mark_no_shows(cats, demo):
    from django.core.management import call_command

    from onething.ops.housekeeping import run_housekeeping

    first = book(cats["A"], demo.applicant)
    second = book(cats["B"], demo.applicant)
    report = run_housekeeping(now=TUESDAY_9 + dt.timedelta(minutes=16))
    assert report.no_shows == 2
    assert "已将 2 个未签到的预约记为爽约 (marked 2 appointment(s) not checked in as no-show)" \
        in report.lines()
    assert {a.status for a in Appointment.objects.filter(pk__in=[first.pk, second.pk])} == {
        AppointmentStatus.NO_SHOW}
    third = book(cats["A"], demo.applicant, TUESDAY_9 + dt.timedelta(days=1))
    with time_machine.travel(TUESDAY_9 + dt.timedelta(days=1, minutes=16), tick=False):
        call_command("hall", "no-shows")  # the task runs at once in tests (immediate backend)
    third.refresh_from_db()
    assert third.status == AppointmentStatus.NO_SHOW
