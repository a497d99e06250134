"""The day's window plan (onething.domain.tidalplan)."""

from __future__ import annotations

import datetime as dt
import json
import math
import re

import pytest

from onething.domain.staffing import required_agents
from onething.domain.tickethistory import (
    CATEGORY_NAMES,
    DEMO_PEAKS,
    TicketRecord,
    generate_demo_history,
)
from onething.domain.tidalplan import (
    StaffingPolicy,
    plan_day,
    render_plan,
    summarise_history,
)

D = dt.date
UTC = dt.UTC
DAY = D(2025, 7, 15)  # a Tuesday in the enrolment peak


@pytest.fixture(scope="module")
def history() -> list[TicketRecord]:
    return generate_demo_history(end=DAY, weeks=6, seed=2)


@pytest.fixture(scope="module")
def plan(history):
    return plan_day(history, DAY, peaks=DEMO_PEAKS, names=CATEGORY_NAMES)


def test_the_enrolment_peak_opens_tidal_windows_and_says_why(plan):
    lines = [r for r in plan.reasons if r.startswith("入学 周二")]
    assert lines
    pattern = re.compile(
        r"^入学 周二 (\d\d)–(\d\d)：(教育入学|户籍)加开(\d)个潮汐窗口（(\d+)人/时）$")
    for line in lines:
        assert pattern.match(line), line
    enrolment = {h.hour: h for h in plan.hours if h.category == "enrolment"}
    assert enrolment[10].peaks == ("入学",)
    assert enrolment[10].forecast_arrivals == pytest.approx(3.5 * enrolment[10].base_arrivals)
    assert enrolment[10].windows > enrolment[10].base_windows
    first = pattern.match(next(line for line in lines if "教育入学" in line))
    assert first is not None
    start, count = int(first.group(1)), int(first.group(4))
    assert enrolment[start].formula_windows - enrolment[start].base_windows == count
    assert int(first.group(5)) == round(max(
        enrolment[h].forecast_arrivals for h in range(start, int(first.group(2)))))


def test_every_hour_follows_the_formula_then_the_simulation(plan, history):
    summaries = summarise_history(history)
    policy = plan.policy
    assert {h.category for h in plan.hours} == set(CATEGORY_NAMES)
    for hour in plan.hours:
        summary = summaries[hour.category]
        patience = (summary.patience_seconds
                    if summary.abandonment >= policy.abandonment_threshold else None)
        assert hour.model == ("erlang_a" if patience else "erlang_c")
        expected = required_agents(hour.forecast_arrivals, summary.aht_seconds,
                                   target_seconds=900, target_level=0.8, max_occupancy=0.85,
                                   patience_seconds=patience).agents
        assert hour.formula_windows == expected
        assert hour.formula_windows <= hour.windows <= hour.formula_windows + 3
        assert hour.staff == math.ceil(hour.windows / 0.8 - 1e-9)
        assert hour.simulated_service_level >= 0.8 or hour.windows == hour.formula_windows + 3


def test_high_abandonment_switches_to_erlang_a_and_says_so(plan):
    notes = [r for r in plan.reasons if "按 Erlang A 计算" in r]
    assert notes and all(re.match(r"^.+：历史离队率\d+%（高于10%），按 Erlang A 计算，"
                                  r"平均耐心约\d+分钟$", n) for n in notes)


def test_pooling_into_any_matter_windows_needs_fewer_windows(plan):
    assert plan.pooling
    for hour in plan.pooling:
        assert hour.pooled_windows <= hour.separate_windows
    [line] = [r for r in plan.reasons if r.startswith("合并为综合窗口")]
    separate = sum(p.separate_windows for p in plan.pooling)
    pooled = sum(p.pooled_windows for p in plan.pooling)
    assert (f"全天需{pooled}窗口·时，分设专业窗口需{separate}窗口·时，"
            f"可少开{separate - pooled}") in line


