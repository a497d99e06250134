"""Reads for applications and cases, always filtered by who is looking.

An applicant sees only their own applications; a reviewer only their
department's cases; clerks and managers of the service centre see
applications (to help walk-ins) but act on cases only as the service layer
allows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from onething.accounts.models import Role, User
from onething.applications.models import (
    QUEUE_OPEN_STATUSES,
    QUEUE_ORDER,
    UNDATED,
    Application,
    ApplicationDraft,
    Case,
    CaseExtension,
    CaseSuspension,
    Commitment,
    Event,
    ProvidedMaterial,
)
from onething.audit import selectors as audit_selectors
from onething.catalog import selectors as catalog_selectors
from onething.core.routers import reader
from onething.domain.cases import CLOCK_RUNNING, FINAL, CaseStatus

if TYPE_CHECKING:
    from onething.audit.models import AuditEntry

DUE_SOON_WORKING_DAYS = 2


class NotVisible(LookupError):
    """The object does not exist for this viewer (404, never 403: no probing)."""


def _is_centre_staff(user: User) -> bool:
    return user.role in {Role.CLERK, Role.MANAGER, Role.ADMIN}


def applications_for(viewer: User) -> QuerySet[Application]:
    qs = Application.objects.select_related("bundle", "bundle__single_matter", "applicant")
    if _is_centre_staff(viewer):
        return qs
    if viewer.role == Role.REVIEWER:
        return qs.filter(cases__department_id=viewer.department_id).distinct()
    return qs.filter(applicant=viewer)


def application_for(viewer: User, application_id: int, *,
                    with_events: bool = True) -> Application:
    """One application with its cases (a reviewer: only their department's) and,
    unless ``with_events`` is False, its history."""
    cases = Case.objects.select_related("matter", "department").prefetch_related(
        "prerequisites")
    if viewer.role == Role.REVIEWER:
        cases = cases.filter(department_id=viewer.department_id)
    prefetch: list[Prefetch] = [Prefetch("cases", queryset=cases)]
    if with_events:
        prefetch.append(Prefetch("events", queryset=Event.objects
                                 .select_related("case__matter", "actor")))
    application = (applications_for(viewer).prefetch_related(*prefetch)
                   .filter(pk=application_id).first())
    if application is None:
        raise NotVisible(application_id)
    return application


def commitments_by_case(application: Application) -> dict[int, Commitment]:
    """告知承诺 signed for the cases of an application the viewer already sees, by case id
    (only the cases ``application_for`` gave that viewer)."""
    ids = [c.pk for c in application.cases.all()]
    return {c.case_id: c for c in Commitment.objects.filter(case_id__in=ids)}


def application_by_idempotency_key(viewer: User, applicant: User, key: str
                                    ) -> Application | None:
    """An application already submitted with this key (a double click, a retry)."""
    if not key:
        return None
    return applications_for(viewer).filter(applicant=applicant, idempotency_key=key).first()


def drafts_for(viewer: User) -> QuerySet[ApplicationDraft]:
    """The viewer's own drafts, not expired, newest first (no one else's, staff included)."""
    return (ApplicationDraft.objects.select_related("bundle")
            .filter(owner=viewer, expires_at__gte=timezone.now()))


def draft_for(viewer: User, draft_id: int | str | None) -> ApplicationDraft:
    """One of the viewer's drafts; any other id is ``NotVisible`` (404)."""
    try:
        pk = int(str(draft_id))
    except ValueError as exc:
        raise NotVisible(draft_id) from exc
    draft = drafts_for(viewer).filter(pk=pk).first() if 0 < pk < 2**63 else None
    if draft is None:
        raise NotVisible(draft_id)
    return draft


def recent_applications(viewer: User, limit: int = 50) -> QuerySet[Application]:
    return applications_for(viewer).order_by("-submitted_at", "-id")[:limit]


def application_by_tracking_number(viewer: User, number: str) -> Application:
    application = applications_for(viewer).filter(tracking_number=number).first()
    if application is None:
        raise NotVisible(number)
    return application_for(viewer, application.pk)


def cases_for(viewer: User) -> QuerySet[Case]:
    qs = Case.objects.select_related("application", "application__applicant", "matter",
                                     "department")
    if viewer.role == Role.REVIEWER:
        return qs.filter(department_id=viewer.department_id)
    if _is_centre_staff(viewer):
        return qs
    return qs.filter(application__applicant=viewer)


def ensure_case_visible(viewer: User, case_id: int) -> None:
    """NotVisible unless ``viewer`` may see the case: one EXISTS query, for an action
    that reloads the case afterwards (``case_for`` also loads its neighbours)."""
    if not cases_for(viewer).filter(pk=case_id).exists():
        raise NotVisible(case_id)


def case_for(viewer: User, case_id: int) -> Case:
    case = cases_for(viewer).prefetch_related("prerequisites", "dependents").filter(
        pk=case_id).first()
    if case is None:
        raise NotVisible(case_id)
    return case


