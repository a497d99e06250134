"""Ticket-history CSV and the demo generator (onething.domain.tickethistory)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from onething.domain.tickethistory import (
    CSV_COLUMNS,
    DEMO_CATEGORIES,
    HALL_TZ,
    HistoryError,
    TicketRecord,
    demo_arrival_rates,
    generate_demo_history,
    read_history_csv,
    write_history_csv,
)

D = dt.date
UTC = dt.UTC
SOCIAL, ENROLMENT = DEMO_CATEGORIES[0], DEMO_CATEGORIES[-1]


@pytest.fixture(scope="module")
def june() -> list[TicketRecord]:
    return generate_demo_history(end=D(2025, 6, 16), weeks=2, seed=5)  # 2–15 June


def test_csv_round_trip_is_exact(june):
    text = write_history_csv(june)
    assert text.splitlines()[0] == ",".join(CSV_COLUMNS)
    assert read_history_csv(text) == june


def test_a_row_as_written():
    record = TicketRecord("county-centre", "household", "C007",
                          dt.datetime(2025, 6, 3, 1, 15, tzinfo=UTC),
                          dt.datetime(2025, 6, 3, 1, 27, 30, tzinfo=UTC), None, 421, "served")
    assert write_history_csv([record]).splitlines()[1] == (
        "county-centre,household,C007,2025-06-03T01:15:00+00:00,2025-06-03T01:27:30+00:00,,"
        "421,served")
    assert record.local_taken == dt.datetime(2025, 6, 3, 9, 15, tzinfo=HALL_TZ)
    assert record.queued_seconds == 750


def test_every_bad_line_is_reported_with_its_number():
    header = ",".join(CSV_COLUMNS)
    text = "\n".join([
        header,
        "h,social,A001,2025-06-03T09:00:00+08:00,2025-06-03T09:05:00+08:00,,300,served",
        "h,social,A002,2025-06-03T09:01:00+08:00,,,,gone",
        "h,social,A003,2025-06-03T09:02:00,2025-06-03T09:05:00+08:00,,300,served",
        "h,social,A004,2025-06-03T09:03:00+08:00,2025-06-03T09:00:00+08:00,,300,served",
        "h,social,A005,2025-06-03T09:04:00+08:00,2025-06-03T09:06:00+08:00,,,served",
        "h,social,A006,2025-06-03T09:05:00+08:00,,,,left",
    ])
    with pytest.raises(HistoryError) as info:
        read_history_csv(text)
    assert [(p.line, p.message.split(" (")[-1]) for p in info.value.problems] == [
        (3, "unknown outcome)"),
        (4, "taken_at needs a UTC offset)"),
        (5, "called_at before taken_at)"),
        (6, "served_seconds must be a whole number)"),
        (7, "left_at is required)"),
    ]
    with pytest.raises(HistoryError, match="missing columns"):
        read_history_csv("hall,category\nh,x\n")


def test_the_generator_knows_the_monday_peak_the_lunch_dip_and_enrolment():
    monday, tuesday = D(2025, 6, 9), D(2025, 6, 10)
    rates = demo_arrival_rates(SOCIAL, monday)
    assert rates[10] == pytest.approx(110 * 1.3 * 1.3 / 7.0)
    assert rates[12] == pytest.approx(110 * 1.3 * 0.35 / 7.0)
    assert sum(rates.values()) == pytest.approx(110 * 1.3)
    assert sum(demo_arrival_rates(SOCIAL, tuesday).values()) == pytest.approx(110 * 1.05)
    assert set(demo_arrival_rates(SOCIAL, D(2025, 6, 7))) == {9, 10, 11}  # Saturday morning
    assert demo_arrival_rates(SOCIAL, D(2025, 6, 8)) == {}  # Sunday
    assert demo_arrival_rates(SOCIAL, D(2025, 6, 2)) == {}  # Dragon Boat Festival (Monday)
    assert demo_arrival_rates(SOCIAL, D(2025, 10, 1)) == {}  # National Day
    july = sum(demo_arrival_rates(ENROLMENT, D(2025, 7, 1)).values())
    june = sum(demo_arrival_rates(ENROLMENT, tuesday).values())
    assert july == pytest.approx(3.5 * june)  # 1 July is a Tuesday like 10 June
    december = sum(demo_arrival_rates(SOCIAL, D(2025, 12, 2)).values())
    assert december == pytest.approx(1.6 * 110 * 1.05)


def test_the_generated_history_looks_like_a_hall(june):
    local = [(r, r.local_taken) for r in june]
    assert {t.weekday() for _, t in local} == {0, 1, 2, 3, 4, 5}  # closed on Sundays
    assert D(2025, 6, 2) not in {t.date() for _, t in local}  # and on holidays
    assert {t.hour for _, t in local if t.weekday() == 5} <= {9, 10, 11}
    assert min(t.hour for _, t in local) == 9 and max(t.hour for _, t in local) == 16
    by_hour = Counter(t.hour for _, t in local if t.weekday() < 5)
    assert by_hour[12] < by_hour[11] / 2  # lunch dip
    mondays = Counter(t.date() for _, t in local if t.weekday() == 0)
    fridays = Counter(t.date() for _, t in local if t.weekday() == 4)
    assert list(mondays) == [D(2025, 6, 9)]
    assert min(mondays.values()) > max(fridays.values())
    outcomes = Counter(r.outcome for r in june)
    assert outcomes["served"] > 10 * (outcomes["left"] + outcomes["no_show"])
    day_numbers = [r.number for r in june if r.category == "social_insurance"
                   and r.local_taken.date() == D(2025, 6, 9)]
    assert len(day_numbers) > 100
    assert day_numbers == [f"A{n:03d}" for n in range(1, len(day_numbers) + 1)]
    for record in june:
        assert record.taken_at.tzinfo is UTC
        assert (record.served_seconds is not None) == (record.outcome == "served")
        assert (record.left_at is not None) == (record.outcome == "left")


def test_the_enrolment_surge_shows_in_july_and_the_generator_is_seeded(june):
    july = generate_demo_history(end=D(2025, 7, 14), weeks=2, seed=5)
    june_count = sum(1 for r in june if r.category == "enrolment")
    july_count = sum(1 for r in july if r.category == "enrolment")
    assert july_count > 2.5 * june_count
    assert generate_demo_history(end=D(2025, 6, 16), weeks=2, seed=5) == june
    assert generate_demo_history(end=D(2025, 6, 16), weeks=2, seed=6) != june
