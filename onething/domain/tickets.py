"""Queue tickets (号票) of a service hall: vocabularies, calling order, people ahead and
the estimated wait. Plain Python, typed (mypy --strict); the hall app stores tickets
and calls these rules (onething/hall/tickets.py).

Calling order (叫号顺序) at a window, among the waiting tickets of the categories it serves:

* priority classes (绿色通道 for the elderly, the disabled and pregnant women; checked-in
  appointments) are called before walk-ins (普通), oldest first;
* so that no walk-in starves while priority tickets keep coming, once ``priority_run``
  priority tickets have been called in a row and the oldest walk-in has waited at least
  ``walk_in_bound``, that walk-in is called next. Whenever an overdue walk-in waits, a
  walk-in is called within ``priority_run + 1`` calls;
* a ticket transferred to another window or category keeps its original arrival time,
  so it is not sent to the back of the queue.

Estimated wait (预计等待): with ``windows`` windows serving the category, all busy, and
service times with mean ``aht`` (average handling time of the category's recent
tickets), a window frees up on average every ``aht / windows`` seconds (the minimum of
``windows`` exponential service times); someone with ``n`` people ahead waits for
``n + 1`` such departures: ``(n + 1) · aht / windows``, less the windows idle right now
(each idle window takes one person ahead at once). This is the M/M/c waiting time of a
person who found everyone busy — the Erlang C model onething/domain/staffing.py uses
for planning — given the queue as it is rather than its long-run average.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum


class Channel(StrEnum):
    KIOSK = "kiosk"  # 自助取号机
    PHONE = "phone"  # 手机取号（门户）
    DOOR = "door"  # 导办台打印（工作人员）


CHANNEL_LABELS: dict[str, str] = {
    Channel.KIOSK: "自助取号机",
    Channel.PHONE: "手机取号",
    Channel.DOOR: "导办台取号",
}


class PriorityClass(StrEnum):
    ELDERLY = "elderly"  # 老年人
    DISABLED = "disabled"  # 残疾人
    PREGNANT = "pregnant"  # 孕妇
    APPOINTMENT = "appointment"  # 已签到的预约 (the appointments slice checks in)
    WALK_IN = "walk_in"  # 普通（现场）


PRIORITY_LABELS: dict[str, str] = {
    PriorityClass.ELDERLY: "绿色通道（老年人）",
    PriorityClass.DISABLED: "绿色通道（残疾人）",
    PriorityClass.PREGNANT: "绿色通道（孕妇）",
    PriorityClass.APPOINTMENT: "预约",
    PriorityClass.WALK_IN: "普通",
}

# Classes a person may choose when taking a ticket (appointments come from check-in).
GREEN_CHANNEL = (PriorityClass.ELDERLY, PriorityClass.DISABLED, PriorityClass.PREGNANT)


def is_priority(priority: PriorityClass | str) -> bool:
    return PriorityClass(priority) is not PriorityClass.WALK_IN


class TicketStatus(StrEnum):
    WAITING = "waiting"  # 等候中
    CALLED = "called"  # 已叫号
    SERVING = "serving"  # 办理中
    DONE = "done"  # 已办结
    NO_SHOW = "no_show"  # 过号
    TRANSFERRED = "transferred"  # 已转移（a new waiting ticket carries on）
    LEFT = "left"  # 已离开（放弃）


STATUS_LABELS: dict[str, str] = {
    TicketStatus.WAITING: "等候中",
    TicketStatus.CALLED: "已叫号",
    TicketStatus.SERVING: "办理中",
    TicketStatus.DONE: "已办结",
    TicketStatus.NO_SHOW: "过号",
    TicketStatus.TRANSFERRED: "已转移",
    TicketStatus.LEFT: "已离开",
}

# A window holds at most one ticket in these states.
AT_WINDOW = (TicketStatus.CALLED, TicketStatus.SERVING)
# Calls before a ticket is marked no-show: the first call and two recalls (叫号两次未到即过号).
MAX_CALLS = 3


def ticket_code(letter: str, number: int) -> str:
    """A012: the category's letter and the day's number, three digits at least."""
    if number < 1:
        raise ValueError(f"ticket numbers start at 1, not {number}")
    return f"{letter}{number:03d}"


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧***: the surname's first character, then one star each."""
    name = "".join(name.split())
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)


def announcement(code: str, window_number: int) -> str:
    """What the call screen says aloud: 请A012号到3号窗口."""
    return f"请{code}号到{window_number}号窗口"


