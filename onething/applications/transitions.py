"""What each case action does besides changing the status: one effect per action.

``onething.domain.cases.TRANSITIONS`` says which action may happen in which
status and by whom; this module says what else happens when it does (the
acceptance date and due dates, the correction items, the result and its
certificate …). Every transition — the reviewer's, the applicant's and the
system's (release, cancel, 秒批) — goes through :func:`apply_transition`, so
each one is checked by the table and leaves an Event.

Locking (``lock_case``): the application row first, then the case row, and
nothing else. Every change to an application's cases holds its application's
lock, so the application's status is derived from a case set no one else can
change meanwhile, and transitions of different applications — even of the
same matter — never wait for each other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone

from onething.accounts.models import User
from onething.applications import clock
from onething.applications.attachments import owned_uploads, page_ids, too_many_pages
from onething.applications.errors import SubmissionError
from onething.applications.models import (
    Application,
    Case,
    CaseExtension,
    CaseSuspension,
    Commitment,
    CommitmentCheck,
    Event,
    ProvidedMaterial,
    Upload,
)
from onething.catalog import selectors as catalog_selectors
from onething.domain import catalog as catalog_spec
from onething.domain.cases import (
    STATUS_LABELS,
    SUCCESSFUL,
    Action,
    CaseStatus,
    IllegalTransition,
    Role,
    derive_application_status,
    next_status,
)
from onething.domain.catalog import DEFAULT_MAX_PAGES
from onething.domain.deadlines import (
    SPECIAL_PROCEDURES,
    SUSPENSION_BASIS,
    SUSPENSION_LABELS,
    ExtensionRefused,
    SuspensionKind,
    check_extension,
    is_deemed_accepted,
)


@dataclass
class Step:
    """One transition being applied: what the effect reads and what it writes."""

    case: Case
    action: Action
    actor: User | None
    role: Role
    previous: CaseStatus
    new: CaseStatus
    reason: str
    params: Mapping[str, Any]
    now: dt.datetime = field(default_factory=timezone.now)
    changed: list[str] = field(default_factory=lambda: ["status", "updated_at"])
    data: dict[str, Any] = field(default_factory=dict)  # the Event's data
    event: Event | None = None
    released: list[int] = field(default_factory=list)  # dependents sent to their department
    cancelled: list[Case] = field(default_factory=list)  # dependents that cannot proceed

    @property
    def today(self) -> dt.date:
        return timezone.localdate(self.now)


Effect = Callable[[Step], None]
EFFECTS: dict[Action, list[Effect]] = {}


def effect(*actions: Action) -> Callable[[Effect], Effect]:
    """Register ``function`` as an effect of ``actions`` (run in registration order)."""

    def register(function: Effect) -> Effect:
        for action in actions:
            EFFECTS.setdefault(action, []).append(function)
        return function

    return register


# -- locking ---------------------------------------------------------------------------


def lock_application(application_id: int) -> Application:
    """Lock an application row (inside a transaction): its cases change one at a time."""
    return Application.objects.select_for_update().get(pk=application_id)


def lock_case(case_id: int) -> Case:
    """Lock a case and its application, in that order (application first), nothing else.

    ``of=("self",)`` keeps PostgreSQL from also locking the joined matter row, which
    would queue every transition of that matter in the whole deployment.
    """
    application_id = Case.objects.values_list("application_id", flat=True).get(pk=case_id)
    application = lock_application(application_id)
    case = (Case.objects.select_for_update(of=("self",)).select_related("matter")
            .get(pk=case_id))
    case.application = application
    return case


def refresh_application_status(application: Application) -> None:
    """Set the application's status from its cases (call with the application locked)."""
    statuses = list(Case.objects.filter(application=application)
                    .values_list("status", flat=True))
    status = derive_application_status(statuses)
    if application.status != status:
        application.status = status
        application.save(update_fields=["status", "updated_at"])


# -- applying an action ----------------------------------------------------------------


