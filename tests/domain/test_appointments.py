"""Appointment rules without a database: slots, capacities, booking rules, the no-show
pause and the check-in window."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest

from onething.domain.appointments import (
    CODE_ALPHABET,
    AppointmentPolicy,
    AppointmentStatus,
    BookingProblem,
    Slot,
    check_booking,
    check_in,
    day_slots,
    effective_windows,
    lapsed,
    new_code,
    normalize_code,
    paused_until,
    slot_capacity,
)
from onething.domain.hall import DayKind, Period, ServiceKind
from onething.domain.tickets import PriorityClass

SH = ZoneInfo("Asia/Shanghai")
T = dt.time
MONDAY = dt.date(2026, 12, 7)
SATURDAY = dt.date(2026, 12, 12)
PERIODS = [Period(1, T(9), T(12)), Period(1, T(12), T(13, 30), ServiceKind.EXTENDED),
           Period(1, T(13, 30), T(17, 30)), Period(6, T(9), T(11, 30), ServiceKind.APPOINTMENT),
           Period(2, T(8, 30), T(10, 10))]


def test_slots_are_cut_from_the_days_periods():
    slots = day_slots(PERIODS, MONDAY, slot_minutes=30)
    assert [s.label for s in slots[:3]] == ["09:00–09:30", "09:30–10:00", "10:00–10:30"]
    assert len(slots) == 6 + 3 + 8
    assert slots[6] == Slot(T(12), T(12, 30), ServiceKind.EXTENDED)
    assert slots[-1].label == "17:00–17:30"
    # A part slot at the end of a period is dropped: 08:30–10:10 gives three.
    tuesday = day_slots(PERIODS, MONDAY + dt.timedelta(days=1), slot_minutes=30)
    assert [s.label for s in tuesday] == ["08:30–09:00", "09:00–09:30", "09:30–10:00"]
    assert [s.label for s in day_slots(PERIODS, SATURDAY, slot_minutes=60)] == [
        "09:00–10:00", "10:00–11:00"]
    assert day_slots(PERIODS, MONDAY + dt.timedelta(days=6), slot_minutes=30) == []  # Sunday
    assert day_slots(PERIODS, MONDAY, slot_minutes=30, closed=True) == []


def test_holiday_has_no_slots_and_a_makeup_weekend_day_has_mondays():
    national_day = dt.date(2026, 10, 1)  # a Thursday
    assert day_slots(PERIODS, national_day, slot_minutes=30, kind=DayKind.HOLIDAY) == []
    # Saturday 10 October 2026 (调休上班): Monday's 17 slots, not Saturday's appointment ones.
    makeup = day_slots(PERIODS, dt.date(2026, 10, 10), slot_minutes=30, kind=DayKind.MAKEUP)
    assert len(makeup) == 17
    assert (makeup[0].label, makeup[-1].label) == ("09:00–09:30", "17:00–17:30")
    assert makeup[6] == Slot(T(12), T(12, 30), ServiceKind.EXTENDED)
    # An ordinary Saturday keeps its appointment-only morning.
    assert [s.label for s in day_slots(PERIODS, dt.date(2026, 10, 17), slot_minutes=60)] == [
        "09:00–10:00", "10:00–11:00"]


def test_capacity_from_windows_handling_time_and_share():
    # Demo county centre, category A: windows 1–3 and half of window 4 (A and D).
    windows = effective_windows([1, 1, 1, 2])
    assert windows == Fraction(7, 2)
    assert slot_capacity(windows=windows, slot_minutes=30, handling_minutes=15,
                         appointment_percent=30) == 2  # 7 services, 2.1 → 2
    assert slot_capacity(windows=windows, slot_minutes=30, handling_minutes=15,
                         appointment_percent=50) == 3  # 3.5 → 3
    assert slot_capacity(windows=windows, slot_minutes=30, handling_minutes=15,
                         appointment_percent=30, service=ServiceKind.APPOINTMENT) == 7
    # Category D: half of window 4 and window 5 = 1.5 windows; 20 minutes a service.
    assert slot_capacity(windows=effective_windows([2, 1]), slot_minutes=30,
                         handling_minutes=20, appointment_percent=100) == 2  # 2.25
    assert slot_capacity(windows=0, slot_minutes=30, handling_minutes=15,
                         appointment_percent=100) == 0
    assert slot_capacity(windows=1, slot_minutes=30, handling_minutes=15,
                         appointment_percent=0) == 0
    with pytest.raises(ValueError):
        slot_capacity(windows=1, slot_minutes=30, handling_minutes=0, appointment_percent=30)


NOW = dt.datetime(2026, 12, 7, 10, 0, tzinfo=SH)  # Monday 10:00
POLICY = AppointmentPolicy()


def _book(starts: dt.datetime, **kw):
    args = {"slot_starts": starts, "now": NOW, "today": NOW.date(), "slot_day": starts.date(),
            "policy": POLICY, "booked": 0, "capacity": 2, "same_day_bookings": 0,
            "paused_until": None}
    args.update(kw)
    check_booking(**args)


@pytest.mark.parametrize(("starts", "kw", "field", "words"), [
    (NOW - dt.timedelta(minutes=30), {}, "slot", "that time has passed"),
    (NOW, {}, "slot", "that time has passed"),
    (NOW + dt.timedelta(minutes=59), {}, "slot", "at least 60 minutes ahead"),
    (dt.datetime(2026, 12, 15, 9, 0, tzinfo=SH), {}, "day", "at most 7 days ahead"),
    (NOW + dt.timedelta(hours=2), {"booked": 2}, "slot", "that slot is full"),
    (NOW + dt.timedelta(hours=2), {"same_day_bookings": 1}, "category", "already have"),
    (NOW + dt.timedelta(hours=2), {"paused_until": dt.date(2026, 12, 8)}, "person",
     "paused after repeated no-shows until 2026-12-08"),
])
def test_booking_rules_refuse(starts, kw, field, words):
    with pytest.raises(BookingProblem) as caught:
        _book(starts, **kw)
    assert caught.value.field == field
    assert words in caught.value.message


def test_booking_rules_accept_at_the_edges():
    _book(NOW + dt.timedelta(minutes=60))  # the cut-off exactly
    _book(dt.datetime(2026, 12, 14, 17, 0, tzinfo=SH))  # day 7
    _book(NOW + dt.timedelta(hours=2), booked=1)  # the last place
    _book(NOW + dt.timedelta(hours=2), paused_until=dt.date(2026, 12, 7))  # resumes today


def test_three_no_shows_in_ninety_days_pause_booking_for_thirty_days():
    shows = [dt.date(2026, 9, 10), dt.date(2026, 11, 2), dt.date(2026, 12, 1)]
    assert paused_until(shows[:2], today=dt.date(2026, 12, 1), policy=POLICY) is None
    assert paused_until(shows, today=dt.date(2026, 12, 1), policy=POLICY) == dt.date(2026, 12, 31)
    assert paused_until(shows, today=dt.date(2026, 12, 30), policy=POLICY) == dt.date(2026, 12, 31)
    assert paused_until(shows, today=dt.date(2026, 12, 31), policy=POLICY) is None
    # The pause runs its course though 10 September leaves the 90 days on 9 December.
    assert paused_until(shows, today=dt.date(2026, 12, 9), policy=POLICY) == dt.date(2026, 12, 31)
    # 90 days up to 1 December begin on 3 September: a no-show on 2 September is too old.
    assert paused_until([dt.date(2026, 9, 2), *shows[1:]], today=dt.date(2026, 12, 1),
                        policy=POLICY) is None
    assert paused_until([dt.date(2026, 9, 3), *shows[1:]], today=dt.date(2026, 12, 1),
                        policy=POLICY) == dt.date(2026, 12, 31)
    # No-shows after today (a clock that went back) do not count.
    assert paused_until(shows, today=dt.date(2026, 11, 30), policy=POLICY) is None
    configurable = AppointmentPolicy(no_show_limit=2, no_show_window_days=30, pause_days=7)
    assert paused_until(shows[1:], today=dt.date(2026, 12, 1), policy=configurable) == \
        dt.date(2026, 12, 8)
    assert paused_until(shows[1:], today=dt.date(2026, 12, 1),
                        policy=AppointmentPolicy(no_show_limit=2, no_show_window_days=29)) is None


@pytest.mark.parametrize(("minutes", "expected"), [
    (-31, None),
    (-30, (PriorityClass.APPOINTMENT, AppointmentStatus.CHECKED_IN)),
    (0, (PriorityClass.APPOINTMENT, AppointmentStatus.CHECKED_IN)),
    (15, (PriorityClass.APPOINTMENT, AppointmentStatus.CHECKED_IN)),
    (16, (PriorityClass.WALK_IN, AppointmentStatus.LATE)),
])
def test_check_in_window(minutes, expected):
    slot = dt.datetime(2026, 12, 7, 9, 30, tzinfo=SH)
    now = slot + dt.timedelta(minutes=minutes)
    if expected is None:
        with pytest.raises(BookingProblem) as caught:
            check_in(slot, now)
        assert caught.value.message == (
            "签到时间未到：请在预约时段开始前 30 分钟内签到（09:00 起） "
            "(too early: check in from 30 minutes before the slot, 09:00)")
    else:
        got = check_in(slot, now)
        assert (got.priority, got.status) == expected
    assert lapsed(slot, now) is (minutes > 15)


def test_codes():
    codes = {new_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(len(c) == 6 and set(c) <= set(CODE_ALPHABET) for c in codes)
    assert normalize_code(" k7m 2-qx ") == "K7M2QX"


def test_policy_refuses_nonsense():
    for bad in ({"slot_minutes": 0}, {"appointment_percent": 101}, {"no_show_limit": 0},
                {"horizon_days": -1}):
        with pytest.raises(ValueError):
            AppointmentPolicy(**bad)
