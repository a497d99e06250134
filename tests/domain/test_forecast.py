"""The seasonal forecast and its MASE (onething.domain.forecast)."""

from __future__ import annotations

import datetime as dt
import math
import random

import pytest

from onething.domain.forecast import (
    HourlyCounts,
    PeakPeriod,
    evaluate,
    fit_seasonal,
    peak_factor,
)

D = dt.date


def counts(table: dict[tuple[str, dt.date, int], int]) -> HourlyCounts:
    return HourlyCounts(table, frozenset(day for _, day, _ in table),
                        tuple(sorted({c for c, _, _ in table})))


def test_mase_on_a_tiny_hand_made_history_is_exact():
    # Three Mondays at 09:00 with 4, 6 and 8 tickets; the last week is held out.
    history = counts({("x", D(2025, 6, 2), 9): 4, ("x", D(2025, 6, 9), 9): 6,
                      ("x", D(2025, 6, 16), 9): 8})
    [accuracy] = evaluate(history, holdout_weeks=1)
    # Scale: the seasonal-naive error inside the training weeks, |6 − 4| = 2.
    assert accuracy.scale == 2
    # Level: weeks aged 0 and 1 weighted 1 and 2**-0.5 (half-life 2 weeks), so the
    # forecast is (6 + 4r)/(1 + r) with r = 1/√2 and its error 8 − that = 2√2.
    assert accuracy.mae_model == pytest.approx(2 * math.sqrt(2), abs=1e-12)
    assert accuracy.mase_model == pytest.approx(math.sqrt(2), abs=1e-12)
    # The seasonal-naive forecast is last Monday's 6: error 2, MASE 1.
    assert accuracy.mae_naive == 2
    assert accuracy.mase_naive == 1
    assert accuracy.holdout_cells == 1


def poisson(rng: random.Random, mean: float) -> int:
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


WEEKDAY = (1.3, 1.05, 1.0, 0.95, 0.9)
HOURS = {9: 0.9, 10: 1.3, 11: 1.15, 12: 0.35, 13: 0.55, 14: 1.0, 15: 1.05, 16: 0.7}


def synthetic(weeks: int, *, start: dt.date, peak: PeakPeriod | None = None,
              seed: int = 4) -> HourlyCounts:
    rng = random.Random(seed)
    table: dict[tuple[str, dt.date, int], int] = {}
    for offset in range(7 * weeks):
        day = start + dt.timedelta(days=offset)
        if day.weekday() >= 5:
            continue
        factor = peak.factor if peak and peak.applies("social", day) else 1.0
        for hour, weight in HOURS.items():
            table[("social", day, hour)] = poisson(rng, 6 * WEEKDAY[day.weekday()] * weight
                                                   * factor)
    return counts(table)


def test_the_model_beats_the_seasonal_naive_baseline_on_a_seasonal_history():
    history = synthetic(10, start=D(2025, 3, 3))
    [accuracy] = evaluate(history, holdout_weeks=2)
    assert accuracy.holdout_cells == 2 * 5 * 8
    assert accuracy.mase_model < 1
    assert accuracy.mase_model < accuracy.mase_naive


def test_declared_peaks_are_divided_out_and_put_back():
    enrolment = PeakPeriod("入学", 3.0, months=(7,), categories=("social",))
    history = synthetic(10, start=D(2025, 5, 12), peak=enrolment)  # the last 4 weeks in July
    [with_peak] = evaluate(history, holdout_weeks=2, peaks=[enrolment])
    [without] = evaluate(history, holdout_weeks=2)
    # The holdout weeks are inside the peak (three times the noise of the training
    # weeks that set the scale), so compare with the baseline rather than with 1.
    assert with_peak.mase_model < with_peak.mase_naive
    assert with_peak.mae_model < without.mae_model
    model = fit_seasonal(history, as_of=D(2025, 7, 21), peaks=[enrolment])
    july = model.hour("social", D(2025, 7, 21), 10)
    assert july.peaks == ("入学",) and july.peak_factor == 3.0
    assert july.arrivals == pytest.approx(3.0 * july.base)
    # The fitted ordinary level is near the truth (6 per unit weight).
    assert july.base == pytest.approx(6 * 1.3 * 1.3, rel=0.2)


def test_closed_days_are_left_out_not_counted_as_zero():
    history = counts({("x", D(2025, 6, 2), 9): 10, ("x", D(2025, 6, 16), 9): 10,
                      ("x", D(2025, 6, 3), 9): 10, ("x", D(2025, 6, 10), 9): 10,
                      ("x", D(2025, 6, 17), 9): 10})
    # Monday 9 June (a holiday) has no ticket at all: the hall was closed.
    model = fit_seasonal(history, as_of=D(2025, 6, 23))
    assert model.hour("x", D(2025, 6, 23), 9).arrivals == pytest.approx(10)
    assert model.hour("x", D(2025, 6, 24), 9).arrivals == pytest.approx(10)
    assert model.hour("x", D(2025, 6, 25), 9).arrivals == 0  # never open on Wednesdays


def test_the_forecast_explains_itself():
    history = counts({("x", D(2025, 6, 2), 9): 30, ("x", D(2025, 6, 2), 10): 10})
    peak = PeakPeriod("年底社保缴费", 1.5, date_ranges=((D(2025, 12, 1), D(2025, 12, 31)),))
    model = fit_seasonal(history, as_of=D(2025, 6, 3), peaks=[peak])
    hour = model.hour("x", D(2025, 12, 1), 9)
    assert hour.explain() == "周一09时占一周的75.0% × 近期每周40人 × 年底社保缴费系数1.5 = 45.0人"
    assert (model.hour("x", D(2025, 6, 9), 9).explain()
            == "周一09时占一周的75.0% × 近期每周40人 = 30.0人")


def test_peak_factors_apply_by_month_date_range_and_category_and_multiply():
    peaks = [PeakPeriod("入学", 3.5, months=(7, 8), categories=("enrolment",)),
             PeakPeriod("暑期", 1.2, date_ranges=((D(2025, 7, 10), D(2025, 7, 20)),))]
    assert peak_factor(peaks, "enrolment", D(2025, 7, 15)) == (pytest.approx(4.2),
                                                               ("入学", "暑期"))
    assert peak_factor(peaks, "enrolment", D(2025, 8, 1)) == (3.5, ("入学",))
    assert peak_factor(peaks, "household", D(2025, 7, 15)) == (1.2, ("暑期",))
    assert peak_factor(peaks, "household", D(2025, 9, 1)) == (1.0, ())
    with pytest.raises(ValueError):
        PeakPeriod("bad", 0)
    with pytest.raises(ValueError):
        PeakPeriod("bad", 2, months=(13,))
