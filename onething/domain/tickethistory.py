"""A hall's ticket history (号票记录) as plain records, its CSV form, and a demo generator.

The CSV is the exchange format between this pure code and the database
(loading it into ``Ticket`` rows comes with the tickets slice). One row per
ticket, header first::

    hall,category,number,taken_at,called_at,left_at,served_seconds,outcome

- ``taken_at`` / ``called_at`` / ``left_at``: ISO 8601 with an offset
  (written in UTC); ``called_at`` empty when never called, ``left_at`` set
  only when the person gave up the ticket (取消排队 / left the hall);
- ``served_seconds``: whole seconds at the window, empty unless served;
- ``outcome``: ``served`` (办结), ``left`` (未等候离开) or ``no_show``
  (叫号未到: called, recalled, not there).

:func:`generate_demo_history` builds a realistic synthetic history for the
demo: six categories of a county centre, a Monday peak, a late-morning peak,
the lunch dip (午间不打烊 with half the windows), Saturday mornings, the
school-enrolment surge (入学) in July–August and the year-end social-insurance
payment (年底社保缴费) in December, queued through the same simulation the
plan uses (so waits and leavers are consistent with the windows open).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from onething.domain.calendar import WorkingDayCalendar
from onething.domain.forecast import PeakPeriod
from onething.domain.queuesim import LognormalService, Period, simulate

HALL_TZ = ZoneInfo("Asia/Shanghai")
CSV_COLUMNS = ("hall", "category", "number", "taken_at", "called_at", "left_at",
               "served_seconds", "outcome")
OUTCOMES: dict[str, str] = {"served": "办结", "left": "未等候离开", "no_show": "叫号未到"}


@dataclass(frozen=True)
class TicketRecord:
    hall: str
    category: str
    number: str
    taken_at: dt.datetime
    called_at: dt.datetime | None
    left_at: dt.datetime | None
    served_seconds: int | None
    outcome: str

    @property
    def local_taken(self) -> dt.datetime:
        return self.taken_at.astimezone(HALL_TZ)

    @property
    def queued_seconds(self) -> float | None:
        """Time in the queue until called or until the person left (None if unknown)."""
        end = self.called_at or self.left_at
        return (end - self.taken_at).total_seconds() if end else None

    @property
    def abandoned(self) -> bool:
        return self.outcome in ("left", "no_show")


@dataclass(frozen=True)
class HistoryProblem:
    line: int
    message: str


class HistoryError(ValueError):
    """The CSV has problems; each names its line (nothing is read)."""

    def __init__(self, problems: Sequence[HistoryProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(f"{p.line}: {p.message}" for p in self.problems))


def read_history_csv(text: str) -> list[TicketRecord]:
    """Parse the CSV; raise :class:`HistoryError` listing every bad line."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or ())]
    if missing:
        raise HistoryError([HistoryProblem(1, f"缺少列 {', '.join(missing)} "
                                              f"(missing columns)")])
    records: list[TicketRecord] = []
    problems: list[HistoryProblem] = []
    for row in reader:
        line = reader.line_num
        try:
            records.append(_record(row))
        except ValueError as exc:
            problems.append(HistoryProblem(line, str(exc)))
    if problems:
        raise HistoryError(problems)
    return records


def write_history_csv(records: Iterable[TicketRecord]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in records:
        writer.writerow([
            r.hall, r.category, r.number, _stamp(r.taken_at), _stamp(r.called_at),
            _stamp(r.left_at), "" if r.served_seconds is None else r.served_seconds, r.outcome,
        ])
    return out.getvalue()


def _stamp(moment: dt.datetime | None) -> str:
    return "" if moment is None else moment.astimezone(dt.UTC).isoformat()


def _moment(value: str, column: str, *, required: bool) -> dt.datetime | None:
    if not value.strip():
        if required:
            raise ValueError(f"{column} 不能为空 ({column} is required)")
        return None
    try:
        moment = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"{column} 应为 ISO 8601 时间，而不是 {value!r} "
                         f"({column} must be ISO 8601)") from None
    if moment.tzinfo is None:
        raise ValueError(f"{column} 须带时区偏移，如 +00:00 ({column} needs a UTC offset)")
    return moment.astimezone(dt.UTC)