def apply_transition(case: Case, action: Action, *, actor: User | None, role: Role,
                     reason: str = "", params: Mapping[str, Any] | None = None) -> Step:
    """Check ``action`` against the table, run its effects, save, record the Event and
    follow dependents. The caller holds the application's lock (``lock_case``)."""
    previous = CaseStatus(case.status)
    new = next_status(previous, action, role=role, reason=reason,
                      accepted=case.accepted_at is not None)
    step = Step(case=case, action=action, actor=actor, role=role, previous=previous, new=new,
                reason=reason.strip(), params=params or {})
    for run in EFFECTS.get(action, []):
        run(step)
    case.status = new
    case.save(update_fields=list(dict.fromkeys(step.changed)))
    step.event = Event.objects.create(application=case.application, case=case, actor=actor,
                                      action=action, from_status=previous, to_status=new,
                                      reason=step.reason, data=step.data)
    _follow_dependents(step)
    return step


def _follow_dependents(step: Step) -> None:
    """Release dependents whose prerequisites all succeeded; cancel those that can no
    longer proceed — both through the table, as the system."""
    case, new = step.case, step.new
    waiting = (case.dependents.select_for_update(of=("self",)).select_related("matter")
               .filter(status=CaseStatus.WAITING).order_by("stage", "position", "id"))
    if new in SUCCESSFUL:
        # Every dependent's prerequisites in one query, not one query per dependent
        # (read after this case's new status was saved, as before).
        for dependent in waiting.prefetch_related(Prefetch(
                "prerequisites", queryset=Case.objects.select_related("matter"))):
            prerequisites = list(dependent.prerequisites.all())
            if all(_delivered(p) for p in prerequisites):
                dependent.application = case.application
                apply_transition(dependent, Action.RELEASE, actor=None, role=Role.SYSTEM,
                                 params={"received": {p.matter.code: p.result
                                                      for p in prerequisites}})
                step.released.append(dependent.pk)
    elif new in {CaseStatus.DENIED, CaseStatus.REFUSED, CaseStatus.WITHDRAWN,
                 CaseStatus.CANCELLED}:
        if new is CaseStatus.WITHDRAWN or (new is CaseStatus.CANCELLED
                                           and step.params.get("withdrawn")):
            reason = "申请已撤回"
        else:
            reason = f"前置事项“{case.matter.name}”{STATUS_LABELS[new]}"
        for dependent in waiting:
            dependent.application = case.application
            inner = apply_transition(dependent, Action.CANCEL, actor=None, role=Role.SYSTEM,
                                     reason=reason,
                                     params={"withdrawn": reason == "申请已撤回"})
            step.cancelled += [dependent, *inner.cancelled]


def _delivered(prerequisite: Case) -> bool:
    return prerequisite.status in SUCCESSFUL or (
        prerequisite.status == CaseStatus.CONCLUDED
        and prerequisite.result.get("decision") == "approved")


# -- the effects -------------------------------------------------------------------------


@effect(Action.RELEASE)
def _received(step: Step) -> None:
    step.case.received = dict(step.params.get("received") or {})
    step.case.received_at = step.now  # the department has the file from now (收件)
    step.changed += ["received", "received_at"]
    step.data["received"] = step.case.received


@effect(Action.ACCEPT, Action.AUTO_APPROVE)
def _accepted(step: Step) -> None:
    case = step.case
    case.accepted_at = step.now
    step.changed += ["accepted_at", *clock.refresh_due_dates(case, today=step.today)]
    _note_due_dates(step)


@effect(Action.REQUEST_CORRECTION)
def _correction_requested(step: Step) -> None:
    """一次性告知: every item at once, each with what is wrong."""
    clean = []
    for item in step.params.get("items") or []:
        material = str(item.get("material", "")).strip()
        note = str(item.get("note", "")).strip()
        if material:
            clean.append({"material": material, "note": note[:500]})
    if not clean:
        raise SubmissionError({"items": "请逐项列出需要补正的材料 (list every item to correct)"},
                              "correction_items_required")
    step.case.correction_items = clean
    step.changed.append("correction_items")
    step.data["items"] = clean
    _open_period(step, SuspensionKind.CORRECTION)


