"""Erlang B/C/A (onething.domain.staffing) against exact and published values.

References:
- exact Erlang C by rational arithmetic (``fractions`` and ``math.factorial``),
  computed independently here from the textbook definition
  C(N, A) = (A^N/N! · N/(N−A)) / (Σ_{k<N} A^k/k! + A^N/N! · N/(N−A));
- the worked example of the Erlang-C formula page of Westbay Engineers / Mitan
  (erlang.com, mitan.co.uk/erlang/elgcmath.htm): 360 calls per half hour,
  4-minute calls, 55 agents, 15-second target (the inputs are the page's; the
  reference figures are computed exactly in this test);
- the Wolfram Language ``ErlangC`` documentation's basic example, c = 3, a = 2
  (4/9 by hand);
- the Call Centre Helper example (callcentrehelper.com, "Erlang C formula
  example"; reproduced in the pyworkforce README with its outputs): 100 calls
  in 30 minutes, AHT 180 s, 80 % in 20 s, occupancy cap 85 %, shrinkage 30 %
  → 14 agents, 20 scheduled, service level 0.8883500191794669, waiting
  probability 0.1741319335950498, occupancy 0.7142857142857143;
- Erlang A (M/M/N+M) for the same traffic, 13 agents, patience 5 minutes, as
  published in the pyworkforce README: service level 0.858…, occupancy
  0.750…, abandonment 0.025…, waiting 0.226…, ASA 0.125… minutes.
"""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from onething.domain.staffing import (
    InfeasibleStaffing,
    StaffingInputError,
    compare_pooling,
    erlang_a_metrics,
    erlang_b,
    erlang_c,
    erlang_c_metrics,
    queue_metrics,
    required_agents,
)


def exact_erlang_c(agents: int, load: Fraction) -> Fraction:
    top = load**agents / math.factorial(agents) * Fraction(agents) / (agents - load)
    below = sum(load**k / math.factorial(k) for k in range(agents))
    return top / (below + top)


def exact_erlang_b(agents: int, load: Fraction) -> Fraction:
    terms = [load**k / math.factorial(k) for k in range(agents + 1)]
    return terms[-1] / sum(terms)


# --- Erlang C against exact values ----------------------------------------------------


def test_the_westbay_mitan_worked_example_to_1e_6():
    metrics = erlang_c_metrics(720, 240, 55, target_seconds=15)
    wait = exact_erlang_c(55, Fraction(48))
    assert metrics.offered_load == 48
    assert metrics.wait_probability == pytest.approx(float(wait), abs=1e-12)
    assert metrics.wait_probability == pytest.approx(0.238701, abs=1e-6)
    expected_level = 1 - float(wait) * math.exp(-(55 - 48) * 15 / 240)
    assert metrics.service_level == pytest.approx(expected_level, abs=1e-12)
    assert metrics.service_level == pytest.approx(0.845883, abs=1e-6)
    assert metrics.asa_seconds == pytest.approx(float(wait * 240 / 7), abs=1e-10)
    assert metrics.asa_seconds == pytest.approx(8.184032, abs=1e-6)
    assert metrics.occupancy == pytest.approx(48 / 55, abs=1e-15)


def test_wolfram_basic_example_c3_a2_is_four_ninths():
    assert exact_erlang_c(3, Fraction(2)) == Fraction(4, 9)
    assert erlang_c(3, 2.0) == pytest.approx(4 / 9, abs=1e-15)


def test_the_call_centre_helper_example():
    metrics = erlang_c_metrics(200, 180, 14, target_seconds=20)
    assert metrics.wait_probability == pytest.approx(0.1741319335950498, abs=1e-12)
    assert metrics.service_level == pytest.approx(0.8883500191794669, abs=1e-12)
    assert metrics.occupancy == pytest.approx(0.7142857142857143, abs=1e-15)
    assert metrics.asa_seconds == pytest.approx(
        float(exact_erlang_c(14, Fraction(10))) * 180 / 4, abs=1e-10)


@pytest.mark.parametrize(("agents", "load"), [
    (1, Fraction(1, 2)), (2, Fraction(3, 2)), (5, Fraction(3)), (11, Fraction(10)),
    (30, Fraction(51, 2)), (80, Fraction(72)),
])
def test_erlang_b_and_c_match_exact_rational_arithmetic(agents, load):
    assert erlang_b(agents, float(load)) == pytest.approx(float(exact_erlang_b(agents, load)),
                                                          rel=1e-12)
    assert erlang_c(agents, float(load)) == pytest.approx(float(exact_erlang_c(agents, load)),
                                                          rel=1e-12)


def test_one_window_is_the_m_m_1_queue():
    # M/M/1: P(wait) = ρ, ASA = ρ/(1−ρ)·AHT.
    metrics = erlang_c_metrics(30, 60, 1, target_seconds=0)
    assert metrics.wait_probability == pytest.approx(0.5, abs=1e-15)
    assert metrics.asa_seconds == pytest.approx(60.0, abs=1e-12)
    assert metrics.service_level == pytest.approx(0.5, abs=1e-15)


# --- required agents ------------------------------------------------------------------