@dataclass(frozen=True)
class QueueFilter:
    status: str = ""  # a CaseStatus value, or "" for every open case
    due: str = ""  # "", "soon", "overdue"


def department_queue(viewer: User, flt: QueueFilter | None = None) -> QuerySet[Case]:
    """A reviewer's queue: their department's open cases, oldest deadline first."""
    if viewer.role != Role.REVIEWER:
        return Case.objects.none()
    flt = flt or QueueFilter()
    qs = cases_for(viewer)
    if flt.status and flt.status != CaseStatus.WAITING:
        qs = qs.filter(status=flt.status)
    elif flt.status:
        return Case.objects.none()
    else:
        # Spelled out (not "not final") so the partial index case_open_queue applies.
        qs = qs.filter(status__in=QUEUE_OPEN_STATUSES)
    today = timezone.localdate()
    if flt.due == "overdue":
        qs = qs.filter(status__in=[s.value for s in CLOCK_RUNNING], promised_due_date__lt=today)
    elif flt.due == "soon":
        limit = due_soon_limit(today)
        qs = qs.filter(status__in=[s.value for s in CLOCK_RUNNING],
                       promised_due_date__gte=today, promised_due_date__lte=limit)
    # Cases not yet accepted have no due date: they come first, to be taken in.
    # A queue row needs none of the application's large JSON columns. Read from the replica
    # when there is one (core/routers.py): a queue may lag the primary by a moment.
    return qs.using(reader()).defer(
        "application__plan", "application__form_data", "application__answers",
        "correction_items", "result", "received").order_by(QUEUE_ORDER, "id")


def in_queue_order(cases: QuerySet[Case], *,
                   after: tuple[dt.date | None, int] | None = None) -> QuerySet[Case]:
    """``cases`` in queue order (promised due date, cases not yet accepted first, then
    id), on the expression the case_open_queue index holds. ``after`` (the promised due
    date, None when undated, and id of the last row sent) continues a keyset page."""
    qs = cases.annotate(queue_day=QUEUE_ORDER).order_by("queue_day", "id")
    if after is not None:
        due, last_id = after
        day = UNDATED if due is None else due
        qs = qs.filter(Q(queue_day__gt=day) | Q(queue_day=day, id__gt=last_id))
    return qs


def due_soon_limit(today: dt.date | None = None) -> dt.date:
    """The last due date that still counts as due soon (two working days ahead)."""
    today = today or timezone.localdate()
    calendar = catalog_selectors.working_day_calendar(provisional=True)
    return calendar.add_working_days(today, DUE_SOON_WORKING_DAYS).day


def due_flags(case: Case, today: dt.date | None = None,
              soon_limit: dt.date | None = None) -> dict[str, bool]:
    """Overdue / due-soon flags; pass ``soon_limit`` when flagging a whole page."""
    today = today or timezone.localdate()
    running = case.status in {s.value for s in CLOCK_RUNNING}
    if not running or case.promised_due_date is None:
        return {"overdue": False, "due_soon": False}
    overdue = case.promised_due_date < today
    soon_limit = soon_limit or due_soon_limit(today)
    return {"overdue": overdue, "due_soon": not overdue and case.promised_due_date <= soon_limit}


def expected_completion(application: Application) -> tuple[dt.date | None, bool]:
    """When the whole application should be done: accepted cases by their due
    date, the rest projected along the dependency chain from today."""
    calendar = catalog_selectors.working_day_calendar(provisional=True)
    today = timezone.localdate()
    cases = list(application.cases.all())
    by_id = {c.pk: c for c in cases}
    ends: dict[int, dt.date] = {}
    provisional = False

    def end(case: Case) -> dt.date | None:
        nonlocal provisional
        if case.pk in ends:
            return ends[case.pk]
        if case.status in {s.value for s in FINAL} and case.status != CaseStatus.CONCLUDED:
            return None
        if case.decided_at:
            day = timezone.localtime(case.decided_at).date()
        elif case.promised_due_date:
            day = case.promised_due_date
            provisional |= case.due_provisional
        else:
            starts = [end(by_id[p.pk]) for p in case.prerequisites.all() if p.pk in by_id]
            start = max([d for d in starts if d] + [today])
            days = case.promised_days if case.promised_unit != "instant" else 0
            result = calendar.add_working_days(start, days)
            day, provisional = result.day, provisional or result.provisional
        ends[case.pk] = day
        return day

    dates = [d for d in (end(c) for c in cases) if d]
    return (max(dates) if dates else None), provisional


def clock_rows(case: Case) -> tuple[list[CaseSuspension], list[CaseExtension]]:
    """A visible case's non-counting periods and extensions, oldest first (办理时限)."""
    return (list(case.suspensions.select_related("started_by", "ended_by")),
            list(case.extensions.select_related("granted_by")))


