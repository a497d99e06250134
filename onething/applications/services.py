"""Writes for applications and cases: one function per use case.

* ``store_upload`` — check a file by content and keep it under its hash.
* ``submit_application`` — one application, one case per applicable matter,
  in one transaction; cases without unmet dependencies go to their
  departments at once (并联), dependent cases wait.
* ``transition_case`` — the only way a case changes state: locks the row,
  asks the pure transition table (``onething.domain.cases``), writes the
  Event, releases or cancels dependent cases, tells the applicant.
* ``withdraw_application`` — the applicant withdraws every open case.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any, BinaryIO

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from onething.accounts.models import ApplicantKind, User
from onething.accounts.models import Role as UserRole
from onething.accounts.services import profile_data
from onething.applications import clock, procedures, storage
from onething.applications.attachments import owned_uploads, page_ids, too_many_pages
from onething.applications.errors import CaseActionDenied, SubmissionError
from onething.applications.models import (
    Application,
    Case,
    Channel,
    Event,
    ProvidedMaterial,
    Upload,
)
from onething.applications.transitions import (
    Step,
    apply_transition,
    lock_application,
    lock_case,
    refresh_application_status,
)
from onething.catalog import models as catalog_models
from onething.catalog import selectors as catalog_selectors
from onething.domain import catalog as catalog_spec
from onething.domain.cases import (
    CLOCK_PAUSED,
    DECIDED,
    FINAL,
    WITHDRAWABLE,
    Action,
    CaseStatus,
    IllegalTransition,
    Role,
    derive_application_status,
)
from onething.domain.deadlines import is_deemed_accepted
from onething.domain.identity import WAIVER_LEVEL, AssuranceLevel
from onething.domain.planner import (
    AnsweredRange,
    Plan,
    PlannedField,
    PlanningError,
    plan_to_dict,
)
from onething.domain.validators import (
    ValidationProblem,
    check_number,
    check_text,
    validate_id_number,
    validate_mobile,
    validate_uscc,
)
from onething.notifications.messages import part
from onething.notifications.services import notify

COMPANY_NOT_VERIFIED = (
    "企业账户尚未认证：企业名称、统一社会信用代码和法定代表人须与企业登记信息一致，并由法定代表人"
    "本人办理。请在“实名认证”页面重新核验，或携带营业执照和身份证原件到综合窗口办理 "
    "(the company account is not verified: only its registered legal representative may apply)")


# -- uploads -------------------------------------------------------------------


def store_upload(stream: BinaryIO, *, owner: User, name: str = "") -> Upload:
    """Check a file (size, real type by content) and record it for ``owner``."""
    sha256, size, content_type = storage.store(stream)
    # The same file again from the same person (a form re-sent after an error): one row.
    existing = Upload.objects.filter(owner=owner, sha256=sha256).first()
    if existing is not None:
        return existing
    return Upload.objects.create(owner=owner, sha256=sha256, size=size,
                                 content_type=content_type,
                                 original_name=storage.display_name(name))


# -- form checking -------------------------------------------------------------

_CHECKS = {"id_number": validate_id_number, "uscc": validate_uscc, "mobile": validate_mobile}


def _range_label(answered: AnsweredRange) -> tuple[str, str]:
    """(Chinese, English) of the range an answer stands for."""
    low, high = answered.at_least, answered.below
    if low is not None and high is not None:
        return f"{low:g} 至 {high:g}（不含）", f"from {low:g} to below {high:g}"
    if low is not None:
        return f"不小于 {low:g}", f"at least {low:g}"
    return f"小于 {high:g}", f"below {high:g}"


def _check_number_field(field: PlannedField, value: str) -> tuple[str, str | None]:
    """(normalised number, error) of a number field: bounds, then the tied answer."""
    try:
        number = check_number(value, minimum=field.minimum, maximum=field.maximum,
                              decimals=field.decimals)
    except ValidationProblem as exc:
        return value, f"“{field.label}”{exc.message}"
    answered = field.answered
    if answered is not None and not answered.admits(float(number)):
        zh, en = _range_label(answered)
        return value, (f"“{field.label}”填写为 {number}，与情形“{answered.question_text}”"
                       f"所选的“{answered.option_label}”不符，应{zh} "
                       f"({field.key} = {number} contradicts the answer "
                       f"'{answered.option}' to '{answered.question}': must be {en})")
    return format(number, "f"), None


def check_form(plan: Plan, data: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """Return (clean data, errors) for the merged form of ``plan``.

    Text holds no control characters or lone surrogates (line breaks only in
    multi-line fields); numbers are plain decimals within the catalogue's
    bounds and agree with the situation answer tied to them (经营面积 vs the
    area question).
    """
    clean: dict[str, str] = {}
    errors: dict[str, str] = {}
    for field in plan.fields:
        raw = data.get(field.key)
        if isinstance(raw, dict | list):
            errors[field.key] = f"“{field.label}”应为文本，不能是列表或对象 (must be text)"
            continue
        value = "" if raw is None else str(raw).strip()
        if not value:
            if field.required:
                errors[field.key] = f"请填写“{field.label}” (required)"
            continue
        if len(value) > 2000:
            errors[field.key] = f"“{field.label}”过长 (too long)"
            continue
        try:
            check_text(value, multiline=field.type == "textarea")
        except ValidationProblem as exc:
            errors[field.key] = f"“{field.label}”{exc.message}"
            continue
        check = _CHECKS.get(field.type)
        if check is not None:
            try:
                value = check(value)
            except ValidationProblem as exc:
                errors[field.key] = f"{field.label}：{exc.message}"
                continue
        elif field.type == "number":
            value, problem = _check_number_field(field, value)
            if problem is not None:
                errors[field.key] = problem
                continue
        elif field.type == "date":
            try:
                value = dt.date.fromisoformat(value).isoformat()
            except ValueError:
                errors[field.key] = f"“{field.label}”应为日期 YYYY-MM-DD (must be a date)"
                continue
        elif field.type == "choice" and field.choices and value not in field.choices:
            errors[field.key] = f"“{field.label}”只能选 {'、'.join(field.choices)}"
            continue
        clean[field.key] = value
    return clean, errors


# -- submission ----------------------------------------------------------------


@dataclass(frozen=True)
class Submission:
    bundle: str
    answers: Mapping[str, str]
    form_data: Mapping[str, Any]
    # material key -> Upload id, or the ids of its pages in order (多页材料)
    materials: Mapping[str, int | list[int]]
    idempotency_key: str = ""
    # 容缺受理: materials the applicant declares owed, to supply after acceptance
    deferred_materials: Collection[str] = ()
    # 告知承诺: matter code -> SHA-256 of the commitment text the applicant signed
    commitments: Mapping[str, str] = dataclass_field(default_factory=dict)


#: Longest idempotency key; a longer one is refused, never cut to fit.
MAX_IDEMPOTENCY_KEY = 100


def submission_fingerprint(submission: Submission) -> str:
    """SHA-256 of the canonical payload: bundle, answers, form data and materials.

    Key order and JSON spacing do not matter; any other difference does. Materials
    declared owed (容缺) and signed commitments count when given.
    """
    # One page is the id alone, as a single-file material was sent before pages existed:
    # a retry of such a submission keeps its fingerprint.
    materials = {k: v[0] if isinstance(v, list | tuple) and len(v) == 1 else v
                 for k, v in dict(submission.materials or {}).items()}
    payload: dict[str, Any] = {
        "bundle": submission.bundle, "answers": dict(submission.answers or {}),
        "form_data": dict(submission.form_data or {}), "materials": materials}
    if submission.deferred_materials:
        payload["deferred_materials"] = sorted(str(k) for k in submission.deferred_materials)
    if submission.commitments:
        payload["commitments"] = dict(submission.commitments)
    canonical = json.dumps(
        payload,
        sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def _replayed(existing: Application, fingerprint: str) -> Application:
    """The first application for a repeated key, if the payload is the same.

    RFC draft "The Idempotency-Key HTTP Header Field" §2.7: reusing a key with
    a different payload is an error (422), not a replay.
    """
    if existing.idempotency_fingerprint and existing.idempotency_fingerprint != fingerprint:
        raise SubmissionError(
            {"idempotency_key": "该幂等键已用于另一份内容不同的申请，请换用新的键 "
                                "(idempotency key already used with a different payload)"},
            "idempotency_key_reused")
    # The first attempt may have committed and then lost its answer before 秒批 ran
    # (a crash or a database restart between the two): the retry finishes it. Cases
    # already decided or referred to a reviewer are left as they are.
    from onething.applications.instant import decide_submitted

    cases = Case.objects.filter(application=existing)
    if decide_submitted(cases) or procedures.decide_on_commitments(cases):
        existing.refresh_from_db()
    return existing


def submit_application(submission: Submission, *, actor: User, applicant: User,
                       channel: str = Channel.PORTAL) -> Application:
    """Apply once: create the application and its cases in one transaction.

    A repeated submission with the same idempotency key and the same payload
    returns the first application; the same key with another payload is
    refused (``idempotency_key_reused``). Data the platform holds about the
    applicant is filled in from their profile and wins over what was sent.
    """
    if not applicant.is_applicant:
        raise SubmissionError({"applicant": "申请人必须是已注册的群众或企业 (not an applicant)"})
    if actor != applicant and actor.role not in {UserRole.CLERK, UserRole.MANAGER}:
        raise CaseActionDenied("只有窗口工作人员可以代为提交 (only clerks submit for others)")
    if (applicant.applicant_kind == ApplicantKind.COMPANY
            and applicant.assurance_level < AssuranceLevel.L2):
        # Acting for a company: only its verified legal representative (mandates for
        # other agents come with assisted handling).
        raise SubmissionError({"applicant": COMPANY_NOT_VERIFIED}, "company_not_verified")
    # Materials waived for an identity seen in person (刷证核验) need L3.
    verified = applicant.assurance_level >= WAIVER_LEVEL
    key = (submission.idempotency_key or "").strip()
    if len(key) > MAX_IDEMPOTENCY_KEY:
        raise SubmissionError(
            {"idempotency_key": f"幂等键最多 {MAX_IDEMPOTENCY_KEY} 个字符 "
                                f"(idempotency key longer than {MAX_IDEMPOTENCY_KEY} characters)"},
            "idempotency_key_too_long")
    fingerprint = submission_fingerprint(submission)
    if key:
        existing = Application.objects.filter(applicant=applicant, idempotency_key=key).first()
        if existing is not None:
            return _replayed(existing, fingerprint)
    # Certificates the applicant holds stand in for materials (免提交).
    from onething.certificates.selectors import held_certificate_types, held_certificates

    held = held_certificates(applicant, held_certificate_types(applicant))
    try:
        plan = catalog_selectors.plan_bundle(submission.bundle, dict(submission.answers or {}),
                                             start=timezone.localdate(), provisional=True,
                                             held=held.keys(), verified=verified)
    except PlanningError as exc:
        raise SubmissionError({"answers": "；".join(exc.problems)}, "invalid_answers") from exc
    if not plan.matters:
        raise SubmissionError({"answers": "按所选情形没有需要办理的事项 (nothing to apply for)"},
                              "nothing_to_apply")

    data = {**dict(submission.form_data or {}), **profile_data(applicant)}
    form, errors = check_form(plan, data)
    owed = procedures.check_deferrals(plan, submission.deferred_materials or (),
                                      submission.materials or {}, errors)
    uploads = _check_materials(plan, submission.materials or {}, applicant, actor, errors,
                               owed=owed)
    procedures.check_commitments(plan, submission.commitments or {}, errors)
    if errors:
        raise SubmissionError(errors, procedures.error_code(errors, plan,
                                                            submission.commitments or {}))

    try:
        with transaction.atomic():
            application = _create(plan, submission, form, uploads, key, actor=actor,
                                  applicant=applicant, channel=channel, held=held,
                                  verified=verified, fingerprint=fingerprint, owed=owed)
    except IntegrityError:
        # A concurrent retry with the same key won the race: return its result.
        if key:
            existing = Application.objects.filter(applicant=applicant,
                                                  idempotency_key=key).first()
            if existing is not None:
                return _replayed(existing, fingerprint)
        raise
    if plan_matters_with_rules(plan):
        # 秒批: decided within the request, certificate included.
        from onething.applications.instant import decide_submitted

        decide_submitted(Case.objects.filter(application=application))
        application.refresh_from_db()
    if plan.commitments:
        # 告知承诺: decided at once on the signed commitment, certificate included.
        procedures.decide_on_commitments(Case.objects.filter(application=application))
        application.refresh_from_db()
    from onething.applications.signals import application_submitted

    application_submitted.send(sender=Application, application_id=application.pk, actor=actor)
    return application


def plan_matters_with_rules(plan: Plan) -> list[catalog_spec.Matter]:
    """The plan's matters that carry an automatic-decision rule (秒批)."""
    catalog = catalog_selectors.catalog_for_bundles([plan.bundle])
    return [catalog.matters[m.code] for m in plan.matters
            if catalog.matters[m.code].auto_decision is not None]