def test_80_20_without_shrinkage_needs_14_windows():
    need = required_agents(200, 180, target_seconds=20, target_level=0.8)
    assert (need.agents, need.scheduled, need.binding) == (14, 14, "service_level")
    assert erlang_c_metrics(200, 180, 13, target_seconds=20).service_level < 0.8
    assert need.metrics.service_level == pytest.approx(0.8883500191794669, abs=1e-12)


def test_80_20_with_30_percent_shrinkage_rosters_20_clerks():
    # 14 / 0.7 is 20.000000000000004 in floating point: still 20, not 21.
    need = required_agents(200, 180, target_seconds=20, target_level=0.8,
                           max_occupancy=0.85, shrinkage=0.3)
    assert (need.agents, need.scheduled) == (14, 20)


def test_the_default_target_is_80_percent_within_15_minutes():
    need = required_agents(60, 600)
    assert need.metrics.target_seconds == 900
    assert need.target_level == 0.8
    assert need.agents == 11
    # 10 Erlangs: 10 windows are infeasible, so 11 is the first that can meet it.
    assert need.metrics.service_level == pytest.approx(
        1 - float(exact_erlang_c(11, Fraction(10))) * math.exp(-900 / 600), abs=1e-12)


def test_an_occupancy_cap_binds_when_the_service_target_is_loose():
    need = required_agents(60, 600, max_occupancy=0.8)
    assert (need.agents, need.binding) == (13, "occupancy")  # ceil(10 / 0.8)
    assert need.metrics.occupancy == pytest.approx(10 / 13)


# --- edge cases -----------------------------------------------------------------------


@pytest.mark.parametrize("agents", [0, 9, 10])
def test_n_at_or_below_the_load_is_infeasible_with_a_clear_message(agents):
    with pytest.raises(InfeasibleStaffing) as info:
        erlang_c_metrics(60, 600, agents)
    assert info.value.offered_load == 10
    assert "排队会无限增长" in str(info.value)
    assert "至少需要 11 个窗口" in str(info.value)
    assert "(infeasible" in str(info.value)


def test_a_500_erlang_load_with_550_windows_does_not_overflow():
    # A**N / N! would be about 10**(-8) … but A**N alone is 10**1484: a float overflows.
    with pytest.raises(OverflowError):
        _ = 500.0**550
    metrics = erlang_c_metrics(6000, 300, 550, target_seconds=20)
    assert metrics.offered_load == 500
    assert metrics.wait_probability == pytest.approx(
        float(exact_erlang_c(550, Fraction(500))), rel=1e-10)
    assert 0 < metrics.wait_probability < 0.05
    need = required_agents(6000, 300, target_seconds=20, target_level=0.8)
    assert 500 < need.agents < 550
    assert need.metrics.service_level >= 0.8
    assert erlang_c_metrics(6000, 300, need.agents - 1, 20).service_level < 0.8


def test_no_arrivals_needs_no_window_and_nobody_waits():
    metrics = erlang_c_metrics(0, 300, 0)
    assert (metrics.wait_probability, metrics.service_level, metrics.asa_seconds,
            metrics.occupancy) == (0.0, 1.0, 0.0, 0.0)
    need = required_agents(0, 300, shrinkage=0.3)
    assert (need.agents, need.scheduled, need.binding) == (0, 0, "none")


@pytest.mark.parametrize(("call", "fragment"), [
    (lambda: erlang_c_metrics(-1, 300, 3), "arrivals per hour"),
    (lambda: erlang_c_metrics(10, 0, 3), "AHT"),
    (lambda: erlang_c_metrics(10, 300, -1), "agents"),
    (lambda: erlang_c_metrics(10, 300, 2.5), "agents"),  # type: ignore[arg-type]
    (lambda: erlang_c_metrics(10, 300, 3, -5), "target seconds"),
    (lambda: required_agents(10, 300, target_level=1.0), "target level"),
    (lambda: required_agents(10, 300, shrinkage=1.0), "shrinkage"),
    (lambda: required_agents(10, 300, max_occupancy=0), "max occupancy"),
    (lambda: erlang_a_metrics(10, 300, 3, 0), "patience"),
])
def test_bad_input_is_refused_in_chinese_and_english(call, fragment):
    with pytest.raises(StaffingInputError) as info:
        call()
    assert fragment in str(info.value)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(info.value))


# --- properties -----------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(load=st.floats(0.01, 60), extra=st.integers(1, 40), target=st.floats(0, 1200),
       aht=st.floats(30, 1800))
def test_service_level_rises_with_windows_and_probabilities_stay_in_range(load, extra, target,
                                                                          aht):
    rate = load * 3600 / aht
    agents = math.floor(load) + extra
    fewer = erlang_c_metrics(rate, aht, agents, target)
    more = erlang_c_metrics(rate, aht, agents + 1, target)
    for metrics in (fewer, more):
        assert 0.0 <= metrics.wait_probability <= 1.0
        assert 0.0 <= metrics.service_level <= 1.0
        assert 0.0 < metrics.occupancy < 1.0
        assert metrics.asa_seconds >= 0.0
    assert more.service_level >= fewer.service_level
    assert more.wait_probability <= fewer.wait_probability
    assert more.asa_seconds <= fewer.asa_seconds