@effect(Action.RESUBMIT)
def _resubmitted(step: Step) -> None:
    case = step.case
    step.data["materials"] = _store_corrections(case, step.params.get("materials") or {},
                                                step.actor)
    # The correction period ends (补正期间不计入办理时限): both dates move with it.
    _close_period(step)
    if case.accepted_at is None:
        case.received_at = step.now  # corrected before acceptance: received anew
        step.changed.append("received_at")
    case.correction_items = []
    step.changed.append("correction_items")


@effect(Action.APPROVE, Action.AUTO_APPROVE, Action.DENY, Action.REFUSE)
def _decided(step: Step) -> None:
    step.case.decided_at = step.now
    step.changed.append("decided_at")


@effect(Action.APPROVE, Action.AUTO_APPROVE)
def _approved(step: Step) -> None:
    step.case.result = _result(step.case, step.params.get("result"), step.actor)
    step.changed.append("result")
    step.data["result"] = step.case.result


def _pages(given: Mapping[str, Any], wanted: Mapping[str, dict[str, Any]], actor: User | None,
           errors: dict[str, str]) -> dict[str, list[Upload]]:
    """Each given material's pages (多页材料): the actor's uploads, within its limit."""
    ids = {k: page_ids(v) for k, v in given.items() if k in wanted}
    found = owned_uploads([i for pages in ids.values() for i in pages or ()],
                          [actor] if actor is not None else [])
    pages: dict[str, list[Upload]] = {}
    for key, chosen in ids.items():
        limit = int(wanted[key].get("max_pages") or DEFAULT_MAX_PAGES)
        if not chosen or any(i not in found for i in chosen):
            errors[f"materials.{key}"] = "文件不存在或不属于您 (unknown file)"
        elif len(chosen) > limit:
            errors[f"materials.{key}"] = too_many_pages(wanted[key].get("name") or key, limit)
        else:
            pages[key] = [found[i] for i in chosen]
    return pages


def _replace_material(case: Case, key: str, name: str, pages: Sequence[Upload] = (),
                      certificate: Any = None) -> None:
    """The material's current pages give way to the new ones (or to a certificate)."""
    ProvidedMaterial.objects.filter(application=case.application, material_key=key,
                                    current=True).update(current=False)
    if certificate is not None:
        ProvidedMaterial.objects.create(application=case.application, material_key=key,
                                        material_name=name, certificate=certificate)
        return
    ProvidedMaterial.objects.bulk_create(
        ProvidedMaterial(application=case.application, material_key=key, material_name=name,
                         upload=upload, page=page)
        for page, upload in enumerate(pages, start=1))


def _store_corrections(case: Case, materials: Mapping[str, Any],
                       actor: User | None) -> list[str]:
    wanted = [i["material"] for i in case.correction_items]
    extra = sorted(set(materials) - set(wanted))
    missing = [k for k in wanted if k not in materials]
    errors = {f"materials.{k}": "只需补正告知的材料 (not requested)" for k in extra}
    errors.update({f"materials.{k}": "请上传补正材料 (required)" for k in missing})
    planned = {m["key"]: m for m in case.application.plan.get("materials", [])}
    pages = _pages({k: v for k, v in materials.items() if k in wanted},
                   {k: planned.get(k, {"name": k}) for k in wanted}, actor, errors)
    if errors:
        raise SubmissionError(errors)
    for key in wanted:
        _replace_material(case, key, planned.get(key, {}).get("name", key), pages[key])
    return wanted


