"""Staffing the service hall (潮汐窗口): Erlang B, C and A as pure functions.

A window clerk (坐席/窗口) serves one ticket at a time; tickets of a category
arrive at a rate of ``arrivals_per_hour`` and take ``aht_seconds`` on average
(average handling time, 平均办理时长). The offered load is
``A = λ · AHT`` in Erlangs: how many windows would be busy on average.

- **Erlang C** (M/M/N, nobody leaves): the probability that a ticket waits at
  all is ``C(N, A) = N·B / (N − A·(1 − B))`` where ``B`` is Erlang B, computed
  by the recursion ``B(0) = 1, B(n) = A·B(n−1) / (n + A·B(n−1))``. The
  recursion only multiplies numbers in (0, 1], so A = 500 Erlangs with N = 550
  windows costs 550 steps and never overflows (no ``A**N`` or ``N!``).
  Service level ``P(wait ≤ t) = 1 − C·exp(−(N − A)·t / AHT)``, average speed of
  answer ``ASA = C·AHT / (N − A)``, occupancy ``A / N``. With ``N ≤ A`` the
  queue grows without bound: :class:`InfeasibleStaffing`.
- **Erlang A** (M/M/N+M, people leave after an exponential patience of mean
  ``patience_seconds``): the birth–death chain with birth rate λ and death
  rate ``min(k, N)·μ + max(k − N, 0)·θ`` is solved in log space and truncated
  where its terms fall below e⁻⁵⁰ of the largest. The share answered within
  ``t`` follows a tagged ticket through the queue ahead of it (a pure-death
  chain: the ``i`` tickets ahead shrink at rate ``N·μ + i·θ``, the tagged
  person leaves at rate θ), computed by uniformisation in slices so that
  ``exp(−Λ·Δt)`` never underflows. See docs/hall-staffing.md.

Times are seconds, rates per hour at the interface; every function is pure.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

SECONDS_PER_HOUR = 3600.0
# The default: 80 % of tickets called within 15 minutes.
DEFAULT_TARGET_SECONDS = 900.0
DEFAULT_TARGET_LEVEL = 0.8
# Terms of the Erlang A chain below e**-50 of the largest are dropped (≈ 2e-22).
_LOG_CUTOFF = 50.0
_MAX_CHAIN_STATES = 200_000
# Uniformisation slices keep Λ·Δt at or below this (exp(-50) is far from underflow).
_SLICE_RATE_TIME = 50.0
_POISSON_TAIL = 1e-14
# Float slack when a ratio that should be an integer (14 / 0.7) comes out as 20.000000000000004.
_EPSILON = 1e-9

MODEL_ERLANG_C = "erlang_c"
MODEL_ERLANG_A = "erlang_a"


class StaffingInputError(ValueError):
    """An input out of range; the message is Chinese with English in parentheses."""


class InfeasibleStaffing(StaffingInputError):
    """N ≤ A under Erlang C: nobody leaves, so the queue grows without bound."""

    def __init__(self, agents: int, offered_load: float) -> None:
        self.agents = agents
        self.offered_load = offered_load
        super().__init__(
            f"窗口数 {agents} 不大于负荷 {offered_load:.3f} 爱尔兰，排队会无限增长，"
            f"至少需要 {math.floor(offered_load) + 1} 个窗口 "
            f"(infeasible: {agents} windows ≤ offered load {offered_load:.3f} Erlangs)"
        )


@dataclass(frozen=True)
class QueueMetrics:
    """What a staffing level gives: the four figures of the issue, plus abandonment.

    ``asa_seconds`` is the mean time in the queue over all arrivals (those
    served at once count 0; under Erlang A those who leave count until they
    leave). ``service_level`` is the share of all arrivals called within
    ``target_seconds`` (under Erlang A, those who leave first count as missed).
    """

    model: str
    arrivals_per_hour: float
    aht_seconds: float
    agents: int
    target_seconds: float
    offered_load: float
    wait_probability: float
    service_level: float
    asa_seconds: float
    occupancy: float
    abandonment: float = 0.0
    patience_seconds: float | None = None


@dataclass(frozen=True)
class Requirement:
    """The smallest number of windows meeting a target, and what it gives.

    ``scheduled`` is the clerks to roster once shrinkage (breaks, training,
    leave: the share of paid time not at the window) is allowed for:
    ``ceil(agents / (1 − shrinkage))``. ``binding`` names the constraint that
    set ``agents``: ``service_level``, ``occupancy`` or ``none`` (no arrivals).
    """

    agents: int
    scheduled: int
    shrinkage: float
    target_level: float
    max_occupancy: float
    binding: str
    metrics: QueueMetrics


def offered_load(arrivals_per_hour: float, aht_seconds: float) -> float:
    """A = λ · AHT in Erlangs."""
    _check_rate(arrivals_per_hour, aht_seconds)
    return arrivals_per_hour * aht_seconds / SECONDS_PER_HOUR


def erlang_b(servers: int, load: float) -> float:
    """Blocking probability of M/M/N/N by the stable recursion (no factorials)."""
    _check_agents(servers)
    if not math.isfinite(load) or load < 0:
        raise StaffingInputError(f"负荷应为非负数，而不是 {load} (load must be ≥ 0)")
    blocking = 1.0
    for n in range(1, servers + 1):
        blocking = load * blocking / (n + load * blocking)
    return blocking


def erlang_c(servers: int, load: float) -> float:
    """Probability of waiting at all, C(N, A), for N > A (N ≤ A raises)."""
    if load == 0:
        _check_agents(servers)
        return 0.0
    if servers <= load:
        raise InfeasibleStaffing(servers, load)
    blocking = erlang_b(servers, load)
    return servers * blocking / (servers - load * (1.0 - blocking))


def erlang_c_metrics(
    arrivals_per_hour: float,
    aht_seconds: float,
    agents: int,
    target_seconds: float = DEFAULT_TARGET_SECONDS,
) -> QueueMetrics:
    """Erlang C figures for ``agents`` windows (raises :class:`InfeasibleStaffing`)."""
    load = offered_load(arrivals_per_hour, aht_seconds)
    _check_agents(agents)
    _check_target_seconds(target_seconds)
    if load == 0:
        return QueueMetrics(MODEL_ERLANG_C, arrivals_per_hour, aht_seconds, agents,
                            target_seconds, 0.0, 0.0, 1.0, 0.0, 0.0)
    wait = erlang_c(agents, load)
    spare = agents - load
    return QueueMetrics(
        model=MODEL_ERLANG_C,
        arrivals_per_hour=arrivals_per_hour,
        aht_seconds=aht_seconds,
        agents=agents,
        target_seconds=target_seconds,
        offered_load=load,
        wait_probability=wait,
        service_level=1.0 - wait * math.exp(-spare * target_seconds / aht_seconds),
        asa_seconds=wait * aht_seconds / spare,
        occupancy=load / agents,
    )


def erlang_a_metrics(
    arrivals_per_hour: float,
    aht_seconds: float,
    agents: int,
    patience_seconds: float,
    target_seconds: float = DEFAULT_TARGET_SECONDS,
) -> QueueMetrics:
    """Erlang A (M/M/N+M) figures: people leave after exponential patience.

    Feasible for any N ≥ 1 (also N ≤ A: those who leave keep the queue
    finite). ``patience_seconds = inf`` gives Erlang C.
    """
    load = offered_load(arrivals_per_hour, aht_seconds)
    _check_agents(agents)
    _check_target_seconds(target_seconds)
    if math.isnan(patience_seconds) or patience_seconds <= 0:
        raise StaffingInputError(f"平均耐心时长应为正数，而不是 {patience_seconds} "
                                 "(patience must be > 0 seconds)")
    if math.isinf(patience_seconds):
        return erlang_c_metrics(arrivals_per_hour, aht_seconds, agents, target_seconds)
    if load == 0:
        return QueueMetrics(MODEL_ERLANG_A, arrivals_per_hour, aht_seconds, agents,
                            target_seconds, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, patience_seconds)
    if agents == 0:
        # Nobody is ever called: everyone waits until they leave.
        return QueueMetrics(MODEL_ERLANG_A, arrivals_per_hour, aht_seconds, agents,
                            target_seconds, load, 1.0, 0.0, patience_seconds, 0.0, 1.0,
                            patience_seconds)
    arrival = arrivals_per_hour / SECONDS_PER_HOUR
    service = 1.0 / aht_seconds
    leave = 1.0 / patience_seconds
    probabilities = _erlang_a_stationary(arrival, service, leave, agents)
    # Sums of the normalised distribution may overshoot 1 by a few ulps: clamp.
    wait_probability = min(1.0, math.fsum(probabilities[agents:]))
    queue_length = math.fsum(j * p for j, p in enumerate(probabilities[agents:]))
    busy = min(float(agents), math.fsum(min(k, agents) * p for k, p in enumerate(probabilities)))
    answered = _answered_within(probabilities[agents:], agents * service, leave, target_seconds)
    return QueueMetrics(
        model=MODEL_ERLANG_A,
        arrivals_per_hour=arrivals_per_hour,
        aht_seconds=aht_seconds,
        agents=agents,
        target_seconds=target_seconds,
        offered_load=load,
        wait_probability=wait_probability,
        service_level=min(1.0, (1.0 - wait_probability) + answered),
        asa_seconds=queue_length / arrival,
        occupancy=busy / agents,
        abandonment=min(1.0, leave * queue_length / arrival),
        patience_seconds=patience_seconds,
    )


def queue_metrics(
    arrivals_per_hour: float,
    aht_seconds: float,
    agents: int,
    target_seconds: float = DEFAULT_TARGET_SECONDS,
    patience_seconds: float | None = None,
) -> QueueMetrics:
    """Erlang C, or Erlang A when a finite patience is given."""
    if patience_seconds is None or math.isinf(patience_seconds):
        return erlang_c_metrics(arrivals_per_hour, aht_seconds, agents, target_seconds)
    return erlang_a_metrics(arrivals_per_hour, aht_seconds, agents, patience_seconds,
                            target_seconds)


def required_agents(
    arrivals_per_hour: float,
    aht_seconds: float,
    *,
    target_seconds: float = DEFAULT_TARGET_SECONDS,
    target_level: float = DEFAULT_TARGET_LEVEL,
    max_occupancy: float = 1.0,
    shrinkage: float = 0.0,
    patience_seconds: float | None = None,
) -> Requirement:
    """The fewest windows with service level ≥ ``target_level`` and occupancy ≤ the cap.

    Erlang C by default; Erlang A when ``patience_seconds`` is given (then
    fewer windows may do, because some people leave — a plan that relies on
    that should say so).
    """
    load = offered_load(arrivals_per_hour, aht_seconds)
    _check_target_seconds(target_seconds)
    if not 0 < target_level < 1:
        raise StaffingInputError(f"服务水平目标应在 0 和 1 之间，而不是 {target_level} "
                                 "(target level must be in (0, 1))")
    if not 0 < max_occupancy <= 1:
        raise StaffingInputError(f"占用率上限应在 (0, 1] 内，而不是 {max_occupancy} "
                                 "(max occupancy must be in (0, 1])")
    if not 0 <= shrinkage < 1:
        raise StaffingInputError(f"损耗率应在 [0, 1) 内，而不是 {shrinkage} "
                                 "(shrinkage must be in [0, 1))")

    def measure(agents: int) -> QueueMetrics:
        return queue_metrics(arrivals_per_hour, aht_seconds, agents, target_seconds,
                             patience_seconds)

    if load == 0:
        return Requirement(0, 0, shrinkage, target_level, max_occupancy, "none", measure(0))
    if patience_seconds is None or math.isinf(patience_seconds):
        for_level = math.floor(load) + 1
        while measure(for_level).service_level < target_level:
            for_level += 1
    else:
        for_level = _erlang_a_search(measure, target_level, math.floor(load) + 1)
    for_occupancy = max(1, math.ceil(load / max_occupancy - _EPSILON))
    agents = max(for_level, for_occupancy)
    binding = "occupancy" if for_occupancy > for_level else "service_level"
    metrics = measure(agents)
    scheduled = math.ceil(agents / (1.0 - shrinkage) - _EPSILON)
    return Requirement(agents, scheduled, shrinkage, target_level, max_occupancy, binding,
                       metrics)


@dataclass(frozen=True)
class PoolingComparison:
    """Windows for categories apart (专业窗口) vs pooled into any-matter windows (综合窗口)."""

    separate_agents: int
    pooled_agents: int
    pooled_arrivals_per_hour: float
    pooled_aht_seconds: float

    @property
    def saved_agents(self) -> int:
        return self.separate_agents - self.pooled_agents


def compare_pooling(
    streams: Sequence[tuple[float, float]],
    *,
    target_seconds: float = DEFAULT_TARGET_SECONDS,
    target_level: float = DEFAULT_TARGET_LEVEL,
    max_occupancy: float = 1.0,
) -> PoolingComparison:
    """``streams`` are (arrivals per hour, AHT seconds) per category.

    The pooled stream is the sum of the arrivals with the arrival-weighted
    mean AHT (every clerk at an any-matter window handles every category as
    fast as a specialist: the optimistic side of pooling, said in the docs).
    """
    separate = sum(
        required_agents(rate, aht, target_seconds=target_seconds, target_level=target_level,
                        max_occupancy=max_occupancy).agents
        for rate, aht in streams
    )
    total = math.fsum(rate for rate, _ in streams)
    if total == 0:
        return PoolingComparison(separate, 0, 0.0, 0.0)
    mean_aht = math.fsum(rate * aht for rate, aht in streams) / total
    pooled = required_agents(total, mean_aht, target_seconds=target_seconds,
                             target_level=target_level, max_occupancy=max_occupancy).agents
    return PoolingComparison(separate, pooled, total, mean_aht)


# --- Erlang A internals -------------------------------------------------------------


def _erlang_a_stationary(arrival: float, service: float, leave: float,
                         agents: int) -> list[float]:
    """π_k of the M/M/N+M chain, computed in log space and truncated."""
    log_arrival = math.log(arrival)
    logs = [0.0]
    highest = 0.0
    k = 0
    while True:
        k += 1
        death = min(k, agents) * service + max(k - agents, 0) * leave
        value = logs[-1] + log_arrival - math.log(death)
        logs.append(value)
        highest = max(highest, value)
        # Once deaths outpace births every later term is smaller still.
        if k > agents and death > arrival and value < highest - _LOG_CUTOFF:
            break
        if k > _MAX_CHAIN_STATES:
            raise StaffingInputError(
                "耐心时长相对负荷过长，排队人数过多，请改用 Erlang C 或增加窗口 "
                "(patience too long for the load: the queue exceeds 200,000 people)")
    total = highest + math.log(math.fsum(math.exp(v - highest) for v in logs))
    return [math.exp(v - total) for v in logs]


def _answered_within(queue_probabilities: Sequence[float], full_service: float,
                     leave: float, target_seconds: float) -> float:
    """P(arrive to find j ≥ 0 waiting, then be called within t before leaving).

    State i = tickets still ahead of the tagged one; ``i → i−1`` at rate
    ``N·μ + i·θ`` (a call or someone ahead leaving), ``0 → called`` at ``N·μ``,
    and the tagged person leaves at θ from any state. Uniformisation with the
    largest total rate Λ, in slices with Λ·Δt ≤ 50.
    """
    mass = list(queue_probabilities)
    called = 0.0
    if target_seconds == 0 or not mass:
        return 0.0
    top = len(mass) - 1
    uniform = full_service + top * leave + leave
    moves_down = [(full_service + i * leave) / uniform for i in range(len(mass))]
    stays = [1.0 - (full_service + i * leave + leave) / uniform for i in range(len(mass))]
    slices = max(1, math.ceil(uniform * target_seconds / _SLICE_RATE_TIME))
    rate_time = uniform * target_seconds / slices
    for _ in range(slices):
        weight = math.exp(-rate_time)
        cumulative = weight
        state = mass
        state_called = 0.0
        mixed = [weight * p for p in state]
        mixed_called = 0.0
        n = 0
        while 1.0 - cumulative > _POISSON_TAIL:
            n += 1
            step = [stays[i] * state[i] + (moves_down[i + 1] * state[i + 1] if i < top else 0.0)
                    for i in range(len(state))]
            state_called += moves_down[0] * state[0]
            state = step
            weight *= rate_time / n
            cumulative += weight
            for i, p in enumerate(state):
                mixed[i] += weight * p
            mixed_called += weight * state_called
            if n > 100_000:  # pragma: no cover - Λ·Δt ≤ 50 needs about 130 terms
                break
        mass = mixed
        called += mixed_called
        if math.fsum(mass) < _POISSON_TAIL:  # everyone left or was called: nothing changes
            break
    return called


def _erlang_a_search(measure: Callable[[int], QueueMetrics], target_level: float,
                     start: int) -> int:
    """Smallest N with the target met under Erlang A (service level rises with N)."""
    high = start
    while measure(high).service_level < target_level:
        high += 1
    low = 0  # nobody called: service level 0
    while high - low > 1:
        middle = (low + high) // 2
        if measure(middle).service_level >= target_level:
            high = middle
        else:
            low = middle
    return high


# --- input checks -------------------------------------------------------------------


def _check_rate(arrivals_per_hour: float, aht_seconds: float) -> None:
    if not math.isfinite(arrivals_per_hour) or arrivals_per_hour < 0:
        raise StaffingInputError(f"每小时到达人数应为非负数，而不是 {arrivals_per_hour} "
                                 "(arrivals per hour must be ≥ 0)")
    if not math.isfinite(aht_seconds) or aht_seconds <= 0:
        raise StaffingInputError(f"平均办理时长应为正数，而不是 {aht_seconds} "
                                 "(AHT must be > 0 seconds)")


def _check_agents(agents: int) -> None:
    if isinstance(agents, bool) or not isinstance(agents, int) or agents < 0:
        raise StaffingInputError(f"窗口数应为非负整数，而不是 {agents!r} "
                                 "(agents must be a whole number ≥ 0)")


def _check_target_seconds(target_seconds: float) -> None:
    if not math.isfinite(target_seconds) or target_seconds < 0:
        raise StaffingInputError(f"目标等候时长应为非负数，而不是 {target_seconds} "
                                 "(target seconds must be ≥ 0)")
