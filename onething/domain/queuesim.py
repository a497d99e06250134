"""A discrete-event simulation of one queue at the hall (simpy), to check a staffing plan.

The formulas of :mod:`onething.domain.staffing` assume a steady state:
constant arrivals, exponential service, an hour that does not inherit the
previous hour's queue. A day in the hall is none of these, so the plan is
replayed here:

- arrivals are a non-homogeneous Poisson process with a rate per period (an
  hour), drawn by thinning (Lewis & Shedler): candidates at the highest rate,
  each kept with probability ``rate(t) / max rate``;
- service times come from the hall's own history (:class:`EmpiricalService`,
  resampled) or a fitted :class:`LognormalService` / :class:`ExponentialService`;
- optional exponential patience: a person whose patience runs out before the
  call leaves (counted as abandoned, their wait = their patience);
- each window position works the periods the plan gives it; at the end of its
  shift a clerk finishes the ticket in hand; tickets taken before closing are
  all served by the clerks of the last period (or one clerk when it has none).

Everything is seeded (``random.Random(seed)``): the same inputs give the same
figures. Figures are reported per period of arrival.
"""

from __future__ import annotations

import itertools
import math
import random
import statistics
from collections.abc import Generator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import simpy

SECONDS_PER_HOUR = 3600.0


class ServiceTimes(Protocol):
    """A distribution of handling times in seconds."""

    @property
    def mean(self) -> float: ...

    def sample(self, rng: random.Random) -> float: ...


@dataclass(frozen=True)
class ExponentialService:
    mean: float

    def sample(self, rng: random.Random) -> float:
        return rng.expovariate(1.0 / self.mean)


@dataclass(frozen=True)
class LognormalService:
    """ln(X) ~ Normal(mu, sigma); fitted by the mean and deviation of the logs."""

    mu: float
    sigma: float

    @classmethod
    def fit(cls, samples: Sequence[float]) -> LognormalService:
        logs = [math.log(x) for x in samples if x > 0]
        if len(logs) < 2:
            raise ValueError("至少需要两个正的办理时长才能拟合 (need ≥ 2 positive samples)")
        return cls(statistics.fmean(logs), statistics.stdev(logs))

    @property
    def mean(self) -> float:
        return math.exp(self.mu + self.sigma**2 / 2)

    def sample(self, rng: random.Random) -> float:
        return rng.lognormvariate(self.mu, self.sigma)


@dataclass(frozen=True)
class EmpiricalService:
    """Observed handling times, resampled with replacement."""

    samples: tuple[float, ...]

    def __post_init__(self) -> None:
        if not self.samples:
            raise ValueError("没有办理时长样本 (no service-time samples)")

    @property
    def mean(self) -> float:
        return statistics.fmean(self.samples)

    def sample(self, rng: random.Random) -> float:
        return self.samples[rng.randrange(len(self.samples))]


@dataclass(frozen=True)
class Period:
    """A slice of the day (normally an hour, seconds from midnight) with its rate and windows."""

    start: float
    end: float
    arrivals_per_hour: float
    agents: int


@dataclass
class PeriodOutcome:
    """Figures for the tickets taken in one period (``busy_seconds``: clerk time in it)."""

    start: float
    end: float
    agents: int
    arrivals: int = 0
    answered: int = 0
    answered_within_target: int = 0
    abandoned: int = 0
    wait_seconds: float = 0.0
    busy_seconds: float = 0.0
    staffed_seconds: float = 0.0

    @property
    def service_level(self) -> float:
        """Share of arrivals called within the target (1 when nobody came)."""
        return self.answered_within_target / self.arrivals if self.arrivals else 1.0

    @property
    def asa_seconds(self) -> float:
        """Mean time in the queue over all arrivals (as in :class:`QueueMetrics`)."""
        return self.wait_seconds / self.arrivals if self.arrivals else 0.0

    @property
    def occupancy(self) -> float:
        return self.busy_seconds / self.staffed_seconds if self.staffed_seconds else 0.0

    @property
    def abandonment(self) -> float:
        return self.abandoned / self.arrivals if self.arrivals else 0.0

    def add(self, other: PeriodOutcome) -> PeriodOutcome:
        return PeriodOutcome(
            start=min(self.start, other.start),
            end=max(self.end, other.end),
            agents=max(self.agents, other.agents),
            arrivals=self.arrivals + other.arrivals,
            answered=self.answered + other.answered,
            answered_within_target=self.answered_within_target + other.answered_within_target,
            abandoned=self.abandoned + other.abandoned,
            wait_seconds=self.wait_seconds + other.wait_seconds,
            busy_seconds=self.busy_seconds + other.busy_seconds,
            staffed_seconds=self.staffed_seconds + other.staffed_seconds,
        )


@dataclass(frozen=True)
class Visit:
    """One simulated ticket: when it was taken, called (or left), and how long it took."""

    period: int
    taken: float
    called: float | None
    left: float | None
    service_seconds: float


@dataclass(frozen=True)
class SimulationResult:
    periods: tuple[PeriodOutcome, ...]
    visits: tuple[Visit, ...] = field(repr=False)

    def total(self, first: int = 0, last: int | None = None) -> PeriodOutcome:
        """The periods ``first`` to ``last`` (exclusive) summed."""
        chosen = self.periods[first:last]
        combined = chosen[0]
        for outcome in chosen[1:]:
            combined = combined.add(outcome)
        return combined