def _check_materials(plan: Plan, materials: Mapping[str, Any], applicant: User, actor: User,
                     errors: dict[str, str], *, owed: Collection[str] = ()
                     ) -> dict[str, list[Upload]]:
    """Each material's pages: uploads of the applicant (or the clerk), at most the
    material's ``max_pages`` (多页材料)."""
    wanted = {m.key: m for m in plan.materials}
    reused = {m.key for m in plan.reused_materials}
    for key in materials:
        # A file sent for a reused material (a client that planned without the
        # applicant's certificates) is not an error: the certificate is used.
        if key not in wanted and key not in reused:
            errors[f"materials.{key}"] = f"本次申请不需要材料 {key} (not needed)"
    pages = {k: page_ids(v) for k, v in materials.items() if k in wanted}
    found = owned_uploads([i for ids in pages.values() for i in ids or ()], {applicant, actor})
    uploads: dict[str, list[Upload]] = {}
    for key, material in wanted.items():
        ids = pages.get(key)
        if key in pages and (ids is None or any(i not in found for i in ids)):
            errors[f"materials.{key}"] = f"“{material.name}”的文件不存在或不属于您 (unknown file)"
        elif ids and len(ids) > material.max_pages:
            errors[f"materials.{key}"] = too_many_pages(material.name, material.max_pages)
        elif not ids and key not in owed:  # 容缺: declared owed, supplied later
            errors.setdefault(f"materials.{key}", f"请上传“{material.name}” (required)")
        elif ids:
            uploads[key] = [found[i] for i in ids]
    return uploads


