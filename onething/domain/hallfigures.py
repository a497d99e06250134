"""Hall figures (大厅运行指标) for the centre's manager: waits, service level, no-shows,
people who left, appointments and window occupancy, per day or per hour. Plain Python,
typed (mypy --strict); the hall app reads ``Ticket`` and ``WindowShift`` rows into the
records below (onething/hall/figures.py).

A *visit* is one person's ticket from taking to the end. A transfer (转移) ends a
ticket row and starts another with the same code and the original arrival time; the
rows of one chain are one visit (:func:`visits`), counted in the category and hour the
ticket was *taken* in, ended with the last row's outcome.

Definitions (docs/hall.md, "Figures"), for the visits taken in a period:

* ``taken``: visits;
* ``called``: visits called at a window at least once; their *wait* is first call −
  arrival (the first row's ``called_at − taken_at``);
* ``average_wait``: the arithmetic mean of the waits of called visits (seconds);
* ``p90_wait``: the 90th percentile of those waits by the **nearest-rank** method: the
  waits sorted ascending, the value at 1-based rank ⌈0.9 · n⌉ — always an observed wait
  (n = 10: the 9th; n = 5: the 5th; n = 1: that one);
* ``within_target``: visits called within the target wait (≤ target, 15 min unless the
  hall says otherwise) ÷ visits called or left (someone who gave up before being called
  was not served within the target — the same convention as the staffing plan's service
  level, onething/domain/staffing.py); visits still waiting count in neither;
* ``no_show_rate``: visits ending as no-show (过号) ÷ visits taken;
* ``left_rate``: visits ending as left (放弃 / 离开) ÷ visits taken;
* ``appointment_share``: visits of priority class ``appointment`` ÷ visits taken.

Window occupancy (窗口占用率), per window and period: seconds serving (from start of
service to its end, ``served_started_at``–``served_ended_at``) ÷ seconds signed in (the
window's shifts), both clipped to the period; ``None`` when nobody was signed in. An
open shift or a service not finished yet counts until ``now``.

Periods are local (Asia/Shanghai) days or clock hours, half-open [start, end).
A rate whose denominator is 0 is ``None`` (shown as "—"), never 0.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

HALL_TZ = ZoneInfo("Asia/Shanghai")
DEFAULT_TARGET = dt.timedelta(minutes=15)
P90 = 0.9

# Outcomes of a ticket row (domain.tickets.TicketStatus values).
NO_SHOW = "no_show"
LEFT = "left"
TRANSFERRED = "transferred"
APPOINTMENT = "appointment"


class Granularity(StrEnum):
    DAY = "day"
    HOUR = "hour"


@dataclass(frozen=True)
class TicketRow:
    """One ``Ticket`` row as the figures need it."""

    id: int
    transferred_from: int | None
    category: str  # the category's letter
    priority: str
    status: str
    taken_at: dt.datetime
    called_at: dt.datetime | None


@dataclass(frozen=True)
class Visit:
    category: str
    priority: str
    taken_at: dt.datetime
    called_at: dt.datetime | None  # the first call of the chain
    outcome: str  # the last row's status

    @property
    def wait(self) -> dt.timedelta | None:
        return None if self.called_at is None else self.called_at - self.taken_at


@dataclass(frozen=True)
class Interval:
    """A window's shift or a service at it: ``ends`` None while it goes on."""

    window: int  # the window's number
    starts: dt.datetime
    ends: dt.datetime | None


@dataclass(frozen=True)
class CategoryFigures:
    period: dt.datetime  # local start of the day or hour
    category: str  # a letter, or "" for all categories together
    taken: int
    called: int
    average_wait: float | None  # seconds
    p90_wait: float | None  # seconds
    within_target: float | None
    no_show_rate: float | None
    left_rate: float | None
    appointment_share: float | None


@dataclass(frozen=True)
class WindowFigures:
    period: dt.datetime
    window: int
    signed_in: float  # seconds
    serving: float  # seconds
    occupancy: float | None


def percentile_nearest_rank(values: Sequence[float], fraction: float) -> float | None:
    """The nearest-rank percentile: sorted ascending, the value at rank ⌈fraction · n⌉
    (1-based, at least 1). None for no values."""
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1], not {fraction}")
    if not values:
        return None
    ordered = sorted(values)
    # round() first: 0.9 · 10 is 9.000000000000002 in floating point, whose ceiling is 10.
    rank = max(1, math.ceil(round(fraction * len(ordered), 9)))
    return ordered[rank - 1]