def _result(case: Case, given: Mapping[str, str] | None, actor: User | None) -> dict[str, str]:
    """The decision's result: what dependent matters receive (e.g. a licence number).

    A matter that issues a certificate type gets a signed certificate here; the
    result then carries its number and the address where anyone can verify it.
    """
    data = {str(k): str(v) for k, v in (given or {}).items() if str(v).strip()}
    data["decision"] = "approved"
    issues = case.matter.issues
    if issues is not None:
        from onething.certificates.services import issue_certificate, verify_path

        data["certificate_type"] = issues.key
        data["certificate_name"] = issues.name
        data.pop("verify_url", None)
        case.result = data
        certificate = issue_certificate(case, actor=actor)
        data["number"] = certificate.number
        data["verify_url"] = verify_path(certificate.number)
        if certificate.data.get("holder_kind") == "organisation":
            # what dependent matters receive, e.g. the USCC the register assigned
            for item in certificate.data.get("fields") or []:
                if item.get("key") == "uscc" and item.get("value"):
                    data["uscc"] = item["value"]
    return data


# -- the clock: non-counting periods, extensions, deemed acceptance ------------------------
# (onething.domain.deadlines does the arithmetic, onething.applications.clock reads the rows)


def _note_due_dates(step: Step) -> None:
    case = step.case
    if case.promised_due_date is not None:
        step.data["promised_due_date"] = case.promised_due_date.isoformat()
    if case.statutory_due_date is not None:
        step.data["statutory_due_date"] = case.statutory_due_date.isoformat()


def _open_period(step: Step, kind: SuspensionKind, *, legal_basis: str = "",
                 expected_end: dt.date | None = None) -> CaseSuspension:
    period = CaseSuspension.objects.create(
        case=step.case, kind=kind, reason=step.reason[:2000],
        legal_basis=(legal_basis or SUSPENSION_BASIS[kind])[:300], expected_end=expected_end,
        started_on=step.today, started_at=step.now, started_by=step.actor)
    step.changed += clock.refresh_due_dates(step.case, today=step.today)
    step.data["suspension"] = {"id": period.pk, "kind": kind.value,
                               "started_on": step.today.isoformat(),
                               **({"expected_end": expected_end.isoformat()}
                                  if expected_end else {})}
    return period


def _close_period(step: Step) -> CaseSuspension | None:
    period = clock.open_suspension(step.case)
    if period is None:
        return None
    period.ended_on, period.ended_at, period.ended_by = step.today, step.now, step.actor
    period.save(update_fields=["ended_on", "ended_at", "ended_by"])
    step.changed += clock.refresh_due_dates(step.case, today=step.today)
    step.data["suspension"] = {"id": period.pk, "kind": period.kind,
                               "started_on": period.started_on.isoformat(),
                               "ended_on": step.today.isoformat()}
    _note_due_dates(step)
    return period


@effect(Action.SUSPEND)
def _suspended(step: Step) -> None:
    """特别程序 (《行政许可法》第四十五条): the time it takes does not count, and the
    applicant is told in writing how long it is expected to take."""
    try:
        kind = SuspensionKind(str(step.params.get("kind") or ""))
    except ValueError:
        kind = None
    if kind not in SPECIAL_PROCEDURES:
        choices = "、".join(SUSPENSION_LABELS[k] for k in SuspensionKind
                           if k in SPECIAL_PROCEDURES)
        raise SubmissionError({"kind": f"请选择特别程序的类型：{choices} "
                                       "(choose the kind of non-counting period)"},
                              "suspension_kind_required")
    expected_end = step.params.get("expected_end")
    if expected_end is not None and expected_end < step.today:
        raise SubmissionError({"expected_end": "预计结束日期不能早于今天 "
                                               "(the expected end cannot be in the past)"})
    _open_period(step, kind, legal_basis=str(step.params.get("legal_basis") or "").strip(),
                 expected_end=expected_end)


@effect(Action.RESUME)
def _resumed(step: Step) -> None:
    _close_period(step)


