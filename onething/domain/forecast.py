"""Forecast tickets per category × weekday × hour (到厅人数预测): an explainable seasonal model.

The model says, for a category, a date and an hour::

    forecast = weekly level × share of that weekday-hour in a week × peak factor

- *weekly level* (每周人数): the recent weeks' tickets per week, each week
  weighted ``0.5 ** (age / level_half_life_weeks)`` so the last weeks count most;
- *share* (占一周的比例): the weekday-hour profile, with a longer half-life so
  the shape is steady (Monday peak, late-morning peak, lunch dip);
- *peak factor* (高峰系数): known peaks given as data (:class:`PeakPeriod`),
  e.g. 入学 ×3.5 in July–August for school enrolment, 年底社保缴费 ×1.6 in
  December. History inside a peak is divided by its factor before fitting, so
  the level and shape describe an ordinary week.

Days with no ticket at all (the hall closed: holidays, Sundays) are left out,
not counted as zero. Accuracy is reported as MASE (Hyndman & Koehler 2006):
mean absolute error on a holdout of the last weeks, divided by the in-sample
mean absolute error of the seasonal-naive forecast (same weekday-hour one
week earlier). Below 1 beats that baseline; the baseline's own holdout MASE
is reported beside it.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

WEEKDAY_NAMES = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")

DEFAULT_LEVEL_HALF_LIFE_WEEKS = 2.0
DEFAULT_PROFILE_HALF_LIFE_WEEKS = 6.0


@dataclass(frozen=True)
class PeakPeriod:
    """A known peak: a multiplicative factor on some months or date ranges.

    ``categories`` empty means every category; ``date_ranges`` are inclusive.
    """

    name: str
    factor: float
    months: tuple[int, ...] = ()
    date_ranges: tuple[tuple[dt.date, dt.date], ...] = ()
    categories: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not math.isfinite(self.factor) or self.factor <= 0:
            raise ValueError(f"高峰系数应为正数，而不是 {self.factor} (factor must be > 0)")
        if any(not 1 <= m <= 12 for m in self.months):
            raise ValueError(f"月份应在 1–12 之间 (months must be 1–12): {self.months}")

    def applies(self, category: str, day: dt.date) -> bool:
        if self.categories and category not in self.categories:
            return False
        return day.month in self.months or any(a <= day <= b for a, b in self.date_ranges)


def peak_factor(peaks: Sequence[PeakPeriod], category: str,
                day: dt.date) -> tuple[float, tuple[str, ...]]:
    """The product of the factors that apply, and their names."""
    factor = 1.0
    names: list[str] = []
    for peak in peaks:
        if peak.applies(category, day):
            factor *= peak.factor
            if peak.name not in names:
                names.append(peak.name)
    return factor, tuple(names)


@dataclass(frozen=True)
class HourlyCounts:
    """Tickets per (category, date, hour) and the dates the hall was open."""

    counts: Mapping[tuple[str, dt.date, int], int]
    open_dates: frozenset[dt.date]
    categories: tuple[str, ...]

    @classmethod
    def from_events(cls, events: Iterable[tuple[dt.datetime, str]]) -> HourlyCounts:
        """From (local time taken, category) pairs; a date with any ticket is open."""
        counts: dict[tuple[str, dt.date, int], int] = defaultdict(int)
        dates: set[dt.date] = set()
        categories: set[str] = set()
        for moment, category in events:
            counts[(category, moment.date(), moment.hour)] += 1
            dates.add(moment.date())
            categories.add(category)
        return cls(dict(counts), frozenset(dates), tuple(sorted(categories)))

    def get(self, category: str, day: dt.date, hour: int) -> int:
        return self.counts.get((category, day, hour), 0)

    def before(self, day: dt.date) -> HourlyCounts:
        return HourlyCounts({k: v for k, v in self.counts.items() if k[1] < day},
                            frozenset(d for d in self.open_dates if d < day), self.categories)

    def open_hours(self) -> dict[int, tuple[int, ...]]:
        """Hours with any ticket, per weekday (0 = Monday)."""
        hours: dict[int, set[int]] = defaultdict(set)
        for (_, day, hour), count in self.counts.items():
            if count:
                hours[day.weekday()].add(hour)
        return {wd: tuple(sorted(h)) for wd, h in hours.items()}


@dataclass(frozen=True)
class CategoryModel:
    category: str
    weekly_level: float
    shares: Mapping[tuple[int, int], float]  # (weekday, hour) → share of a week

    def base(self, day: dt.date, hour: int) -> float:
        return self.weekly_level * self.shares.get((day.weekday(), hour), 0.0)


@dataclass(frozen=True)
class HourForecast:
    category: str
    day: dt.date
    hour: int
    arrivals: float  # expected tickets taken in this hour
    base: float  # the same without peaks
    weekly_level: float
    share: float
    peak_factor: float
    peaks: tuple[str, ...]

    def explain(self) -> str:
        text = (f"{WEEKDAY_NAMES[self.day.weekday()]}{self.hour:02d}时占一周的"
                f"{self.share:.1%} × 近期每周{self.weekly_level:.0f}人")
        if self.peaks:
            text += f" × {'、'.join(self.peaks)}系数{self.peak_factor:g}"
        return f"{text} = {self.arrivals:.1f}人"


@dataclass(frozen=True)
class SeasonalForecast:
    """A fitted model: as of a date, per category."""

    as_of: dt.date
    models: Mapping[str, CategoryModel]
    peaks: tuple[PeakPeriod, ...] = ()
    open_hours: Mapping[int, tuple[int, ...]] = field(default_factory=dict)

    def hour(self, category: str, day: dt.date, hour: int) -> HourForecast:
        model = self.models.get(category)
        if model is None:
            return HourForecast(category, day, hour, 0.0, 0.0, 0.0, 0.0, 1.0, ())
        factor, names = peak_factor(self.peaks, category, day)
        base = model.base(day, hour)
        share = model.shares.get((day.weekday(), hour), 0.0)
        return HourForecast(category, day, hour, base * factor, base, model.weekly_level,
                            share, factor, names if base > 0 else ())

    def day(self, category: str, day: dt.date) -> list[HourForecast]:
        return [self.hour(category, day, h) for h in self.open_hours.get(day.weekday(), ())]


def fit_seasonal(
    counts: HourlyCounts,
    *,
    as_of: dt.date,
    peaks: Sequence[PeakPeriod] = (),
    level_half_life_weeks: float = DEFAULT_LEVEL_HALF_LIFE_WEEKS,
    profile_half_life_weeks: float = DEFAULT_PROFILE_HALF_LIFE_WEEKS,
) -> SeasonalForecast:
    """Fit on the history before ``as_of`` (see the module docstring)."""
    history = counts.before(as_of)
    hours = history.open_hours()
    models: dict[str, CategoryModel] = {}
    for category in history.categories:
        level_means: dict[tuple[int, int], float] = {}
        profile_means: dict[tuple[int, int], float] = {}
        for weekday, weekday_hours in hours.items():
            days = sorted(d for d in history.open_dates if d.weekday() == weekday)
            for hour in weekday_hours:
                values = [(_age_weeks(as_of, d),
                           history.get(category, d, hour) / peak_factor(peaks, category, d)[0])
                          for d in days]
                level_means[(weekday, hour)] = _weighted_mean(values, level_half_life_weeks)
                profile_means[(weekday, hour)] = _weighted_mean(values, profile_half_life_weeks)
        profile_total = math.fsum(profile_means.values())
        if profile_total == 0:
            continue
        shares = {key: value / profile_total for key, value in profile_means.items()}
        models[category] = CategoryModel(category, math.fsum(level_means.values()), shares)
    return SeasonalForecast(as_of, models, tuple(peaks), hours)


@dataclass(frozen=True)
class Accuracy:
    """Holdout accuracy of the model and of the seasonal-naive baseline (MASE)."""

    category: str
    holdout_cells: int
    scale: float  # in-sample MAE of the seasonal-naive forecast
    mae_model: float
    mae_naive: float

    @property
    def mase_model(self) -> float:
        return self.mae_model / self.scale if self.scale else math.inf

    @property
    def mase_naive(self) -> float:
        return self.mae_naive / self.scale if self.scale else math.inf


def evaluate(
    counts: HourlyCounts,
    *,
    holdout_weeks: int = 2,
    peaks: Sequence[PeakPeriod] = (),
    level_half_life_weeks: float = DEFAULT_LEVEL_HALF_LIFE_WEEKS,
    profile_half_life_weeks: float = DEFAULT_PROFILE_HALF_LIFE_WEEKS,
) -> list[Accuracy]:
    """Fit on all but the last ``holdout_weeks`` weeks and score every open hour of those weeks.

    The seasonal-naive forecast of a holdout hour is the same weekday-hour in
    the last training week it was open (a forecast made at the cut, as the
    model's is).
    """
    if not counts.open_dates:
        return []
    cut = max(counts.open_dates) + dt.timedelta(days=1 - 7 * holdout_weeks)
    model = fit_seasonal(counts, as_of=cut, peaks=peaks,
                         level_half_life_weeks=level_half_life_weeks,
                         profile_half_life_weeks=profile_half_life_weeks)
    training = counts.before(cut)
    hours = training.open_hours()
    holdout_days = sorted(d for d in counts.open_dates if d >= cut)
    results: list[Accuracy] = []
    for category in counts.categories:
        scale_errors = [
            abs(training.get(category, d, h) - training.get(category, d - _WEEK, h))
            for d in sorted(training.open_dates) if d - _WEEK in training.open_dates
            for h in hours.get(d.weekday(), ())
        ]
        model_errors: list[float] = []
        naive_errors: list[float] = []
        for day in holdout_days:
            previous = _last_open_same_weekday(training.open_dates, day)
            for hour in hours.get(day.weekday(), ()):
                actual = counts.get(category, day, hour)
                model_errors.append(abs(actual - model.hour(category, day, hour).arrivals))
                if previous is not None:
                    naive_errors.append(abs(actual - training.get(category, previous, hour)))
        if not scale_errors or not model_errors:
            continue
        results.append(Accuracy(
            category, len(model_errors), math.fsum(scale_errors) / len(scale_errors),
            math.fsum(model_errors) / len(model_errors),
            math.fsum(naive_errors) / len(naive_errors) if naive_errors else math.inf,
        ))
    return results


_WEEK = dt.timedelta(days=7)


def _age_weeks(as_of: dt.date, day: dt.date) -> int:
    """0 for the 7 days before ``as_of``, 1 for the week before, …"""
    return ((as_of - day).days - 1) // 7


def _weighted_mean(values: Sequence[tuple[int, float]], half_life_weeks: float) -> float:
    if not values:
        return 0.0
    weights = [0.5 ** (age / half_life_weeks) for age, _ in values]
    return math.fsum(w * v for w, (_, v) in zip(weights, values, strict=True)) / math.fsum(weights)


def _last_open_same_weekday(open_dates: frozenset[dt.date], day: dt.date) -> dt.date | None:
    earlier = [d for d in open_dates if d < day and d.weekday() == day.weekday()]
    return max(earlier) if earlier else None
