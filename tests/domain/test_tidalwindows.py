"""Which any-matter windows switch to which category in which hours."""

from __future__ import annotations

from onething.domain.tidalwindows import HallWindow, Switch, plan_switches

WINDOWS = [
    HallWindow(11, 1, frozenset("A"), True),
    HallWindow(12, 2, frozenset("A"), True),
    HallWindow(13, 3, frozenset("AG"), True),
    HallWindow(16, 6, frozenset("B"), False),  # a specialist window never switches
]


def test_spare_any_matter_windows_go_to_the_short_category_and_spans_merge():
    needs = {
        9: {"A": 1, "B": 2, "G": 2},
        10: {"A": 1, "B": 2, "G": 2},
        11: {"A": 3, "B": 1, "G": 1},
    }
    assert plan_switches(needs, WINDOWS) == [
        # 9–11: A needs 1 of its 3 windows; window 1 is spare first and B is short by 1
        # (tie with G broken by the key), window 2 goes to G.
        Switch(11, 1, "B", 9, 11),
        Switch(12, 2, "G", 9, 11),
    ]


def test_a_window_keeps_its_switch_while_the_category_stays_short():
    needs = {9: {"A": 1, "G": 2}, 10: {"A": 1, "B": 2, "G": 2}}
    # At 10 B is short too and would win the tie, but window 1 stays on G.
    assert plan_switches(needs, WINDOWS, arrivals={10: {"B": 1.0, "G": 9.0}}) == [
        Switch(11, 1, "G", 9, 11),
        Switch(12, 2, "B", 10, 11),
    ]


def test_no_switch_when_nothing_is_short_or_nothing_is_spare():
    assert plan_switches({9: {"A": 3, "B": 1, "G": 1}}, WINDOWS) == []
    assert plan_switches({9: {"A": 3, "B": 4}}, WINDOWS) == []