@settings(max_examples=40, deadline=None)
@given(rate=st.floats(0, 400), aht=st.floats(60, 1200),
       level=st.sampled_from([0.5, 0.8, 0.9, 0.95]), shrinkage=st.floats(0, 0.5))
def test_required_agents_is_the_smallest_meeting_the_target(rate, aht, level, shrinkage):
    need = required_agents(rate, aht, target_seconds=20, target_level=level, shrinkage=shrinkage)
    if rate == 0:
        assert need.agents == 0
        return
    assert need.metrics.service_level >= level
    assert need.scheduled >= need.agents
    assert need.scheduled - 1 < need.agents / (1 - shrinkage) <= need.scheduled + 1e-9
    below = need.agents - 1
    if below > need.metrics.offered_load:
        assert erlang_c_metrics(rate, aht, below, 20).service_level < level


# --- Erlang A -------------------------------------------------------------------------


def test_erlang_a_matches_the_published_pyworkforce_example():
    metrics = erlang_a_metrics(200, 180, 13, patience_seconds=300, target_seconds=20)
    assert metrics.service_level == pytest.approx(0.858, abs=5e-4)
    assert metrics.occupancy == pytest.approx(0.750, abs=5e-4)
    assert metrics.abandonment == pytest.approx(0.025, abs=5e-4)
    assert metrics.wait_probability == pytest.approx(0.226, abs=5e-4)
    assert metrics.asa_seconds / 60 == pytest.approx(0.125, abs=5e-4)
    need = required_agents(200, 180, target_seconds=20, target_level=0.8, max_occupancy=0.85,
                           shrinkage=0.3, patience_seconds=300)
    assert (need.agents, need.scheduled) == (13, 19)


def test_erlang_a_with_endless_patience_is_erlang_c():
    a = erlang_a_metrics(720, 240, 55, patience_seconds=1e12, target_seconds=15)
    c = erlang_c_metrics(720, 240, 55, target_seconds=15)
    assert a.wait_probability == pytest.approx(c.wait_probability, abs=1e-6)
    assert a.service_level == pytest.approx(c.service_level, abs=1e-6)
    assert a.asa_seconds == pytest.approx(c.asa_seconds, abs=1e-4)
    assert a.abandonment < 1e-8
    assert queue_metrics(720, 240, 55, 15, math.inf) == c


def test_erlang_a_is_internally_consistent():
    # t = 0: called at once = not waiting; t → ∞: called eventually = not leaving;
    # carried load = offered load × (1 − abandonment).
    at_zero = erlang_a_metrics(60, 600, 9, 1800, target_seconds=0)
    at_end = erlang_a_metrics(60, 600, 9, 1800, target_seconds=10**7)
    assert at_zero.service_level == pytest.approx(1 - at_zero.wait_probability, abs=1e-12)
    assert at_end.service_level == pytest.approx(1 - at_end.abandonment, abs=1e-9)
    assert at_end.occupancy * 9 == pytest.approx(10 * (1 - at_end.abandonment), abs=1e-9)


def test_erlang_a_is_feasible_at_and_below_the_load_and_stays_stable_at_500_erlangs():
    below = erlang_a_metrics(60, 600, 8, 1200)
    assert 0 < below.abandonment < 1 and below.occupancy < 1
    large = erlang_a_metrics(6000, 300, 530, 1800, target_seconds=900)
    assert 0 < large.abandonment < 0.01
    assert 0.99 < large.service_level <= 1


# --- pooling --------------------------------------------------------------------------


def test_pooling_two_categories_saves_windows():
    pooled = compare_pooling([(30, 360), (20, 600)], target_seconds=900)
    assert pooled.separate_agents == (
        required_agents(30, 360).agents + required_agents(20, 600).agents)
    assert pooled.pooled_arrivals_per_hour == 50
    assert pooled.pooled_aht_seconds == pytest.approx((30 * 360 + 20 * 600) / 50)
    assert pooled.pooled_agents == required_agents(50, 456).agents
    assert pooled.saved_agents == pooled.separate_agents - pooled.pooled_agents > 0


@settings(max_examples=25, deadline=None)
@given(load=st.floats(0.5, 20), agents=st.integers(1, 25), patience=st.floats(60, 3600),
       target=st.floats(0, 1800))
def test_erlang_a_figures_stay_in_range_and_improve_with_windows(load, agents, patience, target):
    rate = load * 3600 / 300
    fewer = erlang_a_metrics(rate, 300, agents, patience, target)
    more = erlang_a_metrics(rate, 300, agents + 1, patience, target)
    for metrics in (fewer, more):
        assert 0 <= metrics.wait_probability <= 1
        assert 0 <= metrics.abandonment <= 1
        assert -1e-12 <= metrics.service_level <= 1 + 1e-12
        assert metrics.service_level <= 1 - metrics.abandonment + 1e-9
    assert more.service_level >= fewer.service_level - 1e-9
    assert more.abandonment <= fewer.abandonment + 1e-12
