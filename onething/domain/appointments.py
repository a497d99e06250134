"""Appointments (预约) at a service hall: slots, their capacities, the booking rules, the
no-show rule and the check-in classification. Plain Python, typed (mypy --strict); the
hall app stores appointments (onething/hall/appointment_services.py) and asks these
rules.

Slots (预约时段). A hall's weekly opening periods (domain.hall.Period) are cut into
slots of ``slot_minutes`` from each period's start; a slot that would run past the
period's end is dropped (a 150-minute period gives five 30-minute slots, a 100-minute
one three). Statutory holidays close the hall and a make-up working Saturday or Sunday
(调休上班) has the weekday periods: the caller gives the day's kind (domain.hall.day_kind).

Capacity (可预约名额) of a slot for a category: the windows serving the category do
``windows × slot_minutes / handling_minutes`` services in a slot, where a window serving
k categories counts 1/k for each (a window serving A and D is half an A window);
``appointment_percent`` of those (floor) are kept for appointments, the rest for
walk-ins. In a period of appointment-only service (预约服务) the whole capacity is for
appointments. Example: category A of the demo county centre has windows 1–3 and half
of 4 = 3.5 windows; at 15 minutes a service, a 30-minute slot holds 3.5 × 2 = 7
services; at 30 % that is 2 appointments (2.1 rounded down).

Booking (预约规则): not in the past, at most ``horizon_days`` local days ahead
(today counts as day 0), closing ``cutoff_minutes`` before the slot starts; one active
booking per person per category per day; the slot must have a place left.

No-shows (爽约): a no-show that makes ``no_show_limit`` within ``no_show_window_days``
days pauses booking for ``pause_days`` days from its day: with 3 in 90 days and 30
days' pause, a third no-show on 1 December (the first on or after 3 September) pauses
booking until 31 December (bookable again that day).

Check-in (签到): domain.tickets.check_in_class — from 30 minutes before the slot to 15
after, a priority ticket (APPOINTMENT); later, a walk-in (the appointment is late);
earlier, refused.
"""

from __future__ import annotations

import datetime as dt
import math
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

from onething.domain.hall import DayKind, Period, ServiceKind, periods_on
from onething.domain.tickets import CHECK_IN_EARLY, CHECK_IN_LATE, PriorityClass, check_in_class


class AppointmentStatus(StrEnum):
    BOOKED = "booked"  # 已预约
    CANCELLED = "cancelled"  # 已取消
    CHECKED_IN = "checked_in"  # 已签到（优先号）
    LATE = "late"  # 迟到，已转为普通号
    NO_SHOW = "no_show"  # 爽约


STATUS_LABELS: dict[str, str] = {
    AppointmentStatus.BOOKED: "已预约",
    AppointmentStatus.CANCELLED: "已取消",
    AppointmentStatus.CHECKED_IN: "已签到",
    AppointmentStatus.LATE: "迟到，已转为普通号",
    AppointmentStatus.NO_SHOW: "爽约",
}


class BookingChannel(StrEnum):
    PORTAL = "portal"  # 网上办事大厅（手机）
    API = "api"  # 接口
    WINDOW = "window"  # 窗口代约


CHANNEL_LABELS: dict[str, str] = {
    BookingChannel.PORTAL: "网上预约",
    BookingChannel.API: "接口预约",
    BookingChannel.WINDOW: "窗口预约",
}

# Short codes: no 0/O/1/I/L, easy to read out and to type at the kiosk.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 6


def new_code() -> str:
    """A random appointment code such as ``K7M2QX`` (31^6 ≈ 8.9e8 possibilities)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(raw: str) -> str:
    """What a person typed, as a code: spaces and dashes dropped, upper case."""
    return "".join(raw.split()).replace("-", "").upper()[:CODE_LENGTH * 2]


class BookingProblem(ValueError):
    """A booking the rules refuse; ``field`` names what it is about, ``message`` is a
    "中文 (English)" sentence."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class AppointmentPolicy:
    """A hall's appointment settings (Hall's appointment_* fields)."""

    slot_minutes: int = 30
    appointment_percent: int = 30
    horizon_days: int = 7
    cutoff_minutes: int = 60
    no_show_limit: int = 3
    no_show_window_days: int = 90
    pause_days: int = 30

    def __post_init__(self) -> None:
        if not 5 <= self.slot_minutes <= 240:
            raise ValueError("slot_minutes must be 5 to 240")
        if not 0 <= self.appointment_percent <= 100:
            raise ValueError("appointment_percent must be 0 to 100")
        if self.horizon_days < 0 or self.cutoff_minutes < 0:
            raise ValueError("horizon_days and cutoff_minutes must not be negative")
        if self.no_show_limit < 1 or self.no_show_window_days < 1 or self.pause_days < 0:
            raise ValueError("the no-show rule needs a limit and a window of at least 1")


@dataclass(frozen=True, order=True)
class Slot:
    """One bookable time of a day (local, naive times)."""

    starts: dt.time
    ends: dt.time
    service: ServiceKind = ServiceKind.REGULAR

    @property
    def label(self) -> str:
        return f"{self.starts:%H:%M}–{self.ends:%H:%M}"


def _minutes(value: dt.time) -> int:
    return value.hour * 60 + value.minute