def _create(plan: Plan, submission: Submission, form: dict[str, str],
            uploads: dict[str, list[Upload]],
            key: str, *, actor: User, applicant: User, channel: str,
            held: Mapping[str, Any] | None = None, verified: bool = False,
            fingerprint: str = "", owed: Collection[str] = ()) -> Application:
    bundle = catalog_models.Bundle.objects.get(slug=plan.bundle)
    application = Application.objects.create(
        applicant=applicant, submitted_by=actor, channel=channel, bundle=bundle,
        answers=dict(plan.answers), form_data=form, plan=plan_to_dict(plan),
        idempotency_key=key, idempotency_fingerprint=fingerprint if key else "",
    )
    today = timezone.localdate()
    application.tracking_number = f"{today:%Y%m%d}{application.pk:07d}"

    ProvidedMaterial.objects.bulk_create(
        ProvidedMaterial(application=application, material_key=k,
                         material_name=next(m.name for m in plan.materials if m.key == k),
                         upload=upload, page=page)
        for k, pages in uploads.items() for page, upload in enumerate(pages, start=1)
    )
    held = held or {}
    ProvidedMaterial.objects.bulk_create(  # 免提交: the held certificate is the material
        ProvidedMaterial(application=application, material_key=m.key, material_name=m.name,
                         certificate=held[m.certificate])
        for m in plan.reused_materials if m.certificate in held
    )
    matters = {m.code: m for m in catalog_models.Matter.objects.filter(
        code__in=[m.code for m in plan.matters])}
    pending = procedures.pending_items_by_matter(plan, owed)  # 容缺: declared owed
    cases = dict(zip((p.code for p in plan.matters), Case.objects.bulk_create(
        Case(
            application=application, matter=matters[planned.code],
            department_id=matters[planned.code].department_id,
            status=CaseStatus.WAITING if planned.depends_on else CaseStatus.SUBMITTED,
            received_at=None if planned.depends_on else application.submitted_at,
            stage=planned.stage, position=position,
            promised_unit=matters[planned.code].promised_unit,
            promised_days=matters[planned.code].promised_days,
            statutory_unit=matters[planned.code].statutory_unit,
            statutory_days=matters[planned.code].statutory_days,
            pending_items=pending.get(planned.code, []),
        )
        for position, planned in enumerate(plan.matters)
    ), strict=True))
    procedures.record_commitments(plan, cases, applicant=applicant, actor=actor,
                                  channel=channel)  # 告知承诺: as signed
    Case.prerequisites.through.objects.bulk_create(
        Case.prerequisites.through(from_case_id=cases[p.code].pk,
                                   to_case_id=cases[code].pk)
        for p in plan.matters for code in p.depends_on
    )
    Event.objects.create(application=application, actor=actor, action=Action.SUBMIT,
                         to_status=application.status,
                         data={"channel": channel, "cases": len(cases),
                               "assurance": int(applicant.assurance_level),
                               **({"identity_verified": True} if verified else {}),
                               **({"waived_materials": [m.key for m in plan.waived_materials]}
                                  if plan.waived_materials else {}),
                               **({"deferred_materials": sorted(owed)} if owed else {}),
                               **({"commitments": {c.matter: {"version": c.version,
                                                              "sha256": c.sha256}
                                                   for c in plan.commitments}}
                                  if plan.commitments else {})})
    Event.objects.bulk_create(
        Event(application=application, case=case, actor=actor, action=Action.SUBMIT,
              to_status=case.status)
        for case in cases.values()
    )
    application.status = derive_application_status(c.status for c in cases.values())
    application.save(update_fields=["tracking_number", "status", "updated_at"])
    notify(user=applicant, application=application,
           dedupe_key=f"application:{application.pk}:submitted", happened=Action.SUBMIT,
           parts=[part("submitted", bundle=bundle.name, number=application.tracking_number,
                       count=len(cases))])
    return application