@dataclass
class _Ticket:
    period: int
    taken: float
    deadline: float
    service_seconds: float


def simulate(
    periods: Sequence[Period],
    service: ServiceTimes,
    *,
    seed: int,
    target_seconds: float,
    patience_seconds: float | None = None,
) -> SimulationResult:
    """Replay a staffing plan; see the module docstring for the model."""
    _check_periods(periods)
    rng = random.Random(seed)
    tickets = _arrivals(periods, service, rng, patience_seconds)
    outcomes = [PeriodOutcome(p.start, p.end, p.agents,
                              staffed_seconds=p.agents * (p.end - p.start)) for p in periods]
    visits: list[Visit] = []
    env = simpy.Environment(initial_time=periods[0].start)
    queue: simpy.Store = simpy.Store(env)
    close = periods[-1].end
    shifts = _shifts(periods)
    closers = sum(1 for intervals in shifts if intervals and intervals[-1][1] == close) or 1
    if not any(intervals and intervals[-1][1] == close for intervals in shifts):
        shifts.append([(close, close)])

    def arrive() -> Generator[Any, Any, None]:
        for ticket in tickets:
            yield env.timeout(ticket.taken - env.now)
            outcomes[ticket.period].arrivals += 1
            queue.put(ticket)
        if env.now < close:
            yield env.timeout(close - env.now)
        for _ in range(closers):
            queue.put(None)  # after every ticket: the closing clerks go home

    def clerk(intervals: list[tuple[float, float]]) -> Generator[Any, Any, None]:
        for start, end in intervals:
            closing = end == close
            if env.now < start:
                yield env.timeout(start - env.now)
            while closing or env.now < end:
                request = queue.get()
                if closing:
                    yield request
                else:
                    yield request | env.timeout(end - env.now)
                    if not request.triggered:
                        request.cancel()
                        break
                ticket = request.value
                if ticket is None:
                    return
                outcome = outcomes[ticket.period]
                if ticket.deadline < env.now:
                    outcome.abandoned += 1
                    outcome.wait_seconds += ticket.deadline - ticket.taken
                    visits.append(Visit(ticket.period, ticket.taken, None, ticket.deadline,
                                        ticket.service_seconds))
                    continue
                waited = env.now - ticket.taken
                outcome.answered += 1
                outcome.wait_seconds += waited
                if waited <= target_seconds:
                    outcome.answered_within_target += 1
                visits.append(Visit(ticket.period, ticket.taken, env.now, None,
                                    ticket.service_seconds))
                began = env.now
                yield env.timeout(ticket.service_seconds)
                _spread_busy(outcomes, began, env.now)

    env.process(arrive())
    for intervals in shifts:
        if intervals:
            env.process(clerk(intervals))
    env.run()
    return SimulationResult(tuple(outcomes), tuple(visits))


def _arrivals(periods: Sequence[Period], service: ServiceTimes, rng: random.Random,
              patience_seconds: float | None) -> list[_Ticket]:
    highest = max(p.arrivals_per_hour for p in periods)
    tickets: list[_Ticket] = []
    if highest <= 0:
        return tickets
    rate = highest / SECONDS_PER_HOUR
    now = periods[0].start
    index = 0
    while True:
        now += rng.expovariate(rate)
        while index < len(periods) and now >= periods[index].end:
            index += 1
        if index == len(periods):
            return tickets
        keep = rng.random() < periods[index].arrivals_per_hour / highest
        if not keep:
            continue
        patience = (math.inf if patience_seconds is None
                    else rng.expovariate(1.0 / patience_seconds))
        tickets.append(_Ticket(index, now, now + patience, service.sample(rng)))


def _shifts(periods: Sequence[Period]) -> list[list[tuple[float, float]]]:
    """Window position p works every period with more than p windows (merged intervals)."""
    positions = max(p.agents for p in periods)
    shifts: list[list[tuple[float, float]]] = []
    for position in range(positions):
        intervals: list[tuple[float, float]] = []
        for period in periods:
            if period.agents > position:
                if intervals and intervals[-1][1] == period.start:
                    intervals[-1] = (intervals[-1][0], period.end)
                else:
                    intervals.append((period.start, period.end))
        shifts.append(intervals)
    return shifts


def _spread_busy(outcomes: list[PeriodOutcome], began: float, ended: float) -> None:
    for outcome in outcomes:
        overlap = min(ended, outcome.end) - max(began, outcome.start)
        if overlap > 0:
            outcome.busy_seconds += overlap
    if ended > outcomes[-1].end:  # finishing after closing counts to the last period
        outcomes[-1].busy_seconds += ended - max(began, outcomes[-1].end)


def _check_periods(periods: Sequence[Period]) -> None:
    if not periods:
        raise ValueError("至少需要一个时段 (at least one period)")
    for before, after in itertools.pairwise(periods):
        if after.start != before.end:
            raise ValueError("时段须首尾相接 (periods must be contiguous)")
    for period in periods:
        if period.end <= period.start or period.arrivals_per_hour < 0 or period.agents < 0:
            raise ValueError(f"时段无效 (invalid period) {period}")
