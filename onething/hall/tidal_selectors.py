"""Reads for tidal windows (潮汐窗口): the hall's own ticket history as the forecast's
input, its known peaks, the day's plan, and which categories a window serves at a moment.

The history: every finished ticket of the hall (办结, 已离开, 过号) becomes a
``domain.tickethistory.TicketRecord`` keyed by its category's letter; a transferred
ticket is counted once, as the row that carried on (same arrival time). Arrivals per
category × date × hour and handling times (served start to end) come from these, and the
plan is ``domain.tidalplan.plan_day`` on them — the same code as ``onething hall plan``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.db.models import Max, Prefetch
from django.utils import timezone

from onething.domain.forecast import HourlyCounts, PeakPeriod
from onething.domain.hall import WindowKind
from onething.domain.tickethistory import TicketRecord
from onething.domain.tickets import TicketStatus
from onething.domain.tidalplan import DayPlan, StaffingPolicy, plan_day
from onething.domain.tidalwindows import HallWindow, Switch, plan_switches
from onething.hall.models import (
    DemandPeak,
    Hall,
    ServiceCategory,
    Ticket,
    TidalAssignment,
    TidalPlan,
    Window,
)

HALL_TZ = ZoneInfo("Asia/Shanghai")
HISTORY_WEEKS = 12
# The screen replays each category 8 times (the command line's default is 20): enough for
# the hour-by-hour check, and the page answers in about a second.
SCREEN_POLICY = StaffingPolicy(replications=8)
_OUTCOMES = {
    TicketStatus.DONE: "served",
    TicketStatus.LEFT: "left",
    TicketStatus.NO_SHOW: "no_show",
}


def history_of(hall: Hall, *, before: dt.date, weeks: int = HISTORY_WEEKS) -> list[TicketRecord]:
    """The hall's finished tickets of the ``weeks`` weeks before ``before`` (oldest first)."""
    first = before - dt.timedelta(days=7 * weeks)
    rows = (
        Ticket.objects.filter(hall=hall, day__gte=first, day__lt=before, status__in=list(_OUTCOMES))
        .order_by("taken_at", "pk")
        .values_list(
            "letter",
            "number",
            "taken_at",
            "called_at",
            "ended_at",
            "served_started_at",
            "served_ended_at",
            "status",
        )
    )
    records = []
    for letter, number, taken, called, ended, started, finished, status in rows:
        served = None
        if status == TicketStatus.DONE and started and finished:
            served = max(1, round((finished - started).total_seconds()))
        outcome = _OUTCOMES[status]
        if outcome == "served" and served is None:
            continue  # finished without a serving time: nothing to learn from
        records.append(
            TicketRecord(
                hall.slug,
                letter,
                f"{letter}{number:03d}",
                taken,
                called,
                ended if status == TicketStatus.LEFT else None,
                served,
                outcome,
            )
        )
    return records


def observed_arrivals(hall: Hall, *, before: dt.date, weeks: int = HISTORY_WEEKS) -> HourlyCounts:
    """Tickets taken per (category letter, local date, hour) — the forecast's input."""
    return HourlyCounts.from_events(
        (r.local_taken, r.category) for r in history_of(hall, before=before, weeks=weeks)
    )


@dataclass(frozen=True)
class CataloguePeak:
    """A catalogue peak as it applies to one hall (the screen's list)."""

    name: str
    factor: float
    months: tuple[int, ...]
    letters: tuple[str, ...]  # the hall's categories it applies to; () = all of them
    replaced: bool  # the hall has its own peak of this name


def catalogue_peaks(hall: Hall) -> list[CataloguePeak]:
    """The catalogue's known peaks (catalog.KnownPeak) at ``hall``: each on the hall's
    categories of the names or departments it lists (none listed: every category; none
    of the hall's matching: not at this hall), flagged ``replaced`` when the hall has a
    peak of its own with the same name (active or not)."""
    from onething.catalog.models import KnownPeak

    own = set(DemandPeak.objects.filter(hall=hall).values_list("name", flat=True))
    categories = list(
        ServiceCategory.objects.filter(hall=hall).values_list("letter", "name", "department__code")
    )
    result = []
    for peak in KnownPeak.objects.order_by("name", "key"):
        names, departments = set(peak.categories), set(peak.departments)
        letters: tuple[str, ...] = ()
        if names or departments:
            letters = tuple(
                sorted(
                    letter
                    for letter, name, department in categories
                    if name in names or department in departments
                )
            )
            if not letters:
                continue
        result.append(
            CataloguePeak(
                peak.name,
                float(peak.factor),
                tuple(int(m) for m in peak.months),
                letters,
                peak.name in own,
            )
        )
    return result