# -- the case lifecycle ----------------------------------------------------------


def role_of(actor: User | None, case: Case) -> Role:
    """The role ``actor`` plays on ``case``, or CaseActionDenied."""
    if actor is None:
        return Role.SYSTEM
    if actor.role == UserRole.REVIEWER and actor.department_id == case.department_id:
        return Role.REVIEWER
    if actor.pk == case.application.applicant_id:
        return Role.APPLICANT
    raise CaseActionDenied()


def transition_case(case_id: int, action: Action | str, *, actor: User | None,
                    reason: str = "", items: list[dict[str, str]] | None = None,
                    result: Mapping[str, str] | None = None,
                    materials: Mapping[str, int] | None = None,
                    kind: str = "", legal_basis: str = "",
                    expected_end: dt.date | None = None,
                    days: int | None = None, approved_by: str = "") -> Case:
    """Apply ``action`` to a case: the single entry point for every state change.

    《行政许可法》第三十二条 (受理 / 不予受理 / 一次性告知补正 / 视为受理), 第三十四条
    (当场决定), 第四十二条 (期限, 延期), 第四十五条 (不计算在期限内的期间). ``items``
    lists every missing or faulty item of a correction request; ``materials`` are the
    resubmitted uploads, which must cover exactly those items; ``result`` is the
    decision's result data. ``suspend`` takes the ``kind`` of period (and optionally
    its ``legal_basis`` and ``expected_end``); ``extend`` the ``days`` and, when the
    head of the organ approves, ``approved_by``. What each action does is in
    ``transitions`` (one effect per action).
    """
    action = Action(action)
    with transaction.atomic():
        case = lock_case(case_id)
        step = apply_transition(case, action, actor=actor, role=role_of(actor, case),
                                reason=reason,
                                params={"items": items, "result": result,
                                        "materials": materials, "kind": kind,
                                        "legal_basis": legal_basis,
                                        "expected_end": expected_end, "days": days,
                                        "approved_by": approved_by})
        refresh_application_status(case.application)
        _tell_applicant(step)
    if step.released:
        # 秒批 for dependents that just reached their department (e.g. a matter
        # decided automatically once its prerequisite's certificate arrives). The
        # action above has committed: a conflict here is logged, never raised.
        from onething.applications.instant import decide_submitted

        decide_submitted(Case.objects.filter(pk__in=step.released))
        procedures.decide_on_commitments(Case.objects.filter(pk__in=step.released))
    return case


