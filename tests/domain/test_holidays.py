"""The provisional holiday schedule (暂定) from the statutory rules, and the calendar using it."""

import datetime as dt

import chinese_calendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from onething.domain import holidays
from onething.domain.calendar import (
    CalendarDataMissing,
    DaySource,
    SpecialDay,
    WorkingDayCalendar,
)
from onething.domain.catalog import CalendarYear
from onething.domain.holidays import (
    RulesNotApplicable,
    provisional_schedule,
    statutory_holidays,
)

D = dt.date
strict = WorkingDayCalendar()
provisional = WorkingDayCalendar(provisional=True)


def test_lunar_and_solar_term_dates_of_2027():
    # 除夕 is 腊月廿九 in lunar year 2026 (the twelfth month has 29 days).
    assert holidays.lunar_to_solar(2027, 1, 1) == D(2027, 2, 6)
    assert holidays.qingming(2027) == D(2027, 4, 5)
    assert holidays.lunar_to_solar(2027, 5, 5) == D(2027, 6, 9)
    assert holidays.lunar_to_solar(2027, 8, 15) == D(2027, 9, 15)


def test_the_thirteen_statutory_days_of_2027():
    assert [(h.day, h.name) for h in statutory_holidays(2027)] == [
        (D(2027, 1, 1), "元旦"),
        (D(2027, 2, 5), "春节"), (D(2027, 2, 6), "春节"), (D(2027, 2, 7), "春节"),
        (D(2027, 2, 8), "春节"),
        (D(2027, 4, 5), "清明节"),
        (D(2027, 5, 1), "劳动节"), (D(2027, 5, 2), "劳动节"),
        (D(2027, 6, 9), "端午节"),
        (D(2027, 9, 15), "中秋节"),
        (D(2027, 10, 1), "国庆节"), (D(2027, 10, 2), "国庆节"), (D(2027, 10, 3), "国庆节"),
    ]


def test_provisional_schedule_of_2027_compensates_weekend_holidays_on_the_next_weekdays():
    schedule = provisional_schedule(2027)
    assert [(d.day, d.name, d.in_lieu_of) for d in schedule.days_off] == [
        (D(2027, 1, 1), "元旦", None),
        (D(2027, 2, 5), "春节", None),
        (D(2027, 2, 6), "春节", None),  # Saturday
        (D(2027, 2, 7), "春节", None),  # Sunday
        (D(2027, 2, 8), "春节", None),
        (D(2027, 2, 9), "春节（补休）", D(2027, 2, 6)),
        (D(2027, 2, 10), "春节（补休）", D(2027, 2, 7)),
        (D(2027, 4, 5), "清明节", None),
        (D(2027, 5, 1), "劳动节", None),  # Saturday
        (D(2027, 5, 2), "劳动节", None),  # Sunday
        (D(2027, 5, 3), "劳动节（补休）", D(2027, 5, 1)),
        (D(2027, 5, 4), "劳动节（补休）", D(2027, 5, 2)),
        (D(2027, 6, 9), "端午节", None),
        (D(2027, 9, 15), "中秋节", None),
        (D(2027, 10, 1), "国庆节", None),
        (D(2027, 10, 2), "国庆节", None),
        (D(2027, 10, 3), "国庆节", None),
        (D(2027, 10, 4), "国庆节（补休）", D(2027, 10, 2)),
        (D(2027, 10, 5), "国庆节（补休）", D(2027, 10, 3)),
    ]


def test_a_holiday_sharing_a_date_with_another_is_made_up_too():
    # 2028: 中秋 (lunar 8/15) is October 3, a day of 国庆; October 1 is a Sunday,
    # and 元旦 is a Saturday.
    days = {d.day: d for d in provisional_schedule(2028).days_off}
    assert holidays.lunar_to_solar(2028, 8, 15) == D(2028, 10, 3)
    assert days[D(2028, 10, 4)].in_lieu_of == D(2028, 10, 1)
    assert days[D(2028, 10, 5)].in_lieu_of == D(2028, 10, 3)
    assert D(2028, 10, 6) not in days
    assert days[D(2028, 1, 3)].name == "元旦（补休）"
    assert sum(d.compensating for d in days.values()) == 4  # also 端午 on Sunday 5/28


@pytest.mark.parametrize("year", [2025, 2026])
def test_every_provisional_day_off_of_a_published_year_is_off_in_the_official_notice(year):
    # The rules applied to the years whose notices chinese-calendar carries: each
    # statutory day and each compensating day is a day off in the real notice.
    for off in provisional_schedule(year).days_off:
        assert not chinese_calendar.is_workday(off.day), off
    statutory = {h.day for h in statutory_holidays(year)}
    official = {d for d in chinese_calendar.holidays if d.year == year}
    assert statutory <= official


def test_years_outside_the_rules_are_refused_clearly():
    with pytest.raises(RulesNotApplicable) as info:
        provisional_schedule(2024)
    assert "2024年不在可按法定规则推算的年份范围内" in str(info.value)
    assert "(no provisional schedule for 2024" in str(info.value)
    with pytest.raises(RulesNotApplicable):
        statutory_holidays(2100)