def peaks_of(hall: Hall) -> list[PeakPeriod]:
    """The known peaks the hall's plans use, as the forecast takes them (categories by
    letter): the catalogue's (``catalogue_peaks``) unless the hall has its own of the
    same name, then the hall's own active ones (DemandPeak: overrides and additions)."""
    peaks = [
        PeakPeriod(peak.name, peak.factor, months=peak.months, categories=peak.letters)
        for peak in catalogue_peaks(hall)
        if not peak.replaced
    ]
    for peak in (
        DemandPeak.objects.filter(hall=hall, active=True)
        .prefetch_related("categories")
        .order_by("pk")
    ):
        months = tuple(int(m) for m in peak.months.replace("，", ",").split(",") if m.strip())
        ranges = ((peak.starts, peak.ends),) if peak.starts and peak.ends else ()
        peaks.append(
            PeakPeriod(
                peak.name,
                float(peak.factor),
                months=months,
                date_ranges=ranges,
                categories=tuple(sorted(c.letter for c in peak.categories.all())),
            )
        )
    return peaks


def peak_rows(hall: Hall) -> list[DemandPeak]:
    """Every known peak of the hall, active or not, with its categories (the screen)."""
    return list(
        DemandPeak.objects.filter(hall=hall)
        .prefetch_related("categories")
        .order_by("-active", "name", "pk")
    )


def peak_of(hall: Hall, peak_id: int) -> DemandPeak | None:
    return DemandPeak.objects.filter(hall=hall, pk=peak_id).first()


def category_names(hall: Hall) -> dict[str, str]:
    return {c.letter: c.name for c in ServiceCategory.objects.filter(hall=hall)}


def _plan_key(hall: Hall, day: dt.date, policy: StaffingPolicy) -> str:
    latest = Ticket.objects.filter(hall=hall).aggregate(m=Max("ended_at"))["m"]
    digest = hashlib.sha256(repr((latest, peaks_of(hall), policy)).encode()).hexdigest()[:32]
    return f"tidal-plan-{hall.pk}-{day.isoformat()}-{digest}"


def _plan(hall: Hall, day: dt.date, records: list[TicketRecord], policy: StaffingPolicy) -> DayPlan:
    first = day - dt.timedelta(days=7 * HISTORY_WEEKS)
    window = [r for r in records if first <= r.local_taken.date() < day]
    return plan_day(window, day, policy=policy, peaks=peaks_of(hall), names=category_names(hall))


def policy_of(hall: Hall, base: StaffingPolicy = SCREEN_POLICY) -> StaffingPolicy:
    """The staffing target of the hall's plans: its own target wait and service level
    (Hall.target_wait_minutes, Hall.service_level_percent; 15 minutes, 80 % by default)."""
    return replace(
        base,
        target_seconds=float(hall.target_wait_minutes * 60),
        target_level=hall.service_level_percent / 100,
    )


def plan_for(hall: Hall, day: dt.date, *, policy: StaffingPolicy | None = None) -> DayPlan:
    """The day's plan from the 12 weeks of history before it; cached until a ticket of
    the hall finishes or the peaks or the hall's target change (the key holds them)."""
    return plans_for(hall, [day], policy=policy)[day]