def _tell_applicant(step: Step) -> None:
    """One notice per action, naming the dependents it cancelled."""
    case, action, new = step.case, step.action, step.new
    application = case.application
    if action in {Action.RESUBMIT, Action.WITHDRAW, Action.SUPPLY_MATERIALS}:
        return  # the applicant did it themselves (and is told on the page)
    # In the reader's language when read (onething/notifications/messages.py).
    parts = [part("case_step", number=application.tracking_number, matter=case.matter.name,
                  action=action.value)]
    parts.extend(procedures.notice(case, action, step.data))  # 容缺受理 / 告知承诺
    if new is CaseStatus.CORRECTION_REQUESTED:
        parts.append(part("correction_hint"))
    parts.extend(_clock_note(step))
    if step.reason and action is not Action.REQUEST_CORRECTION:
        parts.append(part("reason", reason=step.reason[:100]))
    if step.cancelled:
        parts.append(part("cancelled", matters=[c.matter.name for c in step.cancelled]))
    notify(user=application.applicant, application=application, parts=parts,
           dedupe_key=f"event:{step.event.pk}", happened=action, subject=case.matter.name)


def _clock_note(step: Step) -> list[list[Any]]:
    """What the applicant must know about the clock: the period, the new due dates (as
    message parts, onething/notifications/messages.py)."""
    case, action, data = step.case, step.action, step.data
    parts: list[list[Any]] = []
    if action is Action.SUSPEND:
        period = data.get("suspension", {})
        parts.append(part("suspended", suspension=period["kind"]))
        if period.get("expected_end"):
            parts.append(part("expected_end", end_on=str(period["expected_end"])))
    elif action is Action.DEEM_ACCEPTED:
        parts.append(part("deemed_accepted", received_on=str(data.get("received_on"))))
    elif action is Action.EXTEND:
        parts.append(part("extended_days", days=data.get("days")))
    if action in {Action.RESUME, Action.EXTEND, Action.DEEM_ACCEPTED} and (
            case.promised_due_date is not None):
        parts.append(part("promised_due", due_on=case.promised_due_date.isoformat()))
        if case.due_provisional:
            parts.append(part("provisional"))
        if case.statutory_due_date is not None:
            parts.append(part("statutory_due", due_on=case.statutory_due_date.isoformat()))
            if case.statutory_due_provisional:
                parts.append(part("provisional"))
    return parts


