"""The day's window plan (潮汐窗口计划): forecast → Erlang → simulation → reasons.

For each category and open hour of the day:

1. forecast the tickets (:mod:`onething.domain.forecast`), with and without
   the known peaks that apply;
2. the windows an ordinary day needs (*base*) and the windows the forecast
   needs (*formula*), by Erlang C for the service-level target and the
   occupancy cap — by Erlang A, with the patience estimated from the
   history, when the category's share of people leaving is high;
3. replay the day in the simulation (:mod:`onething.domain.queuesim`) with
   the hall's own handling times, ``replications`` seeded runs pooled; where
   an hour misses the target (typically the hour after a peak, which inherits
   its queue) add a window there and replay, at most ``max_added_per_hour``
   times;
4. say why in Chinese with the numbers: tidal windows for peaks, windows the
   simulation added, the model used, what pooling the categories into
   any-matter windows (综合窗口) would save, and how good the forecast is.

``staff`` is the clerks to roster for the hour: windows ÷ (1 − shrinkage),
rounded up.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field

from onething.domain.forecast import (
    WEEKDAY_NAMES,
    Accuracy,
    HourForecast,
    HourlyCounts,
    PeakPeriod,
    evaluate,
    fit_seasonal,
)
from onething.domain.queuesim import EmpiricalService, Period, PeriodOutcome, simulate
from onething.domain.staffing import (
    DEFAULT_TARGET_LEVEL,
    DEFAULT_TARGET_SECONDS,
    MODEL_ERLANG_A,
    MODEL_ERLANG_C,
    compare_pooling,
    queue_metrics,
    required_agents,
)
from onething.domain.tickethistory import TicketRecord


@dataclass(frozen=True)
class StaffingPolicy:
    target_seconds: float = DEFAULT_TARGET_SECONDS
    target_level: float = DEFAULT_TARGET_LEVEL
    max_occupancy: float = 0.85
    shrinkage: float = 0.2
    # Above this share of tickets given up (left + no-show), Erlang A is used.
    abandonment_threshold: float = 0.10
    replications: int = 20
    max_added_per_hour: int = 3
    holdout_weeks: int = 2
    seed: int = 0


@dataclass(frozen=True)
class CategoryHistory:
    """What the history says about a category's service."""

    category: str
    tickets: int
    served_seconds: tuple[float, ...]
    abandonment: float  # share of tickets left or not there when called
    patience_seconds: float | None  # MLE of exponential patience; None if nobody left

    @property
    def aht_seconds(self) -> float:
        return statistics.fmean(self.served_seconds)


def summarise_history(records: Iterable[TicketRecord]) -> dict[str, CategoryHistory]:
    """Handling times, abandonment share and patience per category.

    Patience is estimated as (people who gave up) ÷ (total time everyone spent
    queueing): the maximum-likelihood rate of an exponential patience when
    those called are censored at their call. A no-show's time counts until
    the call (an upper bound: they left some time before).
    """
    by_category: dict[str, list[TicketRecord]] = {}
    for record in records:
        by_category.setdefault(record.category, []).append(record)
    summaries: dict[str, CategoryHistory] = {}
    for category, rows in sorted(by_category.items()):
        served = tuple(float(r.served_seconds) for r in rows
                       if r.outcome == "served" and r.served_seconds is not None)
        gave_up = sum(1 for r in rows if r.abandoned)
        exposure = math.fsum(r.queued_seconds or 0.0 for r in rows)
        patience = exposure / gave_up if gave_up and exposure > 0 else None
        summaries[category] = CategoryHistory(category, len(rows), served, gave_up / len(rows),
                                              patience)
    return summaries


@dataclass(frozen=True)
class HourPlan:
    category: str
    category_name: str
    hour: int
    forecast_arrivals: float
    base_arrivals: float
    peaks: tuple[str, ...]
    aht_seconds: float
    model: str
    base_windows: int  # an ordinary day, no peak
    formula_windows: int  # Erlang for the forecast
    windows: int  # after the simulation check
    staff: int  # clerks to roster, shrinkage allowed
    formula_service_level: float  # steady-state figure at ``windows``
    simulated_service_level: float
    simulated_asa_seconds: float
    simulated_occupancy: float
    simulated_abandonment: float

    @property
    def tidal_windows(self) -> int:
        return self.windows - self.base_windows


@dataclass(frozen=True)
class PoolingHour:
    hour: int
    separate_windows: int
    pooled_windows: int


