import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onething.domain.calendar import CalendarDataMissing, WorkingDayCalendar
from onething.domain.catalog import CalendarYear

D = dt.date
cal = WorkingDayCalendar()


def test_counting_starts_the_day_after_and_skips_national_day():
    # The rule: 5 working days from 2025-09-30 end on 2025-10-14
    # (10/1–10/8 off, 10/11 a make-up Saturday).
    assert cal.add_working_days(D(2025, 9, 30), 5).day == D(2025, 10, 14)


@pytest.mark.parametrize("day", [D(2025, 10, 11), D(2025, 9, 28), D(2026, 2, 14), D(2026, 1, 4)])
def test_make_up_weekend_days_are_working_days(day):
    assert day.weekday() >= 5
    assert cal.is_working_day(day)


@pytest.mark.parametrize("day", [D(2025, 10, 6), D(2026, 2, 17), D(2026, 5, 1), D(2025, 1, 1)])
def test_statutory_holidays_are_not_working_days(day):
    assert not cal.is_working_day(day)


def test_instant_on_a_holiday_moves_to_the_next_working_day():
    assert cal.add_working_days(D(2025, 10, 3), 0).day == D(2025, 10, 9)
    assert cal.add_working_days(D(2025, 10, 9), 0).day == D(2025, 10, 9)


def test_a_year_without_data_raises_a_clear_error():
    with pytest.raises(CalendarDataMissing) as info:
        cal.add_working_days(D(2031, 3, 2), 3)
    assert info.value.year == 2031
    assert "2031年的节假日安排尚未录入" in str(info.value)


def test_crossing_into_an_unknown_year_raises_rather_than_guessing():
    with pytest.raises(CalendarDataMissing):
        cal.add_working_days(D(2040, 12, 28), 10)


def test_provisional_calendar_counts_weekdays_and_flags_the_result():
    provisional = WorkingDayCalendar(provisional=True)
    result = provisional.add_working_days(D(2031, 3, 3), 5)  # Monday
    assert result.day == D(2031, 3, 10)
    assert result.provisional
    assert not provisional.add_working_days(D(2025, 9, 30), 5).provisional


def test_entered_year_overrides_make_the_year_known():
    year = CalendarYear(2031, "test notice", holidays=(D(2031, 3, 4),), workdays=(D(2031, 3, 8),))
    known = WorkingDayCalendar.from_years([year])
    assert not known.is_working_day(D(2031, 3, 4))
    assert known.is_working_day(D(2031, 3, 8))  # a Saturday worked
    assert known.add_working_days(D(2031, 3, 3), 5).day == D(2031, 3, 10)
    assert not known.add_working_days(D(2031, 3, 3), 5).provisional


def test_override_corrects_a_single_date_in_a_package_year():
    corrected = WorkingDayCalendar({D(2025, 10, 9): False})
    assert cal.is_working_day(D(2025, 10, 9))
    assert not corrected.is_working_day(D(2025, 10, 9))


days = st.dates(min_value=D(2004, 1, 1), max_value=D(2026, 10, 31))


@given(days, st.integers(min_value=1, max_value=40))
def test_result_is_a_working_day_after_the_start(start, n):
    end = cal.add_working_days(start, n).day
    assert end > start
    assert cal.is_working_day(end)
    assert cal.working_days_between(start, end) == n


@given(days, st.integers(min_value=0, max_value=30), st.integers(min_value=0, max_value=30))
def test_more_days_never_end_earlier(start, a, b):
    lo, hi = sorted((a, b))
    assert cal.add_working_days(start, lo).day <= cal.add_working_days(start, hi).day


@given(days, days, st.integers(min_value=0, max_value=30))
def test_a_later_start_never_ends_earlier(a, b, n):
    early, late = sorted((a, b))
    assert cal.add_working_days(early, n).day <= cal.add_working_days(late, n).day