@effect(Action.WITHDRAW, Action.CANCEL, Action.LAPSE_PENDING, Action.DENY)
def _period_ends_with_the_case(step: Step) -> None:
    """A case that ends while a period is open (withdrawn, cancelled, terminated or denied
    while materials were owed) ends the period with it."""
    period = clock.open_suspension(step.case)
    if period is not None:
        period.ended_on, period.ended_at, period.ended_by = step.today, step.now, step.actor
        period.save(update_fields=["ended_on", "ended_at", "ended_by"])


@effect(Action.EXTEND)
def _extended(step: Step) -> None:
    """延期 (《行政许可法》第四十二条) within the matter's rule: at most its days in all,
    approved as it says (the head of the organ, or the department), with the reason
    told to the applicant."""
    case = step.case
    rule = catalog_selectors.extension_rule(case.matter)
    raw = step.params.get("days")
    try:
        days = int(raw) if raw is not None and not isinstance(raw, bool) else 0
    except (TypeError, ValueError):
        days = 0
    approved_by = str(step.params.get("approved_by") or "").strip()[:100]
    try:
        check_extension(rule, days=days, already=clock.extension_days(case),
                        reason=step.reason, approved_by=approved_by)
    except ExtensionRefused as exc:
        raise SubmissionError({exc.field: str(exc)}, "extension_refused") from exc
    CaseExtension.objects.create(case=case, days=days, reason=step.reason[:2000],
                                 approved_by=approved_by, legal_basis=rule.legal_basis[:300],
                                 granted_on=step.today, granted_at=step.now,
                                 granted_by=step.actor)
    step.changed += clock.refresh_due_dates(case, today=step.today)
    step.data.update({"days": days, **({"approved_by": approved_by} if approved_by else {})})
    _note_due_dates(step)


@effect(Action.DEEM_ACCEPTED)
def _deemed_accepted(step: Step) -> None:
    """逾期不告知的，自收到申请材料之日起即为受理 (《行政许可法》第三十二条): accepted as
    of receipt, once the acceptance limit has passed — checked again under the lock."""
    case = step.case
    limit = case.matter.acceptance_limit
    received_at = case.received_at
    if received_at is None or not is_deemed_accepted(
            timezone.localdate(received_at), limit, step.today, clock.calendar()):
        raise IllegalTransition(step.previous, step.action,
                                "受理期限尚未届满，不能视为受理 (the acceptance limit has not "
                                "passed)")
    case.accepted_at = received_at
    step.changed += ["accepted_at", *clock.refresh_due_dates(case, today=step.today)]
    step.data.update({"received_on": timezone.localdate(received_at).isoformat(),
                      "acceptance_limit": limit})
    _note_due_dates(step)
# -- 容缺受理 and 告知承诺 (procedures.py; docs/applications.md) ---------------------------


def _case_materials(case: Case) -> dict[str, dict[str, Any]]:
    """The materials this case's matter needs, from the plan the application was filed under."""
    plan = case.application.plan or {}
    return {m["key"]: m for m in plan.get("materials", [])
            if case.matter.code in m.get("needed_by", [])}


def _names(items: list[dict[str, Any]]) -> str:
    return "、".join(f"“{i.get('name') or i.get('material')}”" for i in items)


@effect(Action.ACCEPT)
def _nothing_declared_owed(step: Step) -> None:
    """A case the applicant filed with materials to follow is accepted only by 容缺受理
    (which fixes what is owed and by when) — or sent back for correction."""
    if step.case.pending_items:
        raise IllegalTransition(
            step.previous, step.action,
            f"申请人申请容缺受理，尚缺{_names(step.case.pending_items)}：请选择“容缺受理”"
            "（确定补齐期限），或一次性告知补正 (the applicant declared materials to follow: "
            "accept_pending, or request a correction)")


# 容缺受理 is an acceptance: the clock and the due dates start as with ``accept``.
effect(Action.ACCEPT_PENDING)(_accepted)


