"""Calling order, people ahead, estimated wait and the little formats of queue tickets."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from onething.domain.tickets import (
    OrderPolicy,
    PriorityClass,
    Waiting,
    announcement,
    average_handling_seconds,
    check_in_class,
    estimated_wait_seconds,
    mask_name,
    next_ticket,
    people_ahead,
    priority_streak,
    ticket_code,
)

T0 = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
G, W, A = PriorityClass.ELDERLY, PriorityClass.WALK_IN, PriorityClass.APPOINTMENT


def at(minutes: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def test_codes_masks_and_announcements():
    assert [ticket_code("A", n) for n in (1, 12, 999, 1000)] == ["A001", "A012", "A999", "A1000"]
    with pytest.raises(ValueError):
        ticket_code("A", 0)
    assert [mask_name(n) for n in ("张三", "欧阳娜娜", "李", " 王 五 ", "")] == \
        ["张*", "欧***", "李*", "王*", ""]
    assert announcement("A012", 3) == "请A012号到3号窗口"


def test_priority_first_oldest_first():
    waiting = [Waiting(1, W, at(0)), Waiting(2, G, at(5)), Waiting(3, A, at(3))]
    assert next_ticket(waiting, priority_streak=0, now=at(6)).id == 3
    assert next_ticket([Waiting(1, W, at(0)), Waiting(4, W, at(0))], priority_streak=9,
                       now=at(1)).id == 1
    assert next_ticket([], priority_streak=0, now=at(0)) is None


def test_overdue_walk_in_after_a_run_of_priority_calls():
    policy = OrderPolicy(priority_run=2, walk_in_bound=dt.timedelta(minutes=10))
    waiting = [Waiting(1, W, at(0)), Waiting(2, G, at(1))]
    # Not yet overdue: priority keeps going whatever the streak.
    assert next_ticket(waiting, priority_streak=5, now=at(9), policy=policy).id == 2
    # Overdue, but the run is short: priority.
    assert next_ticket(waiting, priority_streak=1, now=at(10), policy=policy).id == 2
    # Overdue after a run of 2: the walk-in.
    assert next_ticket(waiting, priority_streak=2, now=at(10), policy=policy).id == 1


def simulate(arrivals: list[tuple[float, PriorityClass]], policy: OrderPolicy,
             every: float) -> list[tuple[int, float]]:
    """Call one ticket every ``every`` minutes; returns (id, call time) in call order."""
    pending = [Waiting(i, p, at(t)) for i, (t, p) in enumerate(arrivals)]
    calls: list[tuple[int, float]] = []
    classes: list[PriorityClass] = []
    clock = 0.0
    while pending:
        present = [w for w in pending if w.taken_at <= at(clock)]
        chosen = next_ticket(present, priority_streak=priority_streak(classes), now=at(clock),
                             policy=policy)
        if chosen is not None:
            pending.remove(chosen)
            calls.append((chosen.id, clock))
            classes.append(chosen.priority)
        clock += every
    return calls


def test_exact_sequence():
    policy = OrderPolicy(priority_run=2, walk_in_bound=dt.timedelta(minutes=4))
    # Walk-ins 0 and 1 at 0; priority tickets keep arriving, one a minute.
    arrivals = [(0, W), (0, W)] + [(m, G) for m in range(0, 8)]
    calls = simulate(arrivals, policy, every=1)
    assert [i for i, _ in calls] == [2, 3, 4, 5, 0, 6, 7, 1, 8, 9]


@settings(max_examples=150, deadline=None)
@given(run=st.integers(1, 4), bound=st.integers(0, 15),
       walk_ins=st.lists(st.integers(0, 60), max_size=6),
       priority_gap=st.sampled_from([0.5, 1.0]))
def test_no_walk_in_starves(run, bound, walk_ins, priority_gap):
    """Priority tickets keep coming faster than calls; every walk-in is called within
    its bound plus run + 1 calls per walk-in ahead of it, and once a walk-in is overdue
    a walk-in is called within run + 1 calls."""
    policy = OrderPolicy(priority_run=run, walk_in_bound=dt.timedelta(minutes=bound))
    horizon = 60 + (bound + 10) * (run + 1) * (len(walk_ins) + 1)
    arrivals = [(t, W) for t in sorted(walk_ins)]
    arrivals += [(k * priority_gap, G) for k in range(int(horizon / priority_gap))]
    calls = simulate(arrivals, policy, every=1)
    order = {i: n for n, (i, _) in enumerate(calls)}
    walk_in_calls = sorted(order[i] for i in range(len(walk_ins)))
    for k, (arrived, _) in enumerate(arrivals[:len(walk_ins)]):
        called_at = calls[order[k]][1]
        assert called_at - arrived <= bound + (run + 1) * (k + 1), (k, arrived, called_at)
    # Between an overdue walk-in and the next walk-in call: at most run priority calls.
    for n, (_i, t) in enumerate(calls):
        overdue = [j for j in range(len(walk_ins))
                   if order[j] > n and t - arrivals[j][0] >= bound]
        if overdue:
            assert any(n <= c <= n + run for c in walk_in_calls)


def test_people_ahead():
    waiting = [Waiting(1, W, at(0)), Waiting(2, G, at(5)), Waiting(3, W, at(2)),
               Waiting(4, A, at(6))]
    assert [people_ahead(w, waiting) for w in waiting] == [2, 0, 3, 1]


def test_check_in_window():
    slot = at(60)
    assert check_in_class(slot, at(29)) is None
    assert check_in_class(slot, at(30)) is A
    assert check_in_class(slot, at(75)) is A
    assert check_in_class(slot, at(75.01)) is W


def test_estimated_wait_exact():
    assert average_handling_seconds([240, 360, 0]) == 300
    assert average_handling_seconds([]) == 300
    # 5 ahead, 2 windows busy, 300 s each: (5 + 1) × 300 / 2 = 900 s.
    assert estimated_wait_seconds(5, windows=2, handling_seconds=300) == 900
    # 250 s → rounded up to 5 minutes.
    assert estimated_wait_seconds(0, windows=2, handling_seconds=500) == 300
    assert estimated_wait_seconds(1, windows=3, idle_windows=2, handling_seconds=300) == 0
    assert estimated_wait_seconds(4, windows=3, idle_windows=1, handling_seconds=300) == 420
    assert estimated_wait_seconds(3, windows=0, handling_seconds=300) is None