@dataclass(frozen=True)
class DayPlan:
    day: dt.date
    hall: str
    policy: StaffingPolicy
    hours: tuple[HourPlan, ...]
    reasons: tuple[str, ...]
    pooling: tuple[PoolingHour, ...]
    accuracy: tuple[Accuracy, ...]
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, object]:
        return {
            "date": self.day.isoformat(),
            "weekday": WEEKDAY_NAMES[self.day.weekday()],
            "hall": self.hall,
            "policy": asdict(self.policy),
            "hours": [{**_rounded(asdict(h)), "tidal_windows": h.tidal_windows}
                      for h in self.hours],
            "reasons": list(self.reasons),
            "pooling": {
                "hours": [asdict(p) for p in self.pooling],
                "separate_window_hours": sum(p.separate_windows for p in self.pooling),
                "pooled_window_hours": sum(p.pooled_windows for p in self.pooling),
            },
            "forecast_accuracy": [
                {"category": a.category, "holdout_hours": a.holdout_cells,
                 "mase": _round(a.mase_model), "seasonal_naive_mase": _round(a.mase_naive)}
                for a in self.accuracy
            ],
            "notes": list(self.notes),
        }


def plan_day(
    records: Sequence[TicketRecord],
    day: dt.date,
    *,
    policy: StaffingPolicy = StaffingPolicy(),
    peaks: Sequence[PeakPeriod] = (),
    names: Mapping[str, str] | None = None,
) -> DayPlan:
    """The plan for ``day`` from the history before it (see the module docstring)."""
    names = names or {}
    history = [r for r in records if r.local_taken.date() < day]
    counts = HourlyCounts.from_events((r.local_taken, r.category) for r in history)
    forecast = fit_seasonal(counts, as_of=day, peaks=peaks)
    summaries = summarise_history(history)
    halls = sorted({r.hall for r in history})
    weekday = WEEKDAY_NAMES[day.weekday()]
    hours: list[HourPlan] = []
    reasons: list[str] = []
    notes: list[str] = []
    if not forecast.open_hours.get(day.weekday()):
        # Chinese only, like the reasons: the plan screen shows them as data (lang=zh-Hans)
        notes.append(f"历史中{weekday}没有取号记录，按闭厅处理")
    for index, category in enumerate(counts.categories):
        summary = summaries[category]
        name = names.get(category, category)
        forecasts = forecast.day(category, day)
        if not forecasts or not any(f.arrivals > 0 for f in forecasts):
            continue
        if not summary.served_seconds:
            notes.append(f"{name}：历史中没有办结记录，无法估计办理时长 "
                         f"(no served tickets: cannot estimate handling time)")
            continue
        patience = (summary.patience_seconds
                    if summary.abandonment >= policy.abandonment_threshold else None)
        if patience is not None:
            reasons.append(f"{name}：历史离队率{summary.abandonment:.0%}（高于"
                           f"{policy.abandonment_threshold:.0%}），按 Erlang A 计算，"
                           f"平均耐心约{patience / 60:.0f}分钟")
        planned, added, before = _plan_category(forecasts, summary, patience, policy,
                                                seed=policy.seed + 7919 * index, name=name)
        hours.extend(planned)
        reasons.extend(_peak_reasons(planned, weekday))
        reasons.extend(_simulation_reasons(planned, added, before, weekday, policy))
    pooling = _pooling(hours, policy)
    if pooling:
        separate = sum(p.separate_windows for p in pooling)
        pooled = sum(p.pooled_windows for p in pooling)
        busiest = max(pooling, key=lambda p: p.separate_windows)
        reasons.append(
            f"合并为综合窗口（无差别受理）：全天需{pooled}窗口·时，分设专业窗口需{separate}"
            f"窗口·时，可少开{separate - pooled}窗口·时（最忙的{busiest.hour:02d}时："
            f"{busiest.pooled_windows}个对{busiest.separate_windows}个）")
    accuracy = tuple(evaluate(counts, holdout_weeks=policy.holdout_weeks, peaks=peaks))
    scored = [a for a in accuracy if math.isfinite(a.mase_model) and math.isfinite(a.mase_naive)]
    if scored:
        mean_model = statistics.fmean(a.mase_model for a in scored)
        mean_naive = statistics.fmean(a.mase_naive for a in scored)
        reasons.append(f"预测精度（最近{policy.holdout_weeks}周留出检验）：MASE {mean_model:.2f}，"
                       f"季节朴素基线（上周同时段）{mean_naive:.2f}；低于1即优于基线")
    elif accuracy:
        reasons.append(f"预测精度（最近{policy.holdout_weeks}周留出检验）：历史逐周没有波动，"
                       "MASE 无法计算")
    return DayPlan(day, halls[0] if len(halls) == 1 else "、".join(halls), policy,
                   tuple(hours), tuple(reasons), tuple(pooling), accuracy, tuple(notes))