def _record(row: dict[str, str]) -> TicketRecord:
    outcome = (row.get("outcome") or "").strip()
    if outcome not in OUTCOMES:
        raise ValueError(f"结果应为 {'/'.join(OUTCOMES)}，而不是 {outcome!r} "
                         "(unknown outcome)")
    taken = _moment(row.get("taken_at") or "", "taken_at", required=True)
    assert taken is not None
    called = _moment(row.get("called_at") or "", "called_at", required=outcome != "left")
    left = _moment(row.get("left_at") or "", "left_at", required=outcome == "left")
    served_raw = (row.get("served_seconds") or "").strip()
    served: int | None = None
    if outcome == "served":
        if not served_raw.isdigit():
            raise ValueError(f"served_seconds 应为非负整数，而不是 {served_raw!r} "
                             "(served_seconds must be a whole number)")
        served = int(served_raw)
    for name, moment in (("called_at", called), ("left_at", left)):
        if moment is not None and moment < taken:
            raise ValueError(f"{name} 早于取号时间 ({name} before taken_at)")
    category = (row.get("category") or "").strip()
    if not category:
        raise ValueError("category 不能为空 (category is required)")
    return TicketRecord((row.get("hall") or "").strip(), category,
                        (row.get("number") or "").strip(), taken, called, left, served, outcome)


# --- the demo history ---------------------------------------------------------------


@dataclass(frozen=True)
class DemoCategory:
    code: str
    name: str
    letter: str
    daily_tickets: float  # an ordinary Wednesday
    aht_seconds: float
    windows: int  # windows the demo hall opens for it (all day; half at lunch)


DEMO_HALL = "county-centre"
DEMO_CATEGORIES: tuple[DemoCategory, ...] = (
    DemoCategory("social_insurance", "社保", "A", 110, 360, 3),
    DemoCategory("medical_insurance", "医保", "B", 80, 300, 2),
    DemoCategory("household", "户籍", "C", 70, 420, 2),
    DemoCategory("real_estate", "不动产登记", "D", 55, 900, 4),
    DemoCategory("business", "企业开办", "E", 30, 1200, 3),
    DemoCategory("enrolment", "教育入学", "F", 18, 480, 1),
)
CATEGORY_NAMES: dict[str, str] = {c.code: c.name for c in DEMO_CATEGORIES}

# Known peaks, as data. The catalogue will carry the real ones per region.
DEMO_PEAKS: tuple[PeakPeriod, ...] = (
    PeakPeriod("入学", 3.5, months=(7, 8), categories=("enrolment",)),
    PeakPeriod("入学", 1.3, months=(7, 8), categories=("household",)),
    PeakPeriod("年底社保缴费", 1.6, months=(12,),
               categories=("social_insurance", "medical_insurance")),
)

# Monday carries the weekend's backlog; Saturday is a morning service.
WEEKDAY_FACTORS = (1.3, 1.05, 1.0, 0.95, 0.9, 0.5, 0.0)
# Share of a weekday's tickets per hour (09:00–17:00), lunch dip at 12.
HOUR_WEIGHTS: dict[int, float] = {9: 0.9, 10: 1.3, 11: 1.15, 12: 0.35, 13: 0.55, 14: 1.0,
                                  15: 1.05, 16: 0.7}
SATURDAY_HOURS = (9, 10, 11)
DEMO_SERVICE_SIGMA = 0.5  # spread of ln(handling time)
DEMO_PATIENCE_SECONDS = 2400.0
DEMO_NO_SHOW = 0.03


def demo_opening_hours(day: dt.date, calendar: WorkingDayCalendar) -> tuple[int, ...]:
    """Hours the demo hall opens: working days 09–17, ordinary Saturdays 09–12."""
    if calendar.is_working_day(day):
        return tuple(HOUR_WEIGHTS)
    if day.weekday() == 5:
        return SATURDAY_HOURS
    return ()