def plans_for(
    hall: Hall, days: list[dt.date], *, policy: StaffingPolicy | None = None
) -> dict[dt.date, DayPlan]:
    """The plans of several days (the week's overview), reading the history once. Without
    ``policy``: the screen's replications with the hall's own target (``policy_of``)."""
    policy = policy if policy is not None else policy_of(hall)
    plans: dict[dt.date, DayPlan] = {}
    missing: list[tuple[dt.date, str]] = []
    for day in days:
        key = _plan_key(hall, day, policy)
        cached = cache.get(key)
        if cached is not None:
            plans[day] = cached
        else:
            missing.append((day, key))
    if missing:
        records = history_of(hall, before=max(d for d, _ in missing), weeks=HISTORY_WEEKS + 2)
        for day, key in missing:
            plans[day] = _plan(hall, day, records, policy)
            cache.set(key, plans[day], 3600)
    return plans


def _hall_windows(hall: Hall) -> tuple[list[HallWindow], dict[int, Window]]:
    windows = list(
        Window.objects.filter(
            hall=hall,
            active=True,
            kind__in=[WindowKind.ANY_MATTER, WindowKind.SPECIALIST, WindowKind.ASSISTANCE],
        ).prefetch_related(
            Prefetch("categories", queryset=ServiceCategory.objects.filter(active=True))
        )
    )
    return (
        [
            HallWindow(
                w.pk,
                w.number,
                frozenset(c.letter for c in w.categories.all()),
                w.kind == WindowKind.ANY_MATTER,
            )
            for w in windows
        ],
        {w.pk: w for w in windows},
    )


@dataclass(frozen=True)
class ProposedSwitch:
    window: Window
    category: ServiceCategory
    first_hour: int
    end_hour: int


def switches_for(hall: Hall, plan: DayPlan) -> list[ProposedSwitch]:
    """The window switches that carry the plan out with the hall's windows."""
    needs: dict[int, dict[str, int]] = {}
    arrivals: dict[int, dict[str, float]] = {}
    for hour in plan.hours:
        needs.setdefault(hour.hour, {})[hour.category] = hour.windows
        arrivals.setdefault(hour.hour, {})[hour.category] = hour.forecast_arrivals
    described, by_key = _hall_windows(hall)
    categories = {c.letter: c for c in ServiceCategory.objects.filter(hall=hall)}
    switches: list[Switch] = plan_switches(needs, described, arrivals=arrivals)
    return [
        ProposedSwitch(by_key[s.window], categories[s.category], s.first_hour, s.end_hour)
        for s in switches
    ]


def plan_in_force(hall: Hall, day: dt.date) -> TidalPlan | None:
    return (
        TidalPlan.objects.filter(hall=hall, day=day, withdrawn_at__isnull=True)
        .select_related("accepted_by")
        .first()
    )


def days_with_plans(hall: Hall, days: list[dt.date]) -> set[dt.date]:
    """Which of ``days`` have a plan in force."""
    return set(
        TidalPlan.objects.filter(hall=hall, day__in=days, withdrawn_at__isnull=True).values_list(
            "day", flat=True
        )
    )


def tidal_plan_of(hall: Hall, plan_id: int) -> TidalPlan | None:
    """A plan of this hall (the caller has checked the viewer may manage the hall)."""
    return TidalPlan.objects.filter(hall=hall, pk=plan_id).first()


def assignments_of(plan: TidalPlan) -> list[TidalAssignment]:
    return list(
        plan.assignments.select_related("window")
        .prefetch_related("categories")
        .order_by("window__number", "starts")
    )


def category_ids_at(window: Window, at: dt.datetime | None = None) -> list[int]:
    """The active categories ``window`` serves at ``at``: those of the accepted plan's
    assignment covering that moment, else the window's own (the call-next reads these)."""
    at = at or timezone.now()
    assignment = (
        TidalAssignment.objects.filter(
            window=window, plan__withdrawn_at__isnull=True, starts__lte=at, ends__gt=at
        )
        .order_by("-plan__accepted_at")
        .first()
    )
    source = assignment.categories if assignment is not None else window.categories
    return list(source.filter(active=True).order_by("letter").values_list("pk", flat=True))


def local_hour_span(
    day: dt.date, first_hour: int, end_hour: int
) -> tuple[dt.datetime, dt.datetime]:
    """Aware start and end of the hours ``first_hour``–``end_hour`` of a local day."""
    midnight = dt.datetime.combine(day, dt.time(), HALL_TZ)
    return (midnight + dt.timedelta(hours=first_hour), midnight + dt.timedelta(hours=end_hour))