# -- calling order -----------------------------------------------------------------------


@dataclass(frozen=True)
class OrderPolicy:
    """``priority_run`` priority calls in a row, then a walk-in who has waited at least
    ``walk_in_bound`` goes next."""

    priority_run: int = 3
    walk_in_bound: dt.timedelta = dt.timedelta(minutes=20)

    def __post_init__(self) -> None:
        if self.priority_run < 1:
            raise ValueError("priority_run must be at least 1")
        if self.walk_in_bound < dt.timedelta(0):
            raise ValueError("walk_in_bound must not be negative")


@dataclass(frozen=True)
class Waiting:
    """A waiting ticket as the order sees it: ``taken_at`` is the original arrival."""

    id: int
    priority: PriorityClass
    taken_at: dt.datetime


def _key(ticket: Waiting) -> tuple[dt.datetime, int]:
    return ticket.taken_at, ticket.id


def next_ticket(waiting: Iterable[Waiting], *, priority_streak: int, now: dt.datetime,
                policy: OrderPolicy = OrderPolicy()) -> Waiting | None:
    """The ticket to call next, or None when nobody waits.

    ``priority_streak``: how many priority tickets were called in a row most recently
    (since the last walk-in was called) among the categories concerned.
    """
    oldest_priority: Waiting | None = None
    oldest_walk_in: Waiting | None = None
    for ticket in waiting:
        if is_priority(ticket.priority):
            if oldest_priority is None or _key(ticket) < _key(oldest_priority):
                oldest_priority = ticket
        elif oldest_walk_in is None or _key(ticket) < _key(oldest_walk_in):
            oldest_walk_in = ticket
    if oldest_priority is None or oldest_walk_in is None:
        return oldest_priority or oldest_walk_in
    overdue = now - oldest_walk_in.taken_at >= policy.walk_in_bound
    if overdue and priority_streak >= policy.priority_run:
        return oldest_walk_in
    return oldest_priority


def priority_streak(recent_calls: Sequence[PriorityClass | str]) -> int:
    """Priority calls in a row at the end of ``recent_calls`` (oldest first)."""
    streak = 0
    for priority in reversed(recent_calls):
        if not is_priority(priority):
            break
        streak += 1
    return streak


def people_ahead(ticket: Waiting, waiting: Iterable[Waiting]) -> int:
    """Waiting tickets that go before ``ticket`` in the plain order (priority classes
    first, then arrival). The walk-in bound can only move a walk-in forward, so for a
    walk-in this is an upper bound."""
    mine = (not is_priority(ticket.priority), _key(ticket))
    return sum(1 for other in waiting
               if other.id != ticket.id and (not is_priority(other.priority), _key(other)) < mine)


# -- check-in of appointments (hook for the appointments slice) ------------------------


CHECK_IN_EARLY = dt.timedelta(minutes=30)
CHECK_IN_LATE = dt.timedelta(minutes=15)


def check_in_class(slot_starts: dt.datetime, now: dt.datetime) -> PriorityClass | None:
    """The class of the ticket an appointment gets at check-in: APPOINTMENT from 30
    minutes before its slot to 15 after; later, the appointment is late and the person a
    walk-in (迟到转为普通号); earlier, None (too early to check in)."""
    if now < slot_starts - CHECK_IN_EARLY:
        return None
    if now > slot_starts + CHECK_IN_LATE:
        return PriorityClass.WALK_IN
    return PriorityClass.APPOINTMENT


# -- estimated wait ----------------------------------------------------------------------


DEFAULT_HANDLING_SECONDS = 300.0  # before a category has served anyone today


def average_handling_seconds(recent: Sequence[float],
                             default: float = DEFAULT_HANDLING_SECONDS) -> float:
    """The mean of recent handling times (办理时长), or ``default`` when there are none."""
    values = [v for v in recent if v > 0]
    return sum(values) / len(values) if values else default


def estimated_wait_seconds(ahead: int, *, windows: int, idle_windows: int = 0,
                           handling_seconds: float) -> int | None:
    """Seconds until someone with ``ahead`` people before them is called (see the module's
    note), rounded up to a whole minute; None when no window serves the category now."""
    if ahead < 0 or idle_windows < 0:
        raise ValueError("ahead and idle_windows must not be negative")
    if windows < 1:
        return None
    departures = ahead + 1 - min(idle_windows, windows)
    if departures <= 0:
        return 0
    seconds = departures * handling_seconds / windows
    return math.ceil(seconds / 60) * 60