# -- the clock: recomputation and deemed acceptance -------------------------------------


def recompute_due_dates(case_id: int, *, reason: str = "",
                        years: Iterable[int] = ()) -> list[str]:
    """Recompute one case's due dates from its facts and save them; return what changed.

    Run after holiday data changed (``calendar_changed``): the dates of an open case
    may move. A change is recorded (``reschedule``) and, when the promised date moved,
    the applicant is told the new one (``years``: the holiday years whose update moved
    it, named in the message). Idempotent: a second run changes nothing.
    """
    with transaction.atomic():
        case = lock_case(case_id)
        if case.accepted_at is None or CaseStatus(case.status) in DECIDED | FINAL:
            return []
        before = (case.promised_due_date, case.statutory_due_date)
        changed = clock.refresh_due_dates(case)
        if not changed:
            return []
        case.save(update_fields=[*changed, "updated_at"])
        data = {"promised_due_date": case.promised_due_date.isoformat(),
                "statutory_due_date": case.statutory_due_date.isoformat(),
                "previous": [d.isoformat() if d else None for d in before]}
        event = Event.objects.create(application=case.application, case=case, actor=None,
                                     action=Action.RESCHEDULE, from_status=case.status,
                                     to_status=case.status, reason=reason[:2000], data=data)
        if case.promised_due_date != before[0]:
            application = case.application
            notify(user=application.applicant, application=application,
                   dedupe_key=f"event:{event.pk}", happened=Action.RESCHEDULE,
                   parts=_rescheduled_parts(case, before[0], reason, years))
    return changed


def _rescheduled_parts(case: Case, before: dt.date | None, reason: str,
                       years: Iterable[int]) -> list[list[Any]]:
    """The applicant's message for a moved promise (in the reader's language)."""
    parts = [part("case_step", number=case.application.tracking_number,
                  matter=case.matter.name, action=Action.RESCHEDULE.value),
             part("rescheduled", from_on=before.isoformat() if before else "—",
                  to_on=case.promised_due_date.isoformat())]
    if case.due_provisional:
        parts.append(part("provisional"))
    if years:
        parts.append(part("calendar_updated", years=sorted(years)))
    elif reason:
        parts.append(part("text", text=f"。{reason[:100]}"))
    return parts


def cases_to_recompute(years: Iterable[int]) -> list[int]:
    """Accepted, undecided cases whose dates may depend on ``years``: accepted no later
    than the last of them, and due (or paused) no earlier than the first."""
    years = sorted({int(y) for y in years})
    if not years:
        return []
    first, last = dt.date(years[0], 1, 1), dt.date(years[-1], 12, 31)
    undecided = [s.value for s in CaseStatus if s not in DECIDED | FINAL]
    paused = [s.value for s in CLOCK_PAUSED]
    return list(Case.objects.filter(status__in=undecided, accepted_at__isnull=False,
                                    accepted_at__date__lte=last)
                .filter(Q(statutory_due_date__gte=first) | Q(status__in=paused)
                        | Q(statutory_due_date__isnull=True))
                .order_by("id").values_list("id", flat=True))