def _plan_category(
    forecasts: Sequence[HourForecast], summary: CategoryHistory, patience: float | None,
    policy: StaffingPolicy, *, seed: int, name: str,
) -> tuple[list[HourPlan], dict[int, int], dict[int, float]]:
    aht = summary.aht_seconds

    def windows_for(arrivals: float) -> int:
        return required_agents(arrivals, aht, target_seconds=policy.target_seconds,
                               target_level=policy.target_level,
                               max_occupancy=policy.max_occupancy, shrinkage=policy.shrinkage,
                               patience_seconds=patience).agents

    base = {f.hour: windows_for(f.base) for f in forecasts}
    formula = {f.hour: windows_for(f.arrivals) for f in forecasts}
    windows = dict(formula)
    rates = {f.hour: f.arrivals for f in forecasts}
    service = EmpiricalService(summary.served_seconds)
    added = {hour: 0 for hour in windows}
    first_levels: dict[int, float] = {}
    while True:
        outcomes = _replay(rates, windows, service, patience, policy, seed)
        if not first_levels:
            first_levels = {h: o.service_level for h, o in outcomes.items()}
        short = [h for h, o in outcomes.items()
                 if o.arrivals and o.service_level < policy.target_level
                 and added[h] < policy.max_added_per_hour]
        if not short:
            break
        for hour in short:
            windows[hour] += 1
            added[hour] += 1
    plans = []
    for f in forecasts:
        outcome = outcomes[f.hour]
        count = windows[f.hour]
        steady = queue_metrics(f.arrivals, aht, count, policy.target_seconds, patience)
        plans.append(HourPlan(
            category=f.category, category_name=name, hour=f.hour,
            forecast_arrivals=f.arrivals, base_arrivals=f.base, peaks=f.peaks,
            aht_seconds=aht, model=MODEL_ERLANG_A if patience is not None else MODEL_ERLANG_C,
            base_windows=base[f.hour], formula_windows=formula[f.hour], windows=count,
            staff=math.ceil(count / (1 - policy.shrinkage) - 1e-9),
            formula_service_level=steady.service_level,
            simulated_service_level=outcome.service_level,
            simulated_asa_seconds=outcome.asa_seconds,
            simulated_occupancy=outcome.occupancy,
            simulated_abandonment=outcome.abandonment,
        ))
    return plans, added, first_levels


def _replay(rates: Mapping[int, float], windows: Mapping[int, int], service: EmpiricalService,
            patience: float | None, policy: StaffingPolicy, seed: int) -> dict[int, PeriodOutcome]:
    """Pooled outcomes per open hour over the seeded replications."""
    first, last = min(rates), max(rates)
    periods = [Period(h * 3600.0, (h + 1) * 3600.0, rates.get(h, 0.0), windows.get(h, 0))
               for h in range(first, last + 1)]
    pooled: dict[int, PeriodOutcome] = {}
    for replication in range(policy.replications):
        result = simulate(periods, service, seed=seed + replication,
                          target_seconds=policy.target_seconds, patience_seconds=patience)
        for offset, outcome in enumerate(result.periods):
            hour = first + offset
            if hour in rates:
                pooled[hour] = pooled[hour].add(outcome) if hour in pooled else outcome
    return pooled


def _spans(hours: Sequence[HourPlan],
           key: Callable[[HourPlan], object | None]) -> list[list[HourPlan]]:
    """Consecutive hours sharing the same key (None keys are dropped)."""
    spans: list[list[HourPlan]] = []
    keys: list[object] = []
    for plan in hours:
        value = key(plan)
        if value is None:
            continue
        if spans and keys[-1] == value and spans[-1][-1].hour + 1 == plan.hour:
            spans[-1].append(plan)
        else:
            spans.append([plan])
            keys.append(value)
    return spans