def test_the_forecast_accuracy_is_reported(plan):
    assert {a.category for a in plan.accuracy} == set(CATEGORY_NAMES)
    assert all(a.mase_model < a.mase_naive for a in plan.accuracy)
    [line] = [r for r in plan.reasons if r.startswith("预测精度")]
    assert re.match(r"^预测精度（最近2周留出检验）：MASE 0\.\d\d，"
                    r"季节朴素基线（上周同时段）\d\.\d\d", line)


def steady_history(per_hour: int, services: list[int]) -> list[TicketRecord]:
    """Four weeks of weekdays, 09–12, tickets evenly spread, handling times in a cycle."""
    records = []
    n = 0
    for offset in range(28):
        day = D(2025, 6, 9) + dt.timedelta(days=offset)
        if day.weekday() >= 5:
            continue
        for hour in (9, 10, 11):
            for i in range(per_hour):
                taken = (dt.datetime.combine(day, dt.time(hour - 8), UTC)
                         + dt.timedelta(seconds=3600 // per_hour * i))
                n += 1
                records.append(TicketRecord("h", "x", f"A{i + 1:03d}", taken, taken, None,
                                            services[n % len(services)], "served"))
    return records


def test_the_simulation_adds_a_window_where_erlang_c_is_too_hopeful():
    # One ticket in ten takes 40 minutes, the rest one minute: far from the
    # exponential times Erlang C assumes, so queues build in the replay.
    history = steady_history(120, [60] * 9 + [2400])
    plan = plan_day(history, D(2025, 7, 7),
                    policy=StaffingPolicy(target_seconds=60, max_occupancy=1.0))
    by_hour = {h.hour: h for h in plan.hours}
    assert {h: by_hour[h].forecast_arrivals for h in by_hour} == {9: 120, 10: 120, 11: 120}
    assert by_hour[11].windows == by_hour[11].formula_windows + 1
    assert by_hour[11].simulated_service_level >= 0.8
    [line] = [r for r in plan.reasons if "仿真" in r]
    assert re.match(rf"^x 周一 11–12：按公式开{by_hour[11].formula_windows}个窗口，"
                    r"仿真1分钟内叫号仅\d\d\.\d%（目标80%），加开1个窗口（120人/时）$", line), line
    # A flat history has no seasonal-naive error to scale by: said, not divided by zero.
    assert any(r.startswith("预测精度") and "无法计算" in r for r in plan.reasons)


def test_the_plan_is_deterministic_and_serialisable(plan, history):
    again = plan_day(history, DAY, peaks=DEMO_PEAKS, names=CATEGORY_NAMES)
    assert again.to_dict() == plan.to_dict()
    data = json.loads(json.dumps(plan.to_dict(), ensure_ascii=False))
    assert data["date"] == "2025-07-15" and data["weekday"] == "周二"
    assert data["hall"] == "county-centre"
    row = data["hours"][0]
    assert set(row) >= {"category", "hour", "forecast_arrivals", "windows", "tidal_windows",
                        "staff", "simulated_service_level", "model"}
    text = render_plan(plan)
    assert text.splitlines()[0] == "county-centre 2025-07-15（周二）窗口计划"
    assert "说明：" in text


def test_a_day_the_hall_never_opens_gets_no_windows(history):
    sunday = plan_day(history, D(2025, 7, 13), peaks=DEMO_PEAKS)
    assert sunday.hours == ()
    assert any("按闭厅处理" in note for note in sunday.notes)


def test_history_summary_estimates_handling_time_and_patience():
    t0 = dt.datetime(2025, 6, 3, 1, 0, tzinfo=UTC)
    minute = dt.timedelta(minutes=1)
    records = [
        TicketRecord("h", "x", "A001", t0, t0 + minute, None, 300, "served"),
        TicketRecord("h", "x", "A002", t0, None, t0 + 2 * minute, None, "left"),
        TicketRecord("h", "x", "A003", t0, t0 + 3 * minute, None, None, "no_show"),
        TicketRecord("h", "x", "A004", t0, t0 + 4 * minute, None, 500, "served"),
    ]
    [summary] = summarise_history(records).values()
    assert summary.aht_seconds == 400
    assert summary.abandonment == 0.5
    # Two gave up over 60 + 120 + 180 + 240 seconds queued: patience 300 s.
    assert summary.patience_seconds == 300