@effect(Action.ACCEPT_PENDING)
def _accepted_pending(step: Step) -> None:
    """容缺受理: fix the materials owed — the matter's 容缺 materials the reviewer names
    (every one the applicant declared owed among them) — and the date to supply them."""
    case = step.case
    rule = catalog_spec.accept_pending_from(case.matter.accept_pending)
    if rule is None:
        raise IllegalTransition(step.previous, step.action,
                                f"“{case.matter.name}”不适用容缺受理 "
                                "(this matter takes no materials after acceptance)")
    needed = _case_materials(case)
    declared = [i["material"] for i in case.pending_items]
    given = step.params.get("items") or [{"material": key} for key in declared]
    chosen: dict[str, str] = {}
    errors: dict[str, str] = {}
    for item in given:
        key = str(item.get("material", "")).strip()
        if key not in needed:
            errors[f"items.{key[:64]}"] = "本事项不需要该材料 (not a material of this case)"
        elif key not in rule.materials:
            errors[f"items.{key}"] = (f"“{needed[key]['name']}”不是可容缺的材料 "
                                      "(this material cannot follow later)")
        else:
            chosen[key] = str(item.get("note", "")).strip()[:500]
    for key in declared:
        if key not in chosen and f"items.{key}" not in errors:
            errors[f"items.{key}"] = (f"申请人未提交“{needed.get(key, {}).get('name', key)}”，"
                                      "须列为容缺材料 (declared owed by the applicant: list it)")
    if not chosen and not errors:
        errors["items"] = "请列出容缺材料 (list the materials owed)"
    if errors:
        raise SubmissionError(errors, "invalid_pending_items")
    case.pending_items = [{"material": key, "name": needed[key]["name"], "note": note}
                          for key, note in chosen.items()]
    case.pending_due_date = clock.calendar().add_working_days(step.today, rule.within).day
    case.pending_on_lapse = rule.on_lapse
    step.changed += ["pending_items", "pending_due_date", "pending_on_lapse"]
    _open_period(step, SuspensionKind.PENDING_MATERIALS)
    step.data.update({"items": case.pending_items,
                      "pending_due_date": case.pending_due_date.isoformat(),
                      "on_lapse": rule.on_lapse})


@effect(Action.SUPPLY_MATERIALS)
def _supplied(step: Step) -> None:
    """补齐: every owed material at once — an upload of the applicant's, or an electronic
    certificate they now hold (免提交). The applicant's wait does not count towards the
    promised date (as for 补正)."""
    case = step.case
    owed = {i["material"]: i for i in case.pending_items}
    given = {str(k): v for k, v in (step.params.get("materials") or {}).items()}
    needed = _case_materials(case)
    errors = {f"materials.{k[:64]}": "只需补交尚缺的容缺材料 (not owed)"
              for k in sorted(set(given) - set(owed))}
    pages = _pages({k: v for k, v in given.items() if k in owed},
                   {k: {**needed.get(k, {}), "name": owed[k]["name"]} for k in owed},
                   step.actor, errors)
    from onething.certificates.selectors import held_certificates

    types = {needed.get(k, {}).get("certificate") for k in owed} - {None}
    held = held_certificates(case.application.applicant, types) if types else {}
    sources: dict[str, tuple[list[Upload], Any]] = {}
    for key, item in owed.items():
        if key in given:
            if key in pages:
                sources[key] = (pages[key], None)
        elif needed.get(key, {}).get("certificate") in held:
            sources[key] = ([], held[needed[key]["certificate"]])
        else:
            errors[f"materials.{key}"] = f"请上传“{item['name']}” (required)"
    if errors:
        raise SubmissionError(errors)
    for key, (uploaded, certificate) in sources.items():
        _replace_material(case, key, owed[key]["name"], uploaded, certificate)
    step.data["materials"] = list(owed)
    step.data["certificates"] = {k: c.number for k, (_, c) in sources.items() if c is not None}
    # The wait for the owed materials ends (容缺补齐期间不计时): both dates move with it.
    _close_period(step)
    case.pending_items, case.pending_due_date, case.pending_on_lapse = [], None, ""
    step.changed += ["pending_items", "pending_due_date", "pending_on_lapse"]