def _planned_materials(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """Materials the applicant provided: uploaded, or reused certificates (免提交)."""
    return [*plan.get("materials", []), *plan.get("reused_materials", [])]


def materials_for_case(viewer: User, case: Case) -> QuerySet[ProvidedMaterial]:
    """The current materials a case needs, if the viewer may see the case."""
    case_for(viewer, case.pk)
    needed = [m["key"] for m in _planned_materials(case.application.plan)
              if case.matter.code in m.get("needed_by", [])]
    return (ProvidedMaterial.objects.select_related("upload", "certificate")
            .filter(application=case.application, current=True, material_key__in=needed))


def material_for(viewer: User, material_id: int) -> ProvidedMaterial:
    """One provided material, if the viewer may see an application case needing it."""
    material = ProvidedMaterial.objects.select_related("upload", "certificate",
                                                       "application").filter(
        pk=material_id).first()
    if material is None:
        raise NotVisible(material_id)
    application = material.application
    if viewer.role == Role.REVIEWER:
        needed_by = next((m.get("needed_by", []) for m in _planned_materials(application.plan)
                          if m["key"] == material.material_key), [])
        if not application.cases.filter(department_id=viewer.department_id,
                                        matter__code__in=needed_by).exists():
            raise NotVisible(material_id)
    elif not applications_for(viewer).filter(pk=application.pk).exists():
        raise NotVisible(material_id)
    return material


def notifications_for(viewer: User):
    return viewer.notifications.all()


def search_filter(q: str) -> Q:
    return Q(tracking_number__icontains=q) | Q(bundle__name__icontains=q)


# -- the case page's access log (查阅记录), read from the audit trail -------------------

ACCESS_LOG_LIMIT = 200


def may_see_access_log(viewer: User, case: Case) -> bool:
    """Reviewers of the case's department, the centre's managers and administrators."""
    role = getattr(viewer, "role", None)
    if role in {Role.MANAGER, Role.ADMIN}:
        return True
    return role == Role.REVIEWER and viewer.department_id == case.department_id


def _material_ids(case: Case) -> list[str]:
    """Every material (current or replaced) of the case's application that the case needs."""
    plan = case.application.plan or {}
    needed = [m["key"] for m in [*plan.get("materials", []), *plan.get("reused_materials", [])]
              if case.matter.code in m.get("needed_by", [])]
    return [str(pk) for pk in ProvidedMaterial.objects.filter(
        application_id=case.application_id, material_key__in=needed).values_list("pk", flat=True)]


def access_log(viewer: User, case: Case, *, limit: int = ACCESS_LOG_LIMIT) -> list[AuditEntry]:
    """Who looked at ``case`` and the materials it needs, newest first; empty for anyone
    who may not see the log."""
    if not may_see_access_log(viewer, case):
        return []
    return audit_selectors.access_entries(
        case_id=case.pk, subject_type=ProvidedMaterial._meta.label_lower,
        subject_ids=_material_ids(case), limit=limit)


# -- the public progress lookup (受理编号 + 身份证号码) -------------------------------------


@dataclass(frozen=True)
class ProgressRow:
    """One case as the public lookup shows it: no personal data, statuses only."""

    matter: str
    department: str
    status: str  # CaseStatus value (the page shows its label)
    due: dt.date | None


@dataclass(frozen=True)
class Progress:
    tracking_number: str
    bundle: str
    status: str  # ApplicationStatus value
    submitted_on: dt.date | None
    rows: tuple[ProgressRow, ...]


# Compared against when no application has the number, so that a wrong number costs
# the same as a wrong ID number (the answer does not tell which was wrong).
_NO_ID = "0" * 18


def public_progress(tracking_number: str, id_number: str) -> Progress | None:
    """The progress of the application with this 受理编号 whose applicant holds this
    resident ID number, or None for any wrong pair (no hint which half was wrong).

    The caller rate-limits (onething.accounts.ratelimit) before calling."""
    import hmac

    number = "".join((tracking_number or "").split())
    given = "".join((id_number or "").split()).upper()
    application = (Application.objects.select_related("bundle", "applicant")
                   .filter(tracking_number=number).first() if number else None)
    held = (application.applicant.identity_id_number.upper()
            if application is not None else "") or _NO_ID
    matches = hmac.compare_digest(held.encode(), given.encode())
    if application is None or not given or not matches or held == _NO_ID:
        return None
    rows = tuple(
        ProgressRow(matter=case.matter.name, department=case.department.name,
                    status=case.status, due=case.promised_due_date)
        for case in application.cases.select_related("matter", "department")
        .order_by("position", "id"))
    submitted = application.submitted_at
    return Progress(tracking_number=number, bundle=application.bundle.name,
                    status=application.status,
                    submitted_on=timezone.localdate(submitted) if submitted else None,
                    rows=rows)