@given(st.integers(min_value=holidays.RULES_IN_FORCE_FROM,
                   max_value=holidays.LAST_COMPUTABLE_YEAR))
def test_every_year_has_thirteen_days_and_each_owed_day_is_made_up_once(year):
    statutory = statutory_holidays(year)
    assert len(statutory) == 13
    schedule = provisional_schedule(year)
    owed = len(statutory) - len({h.day for h in statutory if h.day.weekday() < 5})
    compensating = [d for d in schedule.days_off if d.compensating]
    assert len(compensating) == owed
    assert len({d.day for d in schedule.days_off}) == len(schedule.days_off)
    for day in compensating:
        assert day.day.weekday() < 5 and day.day > day.in_lieu_of and day.day.year == year


# --------------------------------------------------------------------------
# The calendar


def test_strict_calendar_still_refuses_an_unpublished_year():
    with pytest.raises(CalendarDataMissing) as info:
        strict.add_working_days(D(2026, 12, 28), 5)
    assert "2027年的节假日安排尚未录入" in str(info.value)
    assert "onething holidays add" in str(info.value)


def test_provisional_calendar_counts_across_the_year_end_with_the_provisional_schedule():
    # 2026-12-28 is a Monday; 2027-01-01 (元旦, Friday) is off, then the weekend.
    result = provisional.add_working_days(D(2026, 12, 28), 5)
    assert result == (type(result))(D(2027, 1, 5), provisional=True)
    assert not provisional.add_working_days(D(2026, 12, 21), 3).provisional  # 12/24
    assert provisional.add_working_days(D(2026, 12, 28), 3).day == D(2026, 12, 31)
    assert not provisional.add_working_days(D(2026, 12, 28), 3).provisional


def test_provisional_calendar_skips_the_spring_festival_and_its_compensating_days():
    # 2027-02-04 (Thursday) + 3 working days: 2/5–2/10 off → 2/11, 2/12, 2/15.
    assert provisional.add_working_days(D(2027, 2, 4), 3).day == D(2027, 2, 15)
    assert not provisional.is_working_day(D(2027, 10, 5))
    assert provisional.is_working_day(D(2027, 10, 6))
    assert provisional.is_provisional(D(2027, 10, 6))
    assert not provisional.is_provisional(D(2026, 10, 6))


def test_outside_the_rules_the_provisional_calendar_counts_monday_to_friday():
    assert provisional.add_working_days(D(2100, 9, 30), 1).day == D(2100, 10, 1)
    assert provisional.add_working_days(D(2100, 9, 30), 1).provisional


def test_an_entered_notice_replaces_the_provisional_schedule():
    notice = CalendarYear(2027, "国办发明电〔2026〕X号",
                          holidays=(D(2027, 1, 1), D(2027, 1, 4)), workdays=(D(2027, 1, 9),))
    entered = WorkingDayCalendar.from_years([notice], provisional=True)
    result = entered.add_working_days(D(2026, 12, 28), 5)
    assert result.day == D(2027, 1, 6) and not result.provisional


def test_special_days_list_the_days_in_force_with_their_source():
    days = {d.day: d for d in provisional.special_days(2027)}
    assert days[D(2027, 2, 9)] == SpecialDay(D(2027, 2, 9), False, "春节（补休）",
                                             DaySource.PROVISIONAL)
    assert all(d.provisional for d in days.values())
    package = {d.day: d for d in strict.special_days(2026)}
    assert package[D(2026, 2, 14)] == SpecialDay(D(2026, 2, 14), True, "春节",
                                                 DaySource.PACKAGE)
    assert package[D(2026, 10, 3)].name == "国庆节" and not package[D(2026, 10, 3)].working
    assert len([d for d in package.values() if d.working]) == 6
    corrected = WorkingDayCalendar(entered=[SpecialDay(D(2026, 10, 8), False, "补充放假",
                                                       DaySource.ADMIN)])
    assert corrected.special_days(2026)[-2] == SpecialDay(D(2026, 10, 8), False, "补充放假",
                                                          DaySource.ADMIN)
    with pytest.raises(CalendarDataMissing):
        strict.special_days(2027)


def test_a_notice_entered_for_a_package_year_replaces_the_package_data():
    # A corrected 2026 notice with National Day only: the package's Spring Festival no
    # longer counts, its make-up Saturday neither.
    notice = CalendarYear(2026, "更正通知", holidays=tuple(D(2026, 10, d) for d in range(1, 8)))
    entered = WorkingDayCalendar.from_years([notice])
    assert entered.is_working_day(D(2026, 2, 17))
    assert not entered.is_working_day(D(2026, 2, 14))  # a Saturday again
    assert not entered.is_working_day(D(2026, 10, 6))
    assert [d.day for d in entered.special_days(2026)] == [D(2026, 10, d) for d in range(1, 8)]
    assert all(d.source is DaySource.CATALOG for d in entered.special_days(2026))