def visits(rows: Iterable[TicketRow]) -> list[Visit]:
    """Transfer chains collapsed: one visit per first row, with the chain's last outcome.
    Rows whose first row is not among ``rows`` start a chain of their own."""
    by_id = {row.id: row for row in rows}
    successor = {
        row.transferred_from: row for row in by_id.values() if row.transferred_from is not None
    }
    result: list[Visit] = []
    for row in sorted(by_id.values(), key=lambda r: (r.taken_at, r.id)):
        if row.transferred_from is not None and row.transferred_from in by_id:
            continue
        last, called_at = row, row.called_at
        while last.id in successor:
            last = successor[last.id]
            called_at = called_at or last.called_at
        result.append(Visit(row.category, row.priority, row.taken_at, called_at, last.status))
    return result


def period_start(moment: dt.datetime, granularity: Granularity) -> dt.datetime:
    local = moment.astimezone(HALL_TZ)
    if granularity is Granularity.DAY:
        return local.replace(hour=0, minute=0, second=0, microsecond=0)
    return local.replace(minute=0, second=0, microsecond=0)


def _next_period(start: dt.datetime, granularity: Granularity) -> dt.datetime:
    if granularity is Granularity.DAY:
        following = start.date() + dt.timedelta(days=1)
        return dt.datetime.combine(following, dt.time(), tzinfo=HALL_TZ)
    return (start.astimezone(dt.UTC) + dt.timedelta(hours=1)).astimezone(HALL_TZ)


def _ratio(part: int, whole: int) -> float | None:
    return None if whole == 0 else part / whole


def summarise(
    period: dt.datetime,
    category: str,
    group: Sequence[Visit],
    target: dt.timedelta = DEFAULT_TARGET,
) -> CategoryFigures:
    waits = [v.wait.total_seconds() for v in group if v.wait is not None]
    within = sum(1 for v in group if v.wait is not None and v.wait <= target)
    left_uncalled = sum(1 for v in group if v.called_at is None and v.outcome == LEFT)
    taken = len(group)
    return CategoryFigures(
        period=period,
        category=category,
        taken=taken,
        called=len(waits),
        average_wait=sum(waits) / len(waits) if waits else None,
        p90_wait=percentile_nearest_rank(waits, P90),
        within_target=_ratio(within, len(waits) + left_uncalled),
        no_show_rate=_ratio(sum(1 for v in group if v.outcome == NO_SHOW), taken),
        left_rate=_ratio(sum(1 for v in group if v.outcome == LEFT), taken),
        appointment_share=_ratio(sum(1 for v in group if v.priority == APPOINTMENT), taken),
    )


def category_figures(
    all_visits: Iterable[Visit], granularity: Granularity, target: dt.timedelta = DEFAULT_TARGET
) -> list[CategoryFigures]:
    """Per period (ascending) the figures of each category (by letter) and then of all
    categories together (``category == ""``). Periods without visits are left out."""
    if target <= dt.timedelta(0):
        raise ValueError("the target wait must be positive")
    grouped: dict[dt.datetime, dict[str, list[Visit]]] = defaultdict(lambda: defaultdict(list))
    for visit in all_visits:
        grouped[period_start(visit.taken_at, granularity)][visit.category].append(visit)
    result: list[CategoryFigures] = []
    for period in sorted(grouped):
        by_category = grouped[period]
        for letter in sorted(by_category):
            result.append(summarise(period, letter, by_category[letter], target))
        everyone = [v for letter in sorted(by_category) for v in by_category[letter]]
        result.append(summarise(period, "", everyone, target))
    return result


def _spread(
    interval: Interval,
    first: dt.datetime,
    last: dt.datetime,
    granularity: Granularity,
    now: dt.datetime,
    into: dict[tuple[dt.datetime, int], float],
) -> None:
    """Add the interval's seconds, clipped to [first, last), to each period it touches."""
    begins = max(interval.starts, first)
    ends = min(interval.ends if interval.ends is not None else now, last)
    start = period_start(begins, granularity)
    while start < ends:
        end = _next_period(start, granularity)
        seconds = (min(ends, end) - max(begins, start)).total_seconds()
        if seconds > 0:
            into[start, interval.window] = into.get((start, interval.window), 0.0) + seconds
        start = end


def window_figures(
    shifts: Iterable[Interval],
    services: Iterable[Interval],
    first: dt.datetime,
    last: dt.datetime,
    granularity: Granularity,
    now: dt.datetime,
) -> list[WindowFigures]:
    """Occupancy per period (ascending) and window (by number) between ``first`` and
    ``last``; a window and period with neither a shift nor a service is left out."""
    signed_in: dict[tuple[dt.datetime, int], float] = {}
    serving: dict[tuple[dt.datetime, int], float] = {}
    for interval in shifts:
        _spread(interval, first, last, granularity, now, signed_in)
    for interval in services:
        _spread(interval, first, last, granularity, now, serving)
    return [
        WindowFigures(
            period,
            window,
            signed_in.get((period, window), 0.0),
            serving.get((period, window), 0.0),
            (
                serving.get((period, window), 0.0) / signed_in[period, window]
                if signed_in.get((period, window))
                else None
            ),
        )
        for period, window in sorted(set(signed_in) | set(serving))
    ]
