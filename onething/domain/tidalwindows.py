"""Which windows switch categories, and when (潮汐窗口安排): from the plan's windows per
category × hour to a few switches of the hall's any-matter windows.

Per hour, a category is *short* when the plan needs more windows for it than the hall's
windows serve it on their own. Any-matter windows (综合窗口) are the ones that may
switch: one is *spare* in an hour when every category it serves keeps enough windows
without it. Spare windows go to the shortest category first (ties: the category with
more forecast tickets, then its key), lowest window number first, and serve that
category alone for the hour; a window switched the hour before keeps its category while
that category is still short. Consecutive hours of one window on one category become one
span (09:00–11:00). Specialist windows keep their department's categories: a 人社
clerk does not take in 不动产登记 (that would need the any-matter training).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class HallWindow:
    key: int  # the window's id
    number: int
    categories: frozenset[str]  # what it serves on its own
    switchable: bool  # an active any-matter window


@dataclass(frozen=True)
class Switch:
    """``window`` serves ``category`` alone from ``first_hour`` until ``end_hour``."""

    window: int
    number: int
    category: str
    first_hour: int
    end_hour: int  # exclusive


def plan_switches(
    needs: Mapping[int, Mapping[str, int]],
    windows: Sequence[HallWindow],
    *,
    arrivals: Mapping[int, Mapping[str, float]] | None = None,
) -> list[Switch]:
    """Switches for the day; ``needs[hour][category]``: the windows the plan needs
    (a category missing from an hour needs none)."""
    arrivals = arrivals or {}
    hourly: dict[int, dict[int, str]] = {}  # hour → window key → category
    for hour in sorted(needs):
        need = needs[hour]
        have: dict[str, int] = {}
        for window in windows:
            for category in window.categories:
                have[category] = have.get(category, 0) + 1
        spare: list[HallWindow] = []
        for window in sorted(windows, key=lambda w: w.number):
            if not window.switchable:
                continue
            if all(have.get(c, 0) - 1 >= need.get(c, 0) for c in window.categories):
                for category in window.categories:
                    have[category] -= 1
                spare.append(window)
        chosen: dict[int, str] = {}
        # A window switched the hour before stays on that category while it is short, so
        # that clerks do not change queues every hour.
        previous = hourly.get(hour - 1, {})
        for window in list(spare):
            kept = previous.get(window.key)
            if kept is not None and need.get(kept, 0) > have.get(kept, 0):
                chosen[window.key] = kept
                have[kept] = have.get(kept, 0) + 1
                spare.remove(window)
        while spare:
            short = [
                (need[c] - have.get(c, 0), arrivals.get(hour, {}).get(c, 0.0), c)
                for c in need
                if need[c] > have.get(c, 0)
            ]
            if not short:
                break
            _, _, category = max(short, key=lambda s: (s[0], s[1], _reverse(s[2])))
            window = spare.pop(0)
            chosen[window.key] = category
            have[category] = have.get(category, 0) + 1
        hourly[hour] = chosen
    switches: list[Switch] = []
    for window in sorted(windows, key=lambda w: w.number):
        for hour in sorted(hourly):
            serves = hourly[hour].get(window.key)
            if serves is None:
                continue
            last = switches[-1] if switches else None
            if (
                last is not None
                and last.window == window.key
                and last.category == serves
                and last.end_hour == hour
            ):
                switches[-1] = Switch(window.key, window.number, serves, last.first_hour, hour + 1)
            else:
                switches.append(Switch(window.key, window.number, serves, hour, hour + 1))
    return switches


def _reverse(text: str) -> tuple[int, ...]:
    """Sorts keys backwards, so that ``max`` picks the first key in order on a tie."""
    return tuple(-ord(ch) for ch in text)