@effect(Action.RESUBMIT)
def _owed_supplied_by_correction(step: Step) -> None:
    """A material declared owed that the department asked for in a correction notice and
    the applicant has now sent is owed no longer."""
    corrected = set(step.data.get("materials") or [])
    owed = step.case.pending_items or []
    if corrected & {i["material"] for i in owed}:
        step.case.pending_items = [i for i in owed if i["material"] not in corrected]
        step.changed.append("pending_items")


@effect(Action.LAPSE_PENDING)
def _pending_lapsed(step: Step) -> None:
    """Terminated for want of the owed materials: the record keeps what was owed."""
    case = step.case
    step.data.update({"items": case.pending_items,
                      "pending_due_date": case.pending_due_date.isoformat()
                      if case.pending_due_date else None})


@effect(Action.APPROVE_ON_COMMITMENT)
def _decided_on_commitment(step: Step) -> None:
    """告知承诺: the decision rests on the signed commitment; the post-check falls due.
    Runs first, so that nothing is issued for a case without a signed commitment."""
    commitment = Commitment.objects.select_for_update().filter(case=step.case).first()
    if commitment is None:
        raise IllegalTransition(step.previous, step.action,
                                "没有申请人签署的告知承诺书 (no signed commitment)")
    commitment.check_due_date = clock.calendar().add_working_days(step.today,
                                                            commitment.check_within).day
    commitment.save(update_fields=["check_due_date"])
    step.data["commitment"] = {
        "version": commitment.version, "sha256": commitment.sha256,
        "signed_by": commitment.signed_by_id, "recorded_by": commitment.recorded_by_id,
        "channel": commitment.channel,
        "signed_at": commitment.signed_at.isoformat(timespec="seconds"),
        "check_due_date": commitment.check_due_date.isoformat(),
    }


# The decision on a commitment accepts, decides and issues as an approval does.
for _run in (_accepted, _decided, _approved):
    effect(Action.APPROVE_ON_COMMITMENT)(_run)


def _checked_commitment(step: Step, result: str) -> Commitment:
    commitment = Commitment.objects.select_for_update().filter(case=step.case).first()
    if commitment is None:  # the table allows these only after approve_on_commitment
        raise IllegalTransition(step.previous, step.action,
                                "没有申请人签署的告知承诺书 (no signed commitment)")
    commitment.check_result = result
    commitment.checked_at = step.now
    commitment.checked_by = step.actor
    commitment.check_note = step.reason[:2000]
    commitment.save(update_fields=["check_result", "checked_at", "checked_by", "check_note"])
    step.data["commitment"] = {"version": commitment.version, "sha256": commitment.sha256,
                               "check_due_date": commitment.check_due_date.isoformat()
                               if commitment.check_due_date else None,
                               "result": result}
    return commitment


@effect(Action.CONFIRM_COMMITMENT)
def _commitment_confirmed(step: Step) -> None:
    """事后核查：承诺属实 — the decision stands."""
    _checked_commitment(step, CommitmentCheck.TRUE)


@effect(Action.REVOKE_FALSE_COMMITMENT)
def _commitment_false(step: Step) -> None:
    """事后核查：承诺不实 — the decision is revoked (《行政许可法》第六十九条) and its
    certificate revoked through ``revoke_certificate``, with the reason."""
    _checked_commitment(step, CommitmentCheck.FALSE)
    case = step.case
    number = (case.result or {}).get("number", "")
    case.result = {**(case.result or {}), "decision": "revoked"}
    step.changed.append("result")
    if number:
        from onething.certificates.models import Certificate
        from onething.certificates.services import revoke_certificate

        certificate = Certificate.objects.filter(number=number, case=case).first()
        if certificate is not None and certificate.revoked_at is None:
            revoke_certificate(certificate, actor=step.actor,
                               reason=f"告知承诺不实，撤销准予决定：{step.reason}")
        step.data["certificate"] = number