def recompute_for_calendar(years: Iterable[int]) -> dict[int, list[str]]:
    """Recompute every open case whose dates involve ``years``, each in its own
    transaction (a holiday notice entered, corrected or loaded)."""
    years = sorted({int(y) for y in years})
    label = "、".join(str(y) for y in years)
    reason = f"{label}年节假日安排已更新"
    changed = {}
    for case_id in cases_to_recompute(years):
        fields = recompute_due_dates(case_id, reason=reason, years=years)
        if fields:
            changed[case_id] = fields
    return changed


def deem_overdue_cases_accepted(*, today: dt.date | None = None) -> list[int]:
    """视为受理 (《行政许可法》第三十二条): every case still 待受理 whose matter's
    acceptance limit has passed since receipt is accepted as of the day of receipt,
    by the system. Each case in its own transaction, checked again under its lock;
    idempotent (an accepted case is not 待受理 any more)."""
    today = today or timezone.localdate()
    working_days = clock.calendar()
    # A limit of N working days ends N calendar days after receipt at the earliest, so a
    # case received yesterday or today cannot be overdue yet.
    candidates = (Case.objects.filter(status=CaseStatus.SUBMITTED,
                                      received_at__date__lt=today - dt.timedelta(days=1),
                                      matter__acceptance_limit__isnull=False)
                  .values_list("id", "received_at", "matter__acceptance_limit"))
    deemed = []
    for case_id, received_at, limit in candidates.order_by("id"):
        if not is_deemed_accepted(timezone.localdate(received_at), limit, today,
                                  working_days):
            continue
        try:
            transition_case(case_id, Action.DEEM_ACCEPTED, actor=None)
        except IllegalTransition:
            continue  # accepted, refused or sent back meanwhile: nothing to deem
        deemed.append(case_id)
    return deemed


@dataclass(frozen=True)
class Withdrawal:
    """What a withdrawal did: ``withdrawn`` and ``cancelled`` cases, and those ``kept``
    because they had been decided before the withdrawal took hold."""

    application: Application
    withdrawn: list[Case]
    cancelled: list[Case]
    kept: list[Case]

    @property
    def message(self) -> str:
        text = "申请已撤回。"
        if self.kept:
            names = "、".join(f"“{c.matter.name}”" for c in self.kept)
            text += (f"以下事项在撤回前已作出决定，未撤回：{names} "
                     f"({len(self.kept)} decided case(s) kept)")
        return text


def withdraw_application(application_id: int, *, actor: User, reason: str = "") -> Withdrawal:
    """The applicant withdraws every case not yet decided (撤回申请).

    Holds the application's lock, so a decision either lands before (that case
    is kept, and the result says so) or after (it finds the case withdrawn);
    waiting dependents are cancelled with the reason 申请已撤回.
    """
    withdrawable = {s.value for s in WITHDRAWABLE}
    with transaction.atomic():
        application = lock_application(application_id)
        if actor.pk != application.applicant_id:
            raise CaseActionDenied("只有申请人本人可以撤回 (only the applicant may withdraw)")
        cases = list(Case.objects.select_for_update(of=("self",)).select_related("matter")
                     .filter(application=application).order_by("stage", "position", "id"))
        if not any(c.status in withdrawable for c in cases):
            raise SubmissionError({"application": "没有可以撤回的事项 (nothing left to withdraw)"},
                                  "nothing_to_withdraw")
        withdrawn: list[Case] = []
        cancelled: list[Case] = []
        for case in cases:
            if case.pk in {c.pk for c in cancelled}:
                continue
            case.application = application
            if case.status in withdrawable:
                step = apply_transition(case, Action.WITHDRAW, actor=actor,
                                        role=Role.APPLICANT, reason=reason)
                withdrawn.append(case)
                cancelled += step.cancelled
        done = {c.pk for c in withdrawn} | {c.pk for c in cancelled}
        kept = [c for c in cases if c.pk not in done and CaseStatus(c.status) in DECIDED]
        refresh_application_status(application)
    return Withdrawal(application, withdrawn, cancelled, kept)
