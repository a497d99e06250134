"""Writes for tidal windows (潮汐窗口): accept a day's plan, withdraw it, and load a ticket
history (the demo's) into the hall's ``Ticket`` rows.

Accepting stores the plan the manager saw and its window switches
(``TidalAssignment``); from then on, in each switch's hours, the window serves the
plan's category instead of its own (``tidal_selectors.category_ids_at``, which the
call-next reads). Accepting again replaces the plan of that day (the old one is
withdrawn in the same transaction); a withdrawn plan no longer switches anything. Both
are centre managers' and administrators' changes, audited as ``tidal_plan.accepted``
and ``tidal_plan.withdrawn`` with the switches.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from django.db import connection, transaction
from django.utils import timezone

from onething.accounts.models import User
from onething.domain.tickethistory import HALL_TZ, TicketRecord
from onething.domain.tickets import Channel, PriorityClass, TicketStatus
from onething.hall import tidal_selectors
from onething.hall.models import (
    DemandPeak,
    Hall,
    ServiceCategory,
    Ticket,
    TidalAssignment,
    TidalPlan,
)
from onething.hall.services import HallError, _audit, _check_manager

HISTORY_TOKEN = "hist-"  # tokens of loaded history tickets (no one holds them)
_STATUS = {"served": TicketStatus.DONE, "left": TicketStatus.LEFT, "no_show": TicketStatus.NO_SHOW}


def _describe(assignments: Iterable[TidalAssignment]) -> list[dict[str, object]]:
    return [
        {
            "window": a.window.number,
            "from": timezone.localtime(a.starts).strftime("%H:%M"),
            "until": timezone.localtime(a.ends).strftime("%H:%M"),
            "categories": [c.letter for c in a.categories.all()],
        }
        for a in assignments
    ]


@transaction.atomic
def accept_tidal_plan(
    hall: Hall, day: dt.date, *, actor: User | None, now: dt.datetime | None = None
) -> TidalPlan:
    """Accept the plan of ``day`` (tomorrow or later, or today): store it and switch the
    chosen windows' categories in its hours. Replaces a plan of that day in force."""
    _check_manager(actor)
    now = now or timezone.now()
    if day < timezone.localdate(now):
        raise HallError({"day": "不能采纳已过去日期的计划 (the day has passed)"})
    hall = Hall.objects.select_for_update().get(pk=hall.pk)
    plan = tidal_selectors.plan_for(hall, day)
    switches = tidal_selectors.switches_for(hall, plan)
    replaced = tidal_selectors.plan_in_force(hall, day)
    if replaced is not None:
        replaced.withdrawn_at = now
        replaced.withdrawn_by = actor
        replaced.save(update_fields=["withdrawn_at", "withdrawn_by"])
    stored = TidalPlan.objects.create(
        hall=hall, day=day, accepted_by=actor, accepted_at=now, summary=plan.to_dict()
    )
    for switch in switches:
        starts, ends = tidal_selectors.local_hour_span(day, switch.first_hour, switch.end_hour)
        assignment = TidalAssignment.objects.create(
            plan=stored,
            window=switch.window,
            starts=starts,
            ends=ends,
            reason=f"{switch.category.letter} {switch.category.name}"[:200],
        )
        assignment.categories.set([switch.category])
    _audit(
        "tidal_plan.accepted",
        actor=actor,
        subject=stored,
        details={
            "hall": hall.name,
            "day": day.isoformat(),
            "replaces": replaced.pk if replaced else None,
            "switches": _describe(tidal_selectors.assignments_of(stored)),
        },
    )
    return stored


@transaction.atomic
def withdraw_tidal_plan(
    plan: TidalPlan, *, actor: User | None, now: dt.datetime | None = None
) -> bool:
    """Withdraw an accepted plan: its windows serve their own categories again. False
    when it was no longer in force."""
    _check_manager(actor)
    plan = TidalPlan.objects.select_for_update().select_related("hall").get(pk=plan.pk)
    if plan.withdrawn_at is not None:
        return False
    plan.withdrawn_at = now or timezone.now()
    plan.withdrawn_by = actor
    plan.save(update_fields=["withdrawn_at", "withdrawn_by"])
    _audit(
        "tidal_plan.withdrawn",
        actor=actor,
        subject=plan,
        details={"hall": plan.hall.name, "day": plan.day.isoformat()},
    )
    return True


@transaction.atomic
def load_ticket_history(hall: Hall, records: Iterable[TicketRecord], *, actor: User | None) -> int:
    """Store a ticket history as the hall's finished tickets (one bulk insert). Records
    name categories by the hall's letters; loading again replaces the tickets loaded
    before (idempotent). Returns the number of tickets stored."""
    _check_manager(actor)
    categories = {c.letter: c for c in ServiceCategory.objects.filter(hall=hall)}
    rows: list[_Row] = []
    unknown: set[str] = set()
    for record in records:
        category = categories.get(record.category)
        if category is None:
            unknown.add(record.category)
            continue
        taken = record.taken_at
        status = _STATUS[record.outcome]
        called = record.called_at
        started = finished = ended = None
        if status == TicketStatus.DONE:
            assert called is not None and record.served_seconds is not None
            started = called + dt.timedelta(seconds=30)  # walking to the window
            finished = ended = started + dt.timedelta(seconds=record.served_seconds)
        elif status == TicketStatus.LEFT:
            ended = record.left_at
        else:
            ended = called
        rows.append(
            _Row(
                category.pk,
                taken.astimezone(HALL_TZ).date(),
                category.letter,
                int(record.number[1:]),
                taken,
                status,
                called,
                started,
                finished,
                ended,
            )
        )
    if unknown:
        raise HallError(
            {
                "category": f"本大厅没有取号类别 {'、'.join(sorted(unknown))} "
                f"(no such category in this hall)"
            }
        )
    days = {row.day for row in rows}
    # A raw delete and insert: thousands of rows in a second or two (the ORM's delete
    # would load each row to look for dependants; history rows have none).
    stale = Ticket.objects.filter(hall=hall, token__startswith=HISTORY_TOKEN)
    stale._raw_delete(stale.db)
    if days:
        # Real tickets of those days keep their numbers; history never overwrites them.
        taken = set(
            Ticket.objects.filter(hall=hall, day__in=days).values_list("day", "letter", "number")
        )
        rows = [r for r in rows if (r.day, r.letter, r.number) not in taken]
    _insert(hall, rows)
    _audit(
        "ticket.history_loaded",
        actor=actor,
        subject=hall,
        details={
            "hall": hall.name,
            "tickets": len(rows),
            "first_day": min(days).isoformat() if days else None,
            "last_day": max(days).isoformat() if days else None,
        },
    )
    return len(rows)