def demo_arrival_rates(category: DemoCategory, day: dt.date,
                       peaks: Sequence[PeakPeriod] = DEMO_PEAKS,
                       calendar: WorkingDayCalendar | None = None) -> dict[int, float]:
    """Expected tickets per hour of the day for the category (the generator's truth)."""
    calendar = calendar or WorkingDayCalendar(provisional=True)
    hours = demo_opening_hours(day, calendar)
    if not hours:
        return {}
    weekday = day.weekday() if day.weekday() < 5 else 5
    if day.weekday() >= 5 and len(hours) == len(HOUR_WEIGHTS):
        weekday = 2  # a make-up working weekend day behaves like a midweek day
    factor = WEEKDAY_FACTORS[weekday]
    for peak in peaks:
        if peak.applies(category.code, day):
            factor *= peak.factor
    total_weight = sum(HOUR_WEIGHTS.values())
    return {h: category.daily_tickets * factor * HOUR_WEIGHTS[h] / total_weight for h in hours}


def generate_demo_history(
    *,
    end: dt.date,
    weeks: int = 12,
    seed: int = 0,
    categories: Sequence[DemoCategory] = DEMO_CATEGORIES,
    peaks: Sequence[PeakPeriod] = DEMO_PEAKS,
    hall: str = DEMO_HALL,
) -> list[TicketRecord]:
    """Tickets for the ``weeks`` × 7 days before ``end`` (exclusive), sorted by time taken."""
    if weeks < 1:
        raise ValueError("周数至少为 1 (weeks must be ≥ 1)")
    calendar = WorkingDayCalendar(provisional=True)
    rng = random.Random(seed)
    records: list[TicketRecord] = []
    first = end - dt.timedelta(days=7 * weeks)
    for offset in range(7 * weeks):
        day = first + dt.timedelta(days=offset)
        midnight = dt.datetime.combine(day, dt.time(), HALL_TZ)
        for category in categories:
            rates = demo_arrival_rates(category, day, peaks, calendar)
            if not rates:
                continue
            periods = _demo_periods(rates, category.windows)
            service = LognormalService(
                math.log(category.aht_seconds) - DEMO_SERVICE_SIGMA**2 / 2, DEMO_SERVICE_SIGMA)
            result = simulate(periods, service, seed=rng.randrange(2**31), target_seconds=900,
                              patience_seconds=DEMO_PATIENCE_SECONDS)
            visits = sorted(result.visits, key=lambda v: v.taken)
            for number, visit in enumerate(visits, start=1):
                taken = midnight + dt.timedelta(seconds=round(visit.taken))
                ticket = f"{category.letter}{number:03d}"
                if visit.called is None:
                    left = midnight + dt.timedelta(seconds=round(visit.left or visit.taken))
                    records.append(TicketRecord(hall, category.code, ticket, _utc(taken), None,
                                                _utc(left), None, "left"))
                    continue
                called = _utc(midnight + dt.timedelta(seconds=round(visit.called)))
                if rng.random() < DEMO_NO_SHOW:
                    records.append(TicketRecord(hall, category.code, ticket, _utc(taken),
                                                called, None, None, "no_show"))
                else:
                    records.append(TicketRecord(hall, category.code, ticket, _utc(taken),
                                                called, None,
                                                max(1, round(visit.service_seconds)), "served"))
    records.sort(key=lambda r: (r.taken_at, r.category, r.number))
    return records


def _demo_periods(rates: dict[int, float], windows: int) -> list[Period]:
    hours = sorted(rates)
    periods: list[Period] = []
    for hour in range(hours[0], hours[-1] + 1):
        staffed = windows if hour != 12 else max(1, math.ceil(windows / 2))
        periods.append(Period(hour * 3600.0, (hour + 1) * 3600.0, rates.get(hour, 0.0),
                              staffed if hour in rates else 0))
    return periods


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC)