def _peak_reasons(planned: Sequence[HourPlan], weekday: str) -> list[str]:
    def key(plan: HourPlan) -> tuple[tuple[str, ...], int] | None:
        extra = plan.formula_windows - plan.base_windows
        return (plan.peaks, extra) if plan.peaks and extra > 0 else None

    lines = []
    for span in _spans(planned, key):
        head = span[0]
        rate = max(p.forecast_arrivals for p in span)
        lines.append(f"{'、'.join(head.peaks)} {weekday} {head.hour:02d}–{span[-1].hour + 1:02d}："
                     f"{head.category_name}加开{head.formula_windows - head.base_windows}"
                     f"个潮汐窗口（{rate:.0f}人/时）")
    return lines


def _simulation_reasons(planned: Sequence[HourPlan], added: Mapping[int, int],
                        before: Mapping[int, float], weekday: str,
                        policy: StaffingPolicy) -> list[str]:
    def key(plan: HourPlan) -> int | None:
        return added.get(plan.hour) or None

    lines = []
    minutes = policy.target_seconds / 60
    for span in _spans(planned, key):
        head = span[0]
        worst = min(before[p.hour] for p in span)
        rate = max(p.forecast_arrivals for p in span)
        previous = [p for p in planned if p.hour == head.hour - 1]
        carried = bool(previous) and previous[0].forecast_arrivals > head.forecast_arrivals
        line = (f"{head.category_name} {weekday} {head.hour:02d}–{span[-1].hour + 1:02d}："
                f"按公式开{head.formula_windows}个窗口，仿真{minutes:g}分钟内叫号仅{worst:.1%}"
                f"（目标{policy.target_level:.0%}{'，承接前一时段的排队' if carried else ''}），"
                f"加开{added[head.hour]}个窗口（{rate:.0f}人/时）")
        if any(p.simulated_service_level < policy.target_level for p in span):
            line += f"，加开{policy.max_added_per_hour}个后仍未达标"
        lines.append(line)
    return lines


def _pooling(hours: Sequence[HourPlan], policy: StaffingPolicy) -> list[PoolingHour]:
    by_hour: dict[int, list[HourPlan]] = {}
    for plan in hours:
        by_hour.setdefault(plan.hour, []).append(plan)
    result = []
    for hour, plans in sorted(by_hour.items()):
        comparison = compare_pooling(
            [(p.forecast_arrivals, p.aht_seconds) for p in plans],
            target_seconds=policy.target_seconds, target_level=policy.target_level,
            max_occupancy=policy.max_occupancy)
        result.append(PoolingHour(hour, comparison.separate_agents, comparison.pooled_agents))
    return result


def _round(value: float) -> float | None:
    return round(value, 4) if math.isfinite(value) else None


def _rounded(values: dict[str, object]) -> dict[str, object]:
    return {k: _round(v) if isinstance(v, float) else v for k, v in values.items()}


def render_plan(plan: DayPlan) -> str:
    """The plan as text for the terminal (the CLI's default output)."""
    weekday = WEEKDAY_NAMES[plan.day.weekday()]
    lines = [f"{plan.hall} {plan.day.isoformat()}（{weekday}）窗口计划",
             f"目标：{plan.policy.target_level:.0%} 在 {plan.policy.target_seconds / 60:g} 分钟内"
             f"叫号；占用率上限 {plan.policy.max_occupancy:.0%}；损耗率 "
             f"{plan.policy.shrinkage:.0%}", ""]
    columns = ("时段", "类别", "预测人数", "平均时长", "平日窗口", "计划窗口", "潮汐", "排班",
               "仿真达标", "平均等候")
    widths = (7, 12, 9, 9, 9, 9, 6, 6, 9, 9)
    lines.append(_row(columns, widths))
    for h in sorted(plan.hours, key=lambda p: (p.hour, p.category)):
        lines.append(_row((
            f"{h.hour:02d}–{h.hour + 1:02d}", h.category_name, f"{h.forecast_arrivals:.1f}",
            f"{h.aht_seconds / 60:.1f}分", str(h.base_windows), str(h.windows),
            f"{h.tidal_windows:+d}", str(h.staff), f"{h.simulated_service_level:.0%}",
            f"{h.simulated_asa_seconds / 60:.1f}分"), widths))
    lines.append("")
    lines.append("说明：")
    lines.extend(f"  - {reason}" for reason in plan.reasons)
    lines.extend(f"  - {note}" for note in plan.notes)
    return "\n".join(lines)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _row(cells: Sequence[str], widths: Sequence[int]) -> str:
    """Cells left-aligned in columns, counting a Chinese character as two columns."""
    return "".join(c + " " * max(1, w - _width(c)) for c, w in zip(cells, widths, strict=True)
                   ).rstrip()
