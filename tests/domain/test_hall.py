"""The hall's weekly schedule and ticket letters, without Django."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onething.domain.hall import (
    Period,
    ScheduleProblem,
    ScheduleRow,
    ServiceKind,
    check_category_letter,
    check_periods,
    day_ranges,
    periods_from_rows,
    rows_from_periods,
    schedule_groups,
    serves_weekends,
)

R, E, A = ServiceKind.REGULAR, ServiceKind.EXTENDED, ServiceKind.APPOINTMENT


def t(text: str) -> dt.time:
    return dt.time.fromisoformat(text)


def test_rows_expand_to_one_period_per_weekday_and_back():
    rows = [ScheduleRow(1, 5, t("09:00"), t("12:00")), ScheduleRow(1, 5, t("13:30"), t("17:30")),
            ScheduleRow(2, 2, t("17:30"), t("19:00"), E), ScheduleRow(6, 6, t("09:00"),
                                                                       t("12:00"), A)]
    periods = periods_from_rows(rows)
    assert len(periods) == 12
    assert periods[:3] == [Period(1, t("09:00"), t("12:00")), Period(1, t("13:30"), t("17:30")),
                           Period(2, t("09:00"), t("12:00"))]
    assert rows_from_periods(periods) == sorted(rows, key=lambda r: (r.first, r.starts))
    assert serves_weekends(periods) and not serves_weekends(periods[:10])


def test_overlapping_and_reversed_periods_are_refused_with_the_row_or_day():
    with pytest.raises(ScheduleProblem) as found:
        periods_from_rows([ScheduleRow(1, 5, t("09:00"), t("12:00")),
                           ScheduleRow(3, 3, t("11:00"), t("13:00"))])
    assert found.value.problems == [
        "周三 09:00–12:00 与 11:00–13:00 时间重叠 (two periods of one day overlap)"]
    with pytest.raises(ScheduleProblem) as found:
        periods_from_rows([ScheduleRow(1, 1, t("09:00"), t("12:00")),
                           ScheduleRow(5, 2, t("09:00"), t("12:00")),
                           ScheduleRow(1, 1, t("14:00"), t("14:00"))])
    assert found.value.problems == [
        "第2行：起始星期应不晚于结束星期 (row 2: the first weekday comes after the last)",
        "第3行：结束时间应晚于开始时间 (row 3: the end must be after the start)"]
    with pytest.raises(ScheduleProblem, match="weekday must be 1 to 7"):
        check_periods([Period(8, t("09:00"), t("10:00"))])
    # Back to back is not an overlap: 12:00 ends one period and starts the next.
    assert len(check_periods([Period(1, t("09:00"), t("12:00")),
                              Period(1, t("12:00"), t("13:30"), E)])) == 2


def test_public_lines_put_hours_of_the_same_days_together_by_service():
    periods = periods_from_rows([
        ScheduleRow(1, 5, t("09:00"), t("12:00")), ScheduleRow(1, 5, t("12:00"), t("13:30"), E),
        ScheduleRow(1, 5, t("13:30"), t("17:30")), ScheduleRow(2, 2, t("17:30"), t("19:00"), E),
        ScheduleRow(4, 4, t("17:30"), t("19:00"), E), ScheduleRow(6, 6, t("09:00"), t("12:00"),
                                                                  A)])
    lines = [(service, days, [(p.starts.strftime("%H:%M"), p.ends.strftime("%H:%M"))
                              for p in day]) for service, days, day in schedule_groups(periods)]
    assert lines == [
        (R, (1, 2, 3, 4, 5), [("09:00", "12:00"), ("13:30", "17:30")]),
        (E, (1, 2, 3, 4, 5), [("12:00", "13:30")]),
        (E, (2, 4), [("17:30", "19:00")]),
        (A, (6,), [("09:00", "12:00")]),
    ]


def test_day_ranges():
    assert day_ranges([5, 1, 2, 3, 7]) == [(1, 3), (5, 5), (7, 7)]
    assert day_ranges([]) == []


@pytest.mark.parametrize(("given_letter", "letter"), [("A", "A"), ("b", "B"), (" c ", "C"),
                                                      ("Ｄ", "D"), ("ｅ", "E")])
def test_category_letters_are_one_capital(given_letter, letter):
    assert check_category_letter(given_letter) == letter


@pytest.mark.parametrize("bad", ["", "AB", "1", "号", "Ä"])
def test_other_category_letters_are_refused(bad):
    with pytest.raises(ValueError, match="A–Z"):
        check_category_letter(bad)


quarter_hours = st.integers(min_value=0, max_value=95).map(
    lambda q: dt.time(q // 4, (q % 4) * 15))
periods_strategy = st.lists(
    st.builds(lambda day, a, b, service: Period(day, min(a, b), max(a, b), service),
              st.integers(1, 7), quarter_hours, quarter_hours, st.sampled_from(list(ServiceKind)))
    .filter(lambda p: p.starts < p.ends), max_size=12)


@given(periods_strategy)
def test_rows_and_public_lines_say_the_same_as_the_periods(periods):
    try:
        kept = check_periods(periods)
    except ScheduleProblem:
        return  # overlapping: refused, nothing to show
    assert periods_from_rows(rows_from_periods(kept)) == kept
    shown = {(day, p.starts, p.ends, service) for service, days, day_periods
             in schedule_groups(kept) for day in days for p in day_periods}
    assert shown == {(p.weekday, p.starts, p.ends, p.service) for p in kept}
