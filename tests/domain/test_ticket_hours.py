"""Taking tickets only within the opening hours: open now or not, and the next opening
named exactly (regular and extended hours, weekends; appointment-only periods)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from onething.domain.hall import Period, ServiceKind, closed_message, ticket_hours

SH = ZoneInfo("Asia/Shanghai")
T = dt.time.fromisoformat


def week(days, starts, ends, service=ServiceKind.REGULAR):
    return [Period(day, T(starts), T(ends), service) for day in days]


# The demo county centre: weekdays 09:00–17:30 (12:00–13:30 extended), Tuesday and
# Thursday evenings to 19:00 (extended), Saturday mornings by appointment.
COUNTY = (
    week(range(1, 6), "09:00", "12:00")
    + week(range(1, 6), "12:00", "13:30", ServiceKind.EXTENDED)
    + week(range(1, 6), "13:30", "17:30")
    + week([2, 4], "17:30", "19:00", ServiceKind.EXTENDED)
    + week([6], "09:00", "12:00", ServiceKind.APPOINTMENT)
)


def at(day: int, clock: str) -> dt.datetime:
    """December 2026: the 1st is a Tuesday."""
    return dt.datetime.combine(dt.date(2026, 12, day), T(clock), tzinfo=SH)


def test_open_within_regular_extended_and_evening_hours():
    for moment in (
        at(2, "09:00"),
        at(2, "12:30"),
        at(2, "17:29:59"),
        at(1, "18:00"),
        at(3, "18:59"),
    ):
        assert ticket_hours(COUNTY, moment) == (True, None), moment


def test_closed_names_the_next_opening():
    assert ticket_hours(COUNTY, at(2, "08:59")) == (False, at(2, "09:00"))
    assert ticket_hours(COUNTY, at(2, "17:30")) == (False, at(3, "09:00"))  # no evening Wed
    assert ticket_hours(COUNTY, at(1, "19:00")) == (False, at(2, "09:00"))
    assert ticket_hours(COUNTY, at(2, "23:59")) == (False, at(3, "09:00"))
    # Friday evening: Saturday is by appointment only, so walk-ins come back on Monday.
    assert ticket_hours(COUNTY, at(4, "18:00")) == (False, at(7, "09:00"))
    assert ticket_hours(COUNTY, at(5, "10:00")) == (False, at(7, "09:00"))
    assert ticket_hours(COUNTY, at(6, "10:00")) == (False, at(7, "09:00"))  # Sunday


def test_appointments_are_checked_in_in_appointment_periods():
    assert ticket_hours(COUNTY, at(5, "10:00"), appointment=True) == (True, None)
    assert ticket_hours(COUNTY, at(4, "18:00"), appointment=True) == (False, at(5, "09:00"))


def test_weekend_service_and_a_hall_without_hours():
    weekend = COUNTY + week([7], "09:00", "12:00")
    assert ticket_hours(weekend, at(6, "10:00")) == (True, None)
    assert ticket_hours(weekend, at(5, "10:00")) == (False, at(6, "09:00"))
    assert ticket_hours([], at(6, "03:00")) == (True, None)  # no published hours
    only_appointments = week([6], "09:00", "12:00", ServiceKind.APPOINTMENT)
    assert ticket_hours(only_appointments, at(5, "10:00")) == (False, None)
    # The next opening a week ahead: Wednesday's only period has just ended.
    once = week([3], "09:00", "10:00")
    assert ticket_hours(once, at(2, "10:00")) == (False, at(9, "09:00"))


def test_the_refusal_in_chinese_and_english():
    assert closed_message(at(7, "09:00")) == (
        "现在不是本大厅的取号时间，下次可取号：12月7日（周一）09:00 "
        "(the hall is not giving out tickets now; it next opens for tickets on "
        "Mon 7 Dec at 09:00)"
    )
    assert closed_message(None) == (
        "本大厅暂不办理现场取号 (this hall does not give out tickets at the moment)"
    )