class _Row(NamedTuple):
    category: int
    day: dt.date
    letter: str
    number: int
    taken: dt.datetime
    status: str
    called: dt.datetime | None
    started: dt.datetime | None
    finished: dt.datetime | None
    ended: dt.datetime | None


_COLUMNS = (
    "hall_id",
    "category_id",
    "day",
    "letter",
    "number",
    "taken_at",
    "channel",
    "priority",
    "status",
    "called_at",
    "last_called_at",
    "calls",
    "served_started_at",
    "served_ended_at",
    "ended_at",
    "holder_name",
    "mobile",
    "token",
)


def _insert(hall: Hall, rows: list[_Row]) -> None:
    ops = connection.ops
    moment = ops.adapt_datetimefield_value
    values = [
        (
            hall.pk,
            r.category,
            ops.adapt_datefield_value(r.day),
            r.letter,
            r.number,
            moment(r.taken),
            Channel.KIOSK.value,
            PriorityClass.WALK_IN.value,
            str(r.status),
            moment(r.called),
            moment(r.called),
            1 if r.called else 0,
            moment(r.started),
            moment(r.finished),
            moment(r.ended),
            "",
            "",
            HISTORY_TOKEN + secrets.token_urlsafe(12),
        )
        for r in rows
    ]
    table = ops.quote_name(Ticket._meta.db_table)
    columns = ", ".join(ops.quote_name(c) for c in _COLUMNS)
    marks = ", ".join(["%s"] * len(_COLUMNS))
    with connection.cursor() as cursor:
        for start in range(0, len(values), 2000):
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({marks})", values[start : start + 2000]
            )


# -- known peaks (已知高峰) --------------------------------------------------------------------


@transaction.atomic
def add_peak(
    hall: Hall,
    *,
    actor: User | None,
    name: str,
    factor: Decimal | str | float,
    months: str = "",
    starts: dt.date | None = None,
    ends: dt.date | None = None,
    categories: Iterable[ServiceCategory] = (),
) -> DemandPeak:
    """Register a known peak of the hall (入学 ×3.5 on 教育入学 in July–August …): months
    (comma-separated 1–12) or a date range, and the categories it applies to (none: all)."""
    _check_manager(actor)
    errors: dict[str, str] = {}
    name = (name or "").strip()
    if not name or len(name) > 30:
        errors["name"] = "请填写名称，不超过30字 (name: 1–30 characters)"
    try:
        value = Decimal(str(factor))
        if not (Decimal("0.1") <= value <= Decimal("20")):
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors["factor"] = "高峰系数应在0.1至20之间 (factor: 0.1 to 20)"
        value = Decimal("1")
    parts = [m.strip() for m in (months or "").replace("，", ",").split(",") if m.strip()]
    if not all(m.isdigit() and 1 <= int(m) <= 12 for m in parts):
        errors["months"] = "月份应为1至12，用逗号分隔 (months: 1–12, separated by commas)"
    if (starts is None) != (ends is None) or (starts and ends and starts > ends):
        errors["starts"] = "请填写开始和结束日期，开始不晚于结束 (a start and an end, in order)"
    if not parts and starts is None and "starts" not in errors:
        errors["months"] = "请填写月份或起止日期 (give months or a date range)"
    chosen = list(categories)
    if any(c.hall_id != hall.pk for c in chosen):
        errors["categories"] = "只能选择本大厅的取号类别 (this hall's categories only)"
    if errors:
        raise HallError(errors)
    peak = DemandPeak.objects.create(
        hall=hall,
        name=name,
        factor=value.quantize(Decimal("0.01")),
        months=",".join(str(int(m)) for m in parts),
        starts=starts,
        ends=ends,
    )
    peak.categories.set(chosen)
    _audit(
        "peak.created",
        actor=actor,
        subject=peak,
        details={
            "hall": hall.name,
            "name": name,
            "factor": str(peak.factor),
            "months": peak.months,
            "starts": starts.isoformat() if starts else None,
            "ends": ends.isoformat() if ends else None,
            "categories": sorted(c.letter for c in chosen),
        },
    )
    return peak


@transaction.atomic
def set_peak_active(peak: DemandPeak, *, active: bool, actor: User | None) -> bool:
    """Take a known peak out of the forecast (停用) or back in; False when unchanged."""
    _check_manager(actor)
    peak = DemandPeak.objects.select_for_update().select_related("hall").get(pk=peak.pk)
    if peak.active == active:
        return False
    peak.active = active
    peak.save(update_fields=["active"])
    _audit(
        "peak.updated",
        actor=actor,
        subject=peak,
        details={
            "hall": peak.hall.name,
            "name": peak.name,
            "changes": {"active": [not active, active]},
        },
    )
    return True
