"""Hall figures: the nearest-rank percentile, transfer chains, per-category figures per
day and hour, window occupancy — all with exact values."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from onething.domain.hallfigures import (
    CategoryFigures,
    Granularity,
    Interval,
    TicketRow,
    Visit,
    category_figures,
    percentile_nearest_rank,
    visits,
    window_figures,
)

SH = ZoneInfo("Asia/Shanghai")
DAY = dt.datetime(2026, 12, 2, tzinfo=SH)


def at(hour: int, minute: float = 0) -> dt.datetime:
    return DAY + dt.timedelta(hours=hour, minutes=minute)


def test_nearest_rank_percentile():
    ten = [float(v) for v in (10, 1, 9, 2, 8, 3, 7, 4, 6, 5)]
    assert percentile_nearest_rank(ten, 0.9) == 9.0  # rank ⌈9.0⌉ = 9, not 10
    assert percentile_nearest_rank(ten, 0.5) == 5.0
    assert percentile_nearest_rank(ten, 1.0) == 10.0
    assert percentile_nearest_rank([1.0, 2.0, 3.0, 4.0, 5.0], 0.9) == 5.0  # ⌈4.5⌉ = 5
    assert percentile_nearest_rank([float(v) for v in range(1, 21)], 0.9) == 18.0
    assert percentile_nearest_rank([7.0], 0.9) == 7.0
    assert percentile_nearest_rank([], 0.9) is None
    with pytest.raises(ValueError):
        percentile_nearest_rank([1.0], 0)


def rows() -> list[TicketRow]:
    """Category A, 09:00–09:50: ten called after 0, 2 … 16 and 30 minutes (the last one a
    no-show; two appointments), one left without a call. Category B at 10:00: one called
    after 5 minutes and transferred to A (called again there, done), one still waiting."""
    result = []
    for i, wait in enumerate((0, 2, 4, 6, 8, 10, 12, 14, 16, 30)):
        taken = at(9, i * 5)
        result.append(
            TicketRow(
                i + 1,
                None,
                "A",
                "appointment" if i in (1, 2) else "walk_in",
                "no_show" if wait == 30 else "done",
                taken,
                taken + dt.timedelta(minutes=wait),
            )
        )
    result.append(TicketRow(11, None, "A", "walk_in", "left", at(9, 52), None))
    result.append(TicketRow(12, None, "B", "walk_in", "transferred", at(10, 0), at(10, 5)))
    result.append(TicketRow(13, 12, "A", "walk_in", "done", at(10, 0), at(10, 40)))
    result.append(TicketRow(14, None, "B", "elderly", "waiting", at(10, 30), None))
    return result


def test_a_transfer_chain_is_one_visit_in_the_category_taken():
    found = visits(rows())
    assert len(found) == 13
    moved = [v for v in found if v.taken_at == at(10, 0)]
    assert moved == [Visit("B", "walk_in", at(10, 0), at(10, 5), "done")]


def test_figures_per_day_exact():
    a, b, everyone = category_figures(visits(rows()), Granularity.DAY)
    assert a == CategoryFigures(
        period=DAY,
        category="A",
        taken=11,
        called=10,
        average_wait=612.0,
        p90_wait=960.0,
        within_target=8 / 11,
        no_show_rate=1 / 11,
        left_rate=1 / 11,
        appointment_share=2 / 11,
    )
    assert b == CategoryFigures(DAY, "B", 2, 1, 300.0, 300.0, 1.0, 0.0, 0.0, 0.0)
    assert everyone == CategoryFigures(
        DAY, "", 13, 11, 6420 / 11, 960.0, 9 / 12, 1 / 13, 1 / 13, 2 / 13
    )
    assert round(everyone.average_wait, 1) == 583.6


def test_figures_per_hour_and_target():
    figures = category_figures(visits(rows()), Granularity.HOUR, target=dt.timedelta(minutes=10))
    assert [(f.period, f.category, f.taken) for f in figures] == [
        (at(9), "A", 11),
        (at(9), "", 11),
        (at(10), "B", 2),
        (at(10), "", 2),
    ]
    # Waits ≤ 10 min: 0, 2, 4, 6, 8, 10 of 10 called + 1 left.
    assert figures[0].within_target == 6 / 11
    assert figures[2].within_target == 1.0
    with pytest.raises(ValueError):
        category_figures([], Granularity.DAY, target=dt.timedelta(0))


def test_nothing_taken_gives_no_rows_and_rates_are_none_not_zero():
    assert category_figures([], Granularity.DAY) == []
    only_waiting = [Visit("C", "walk_in", at(9), None, "waiting")]
    (c, _all) = category_figures(only_waiting, Granularity.DAY)
    assert (c.called, c.average_wait, c.p90_wait, c.within_target) == (0, None, None, None)
    assert c.no_show_rate == 0.0


def test_window_occupancy_per_day_and_hour():
    shifts = [Interval(1, at(9), at(12)), Interval(2, at(11, 30), None)]
    services = [
        Interval(1, at(9, 10), at(9, 40)),
        Interval(1, at(10, 30), at(11, 15)),
        Interval(2, at(11, 40), None),
        Interval(3, at(11), at(11, 6)),
    ]
    now = at(12)
    daily = window_figures(shifts, services, DAY, DAY + dt.timedelta(days=1), Granularity.DAY, now)
    assert [(f.window, f.signed_in, f.serving, f.occupancy) for f in daily] == [
        (1, 10800.0, 4500.0, 5 / 12),
        (2, 1800.0, 1200.0, 2 / 3),
        (3, 0.0, 360.0, None),
    ]
    hourly = window_figures(
        shifts, services, DAY, DAY + dt.timedelta(days=1), Granularity.HOUR, now
    )
    assert [(f.period.hour, f.window, f.occupancy) for f in hourly] == [
        (9, 1, 0.5),
        (10, 1, 0.5),
        (11, 1, 0.25),
        (11, 2, 2 / 3),
        (11, 3, None),
    ]


def test_occupancy_is_clipped_to_the_range():
    shifts = [Interval(1, at(-2), at(2))]  # 22:00 the day before to 02:00
    services = [Interval(1, at(-1), at(1))]
    (only,) = window_figures(
        shifts, services, DAY, DAY + dt.timedelta(days=1), Granularity.DAY, at(12)
    )
    assert (only.period, only.signed_in, only.serving, only.occupancy) == (DAY, 7200.0, 3600.0, 0.5)