def _time(minutes: int) -> dt.time:
    return dt.time(minutes // 60, minutes % 60)


def day_slots(periods: Iterable[Period], day: dt.date, *, slot_minutes: int,
              closed: bool = False, kind: DayKind = DayKind.ORDINARY) -> list[Slot]:
    """The slots of ``day`` from the weekly ``periods`` (see the module's note): none when
    ``closed`` or on a holiday; a make-up working weekend day (调休上班, ``kind``) has the
    weekday periods' slots (domain.hall.periods_on)."""
    if closed:
        return []
    slots: list[Slot] = []
    for period in periods_on(periods, day, kind):
        start, end = _minutes(period.starts), _minutes(period.ends)
        while start + slot_minutes <= end:
            slots.append(Slot(_time(start), _time(start + slot_minutes), period.service))
            start += slot_minutes
    return slots


def effective_windows(categories_per_window: Iterable[int]) -> Fraction:
    """Windows serving a category, each counted 1/k when it serves k categories."""
    return sum((Fraction(1, k) for k in categories_per_window if k > 0), Fraction(0))


def slot_capacity(*, windows: Fraction | int, slot_minutes: int, handling_minutes: int,
                  appointment_percent: int, service: ServiceKind = ServiceKind.REGULAR) -> int:
    """Appointments a slot takes in a category (see the module's note)."""
    if handling_minutes < 1:
        raise ValueError("handling_minutes must be at least 1")
    services = Fraction(windows) * slot_minutes / handling_minutes
    share = 100 if service is ServiceKind.APPOINTMENT else appointment_percent
    return math.floor(services * share / 100)


# -- booking rules ---------------------------------------------------------------------


def check_booking(*, slot_starts: dt.datetime, now: dt.datetime, today: dt.date,
                  slot_day: dt.date, policy: AppointmentPolicy, booked: int, capacity: int,
                  same_day_bookings: int, paused_until: dt.date | None) -> None:
    """Raise BookingProblem when the booking breaks a rule; ``booked``: active bookings
    of the slot (the caller holds the slot's lock); ``same_day_bookings``: the person's
    other active bookings in the category that day."""
    if paused_until is not None and today < paused_until:
        raise BookingProblem(
            "person", f"因多次预约未到，{paused_until:%Y-%m-%d} 起才能再次预约 "
                      f"(booking is paused after repeated no-shows until {paused_until:%Y-%m-%d})")
    if slot_starts <= now:
        raise BookingProblem("slot", "该时段已过，请选择其他时段 (that time has passed)")
    if (slot_day - today).days > policy.horizon_days:
        raise BookingProblem("day", f"最多可预约 {policy.horizon_days} 天内的时段 "
                                    f"(book at most {policy.horizon_days} days ahead)")
    if slot_starts - now < dt.timedelta(minutes=policy.cutoff_minutes):
        raise BookingProblem("slot", f"请至少提前 {policy.cutoff_minutes} 分钟预约 "
                                     f"(book at least {policy.cutoff_minutes} minutes ahead)")
    if same_day_bookings > 0:
        raise BookingProblem("category", "您当天在该类别已有预约，请改约或取消原预约 "
                                         "(you already have a booking in this category "
                                         "that day: change or cancel it)")
    if booked >= capacity:
        raise BookingProblem("slot", "该时段已约满，请选择其他时段 (that slot is full)")


def paused_until(no_shows: Sequence[dt.date], *, today: dt.date,
                 policy: AppointmentPolicy) -> dt.date | None:
    """The day booking resumes after the no-show rule paused it, or None when it is not
    paused. A no-show that is the ``no_show_limit``-th within ``no_show_window_days`` days
    (itself included) pauses booking for ``pause_days`` days from its day; the pause runs
    its course even when older no-shows later fall out of the window."""
    days = sorted(d for d in no_shows if d <= today)
    resumes: dt.date | None = None
    for index, day in enumerate(days):
        since = day - dt.timedelta(days=policy.no_show_window_days - 1)
        if sum(1 for other in days[:index + 1] if other >= since) >= policy.no_show_limit:
            until = day + dt.timedelta(days=policy.pause_days)
            resumes = until if resumes is None else max(resumes, until)
    return resumes if resumes is not None and resumes > today else None


def lapsed(slot_starts: dt.datetime, now: dt.datetime) -> bool:
    """A booking not checked in by 15 minutes after its slot is a no-show (爽约)."""
    return now > slot_starts + CHECK_IN_LATE


@dataclass(frozen=True)
class CheckIn:
    """What check-in at ``now`` gives: the ticket's class and the appointment's status."""

    priority: PriorityClass
    status: AppointmentStatus


def check_in(slot_starts: dt.datetime, now: dt.datetime) -> CheckIn:
    """Classify a check-in (check_in_class); BookingProblem when it is too early."""
    priority = check_in_class(slot_starts, now)
    if priority is None:
        opens = slot_starts - CHECK_IN_EARLY
        raise BookingProblem(
            "time", f"签到时间未到：请在预约时段开始前 30 分钟内签到（{opens:%H:%M} 起） "
                    f"(too early: check in from 30 minutes before the slot, {opens:%H:%M})")
    if priority is PriorityClass.APPOINTMENT:
        return CheckIn(priority, AppointmentStatus.CHECKED_IN)
    return CheckIn(priority, AppointmentStatus.LATE)


ACTIVE = (AppointmentStatus.BOOKED,)
