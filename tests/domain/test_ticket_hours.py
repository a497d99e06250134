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


# -- holidays and make-up working days (调休), from the chinese-calendar data for 2026 ----

from onething.domain.calendar import WorkingDayCalendar  # noqa: E402
from onething.domain.hall import DayKind, day_kind, makeup_weekday, periods_on  # noqa: E402

CAL = WorkingDayCalendar()


def kinds(day: dt.date) -> DayKind:
    return day_kind(CAL, day)


def test_day_kinds_of_2026():
    # 国庆 1–7 October (Thursday to Wednesday), weekend days of the block included.
    assert [day_kind(CAL, dt.date(2026, 10, d)) for d in range(1, 8)] == [DayKind.HOLIDAY] * 7
    # The 2026 make-up working weekends (调休上班): Sun 4 Jan, Sat 14 and 28 Feb, Sat 9 May,
    # Sun 20 Sep, Sat 10 Oct.
    for day in ("2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20",
                "2026-10-10"):
        assert day_kind(CAL, dt.date.fromisoformat(day)) is DayKind.MAKEUP, day
    assert day_kind(CAL, dt.date(2026, 10, 8)) is DayKind.ORDINARY  # Thursday after
    assert day_kind(CAL, dt.date(2026, 10, 17)) is DayKind.ORDINARY  # an ordinary Saturday
    assert day_kind(CAL, dt.date(2026, 12, 7)) is DayKind.ORDINARY  # an ordinary Monday
    # A year without holiday data: the weekly schedule alone.
    assert day_kind(CAL, dt.date(2150, 10, 1)) is DayKind.ORDINARY


def test_periods_on_holiday_makeup_and_ordinary_days():
    assert periods_on(COUNTY, dt.date(2026, 10, 1), DayKind.HOLIDAY) == []
    # Saturday 10 October 2026 is worked: Monday's periods, not Saturday's appointment morning.
    makeup = periods_on(COUNTY, dt.date(2026, 10, 10), DayKind.MAKEUP)
    assert [(p.weekday, p.starts, p.ends, p.service) for p in makeup] == [
        (1, T("09:00"), T("12:00"), ServiceKind.REGULAR),
        (1, T("12:00"), T("13:30"), ServiceKind.EXTENDED),
        (1, T("13:30"), T("17:30"), ServiceKind.REGULAR),
    ]
    saturday = periods_on(COUNTY, dt.date(2026, 10, 17))
    assert [(p.starts, p.service) for p in saturday] == [(T("09:00"), ServiceKind.APPOINTMENT)]
    assert makeup_weekday(week([2, 3], "09:00", "12:00")) == 2  # closed on Mondays
    assert makeup_weekday(week([6], "09:00", "12:00")) == 1  # no weekday periods at all


def test_holiday_refuses_tickets_naming_the_first_day_after_the_holiday():
    moment = dt.datetime(2026, 10, 1, 10, 0, tzinfo=SH)
    assert ticket_hours(COUNTY, moment) == (True, None)  # the weekly schedule alone: open
    is_open, opens = ticket_hours(COUNTY, moment, kinds=kinds)
    assert is_open is False
    assert opens == dt.datetime(2026, 10, 8, 9, 0, tzinfo=SH)
    assert closed_message(opens) == (
        "现在不是本大厅的取号时间，下次可取号：10月8日（周四）09:00 "
        "(the hall is not giving out tickets now; it next opens for tickets on Thu 8 Oct "
        "at 09:00)")
    # The evening before the holiday (Wednesday 30 September, 19:00): also 8 October.
    assert ticket_hours(COUNTY, dt.datetime(2026, 9, 30, 19, 0, tzinfo=SH), kinds=kinds) == (
        False, dt.datetime(2026, 10, 8, 9, 0, tzinfo=SH))


def test_makeup_saturday_takes_walk_in_tickets_on_weekday_hours():
    # Saturday 10 October 2026, 15:00: an ordinary Saturday takes no walk-ins in the
    # afternoon; worked as a weekday, the hall is open.
    moment = dt.datetime(2026, 10, 10, 15, 0, tzinfo=SH)
    assert ticket_hours(COUNTY, moment)[0] is False
    assert ticket_hours(COUNTY, moment, kinds=kinds) == (True, None)
    # Friday 9 October at 20:00: next opening Saturday 10 October 09:00 (not Monday).
    assert ticket_hours(COUNTY, dt.datetime(2026, 10, 9, 20, 0, tzinfo=SH), kinds=kinds) == (
        False, dt.datetime(2026, 10, 10, 9, 0, tzinfo=SH))
    # Sunday 4 January 2026 is worked too; 1–3 January are off: from the 31st evening the
    # next opening is Sunday the 4th.
    assert ticket_hours(COUNTY, dt.datetime(2025, 12, 31, 20, 0, tzinfo=SH), kinds=kinds) == (
        False, dt.datetime(2026, 1, 4, 9, 0, tzinfo=SH))
