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
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, BinaryIO

from django.db import IntegrityError, transaction
from django.utils import timezone

from onething.accounts.models import ApplicantKind, User
from onething.accounts.models import Role as UserRole
from onething.accounts.services import profile_data
from onething.applications import storage
from onething.applications.errors import CaseActionDenied, SubmissionError
from onething.applications.models import (
    Application,
    Case,
    Channel,
    Event,
    ProvidedMaterial,
    Upload,
)
from onething.catalog import models as catalog_models
from onething.catalog import selectors as catalog_selectors
from onething.domain import catalog as catalog_spec
from onething.domain.calendar import WorkingDayCalendar
from onething.domain.cases import (
    ACTION_LABELS,
    STATUS_LABELS,
    SUCCESSFUL,
    WITHDRAWABLE,
    Action,
    CaseStatus,
    Role,
    derive_application_status,
    next_status,
)
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
    materials: Mapping[str, int]  # material key -> Upload id
    idempotency_key: str = ""


#: Longest idempotency key; a longer one is refused, never cut to fit.
MAX_IDEMPOTENCY_KEY = 100


def submission_fingerprint(submission: Submission) -> str:
    """SHA-256 of the canonical payload: bundle, answers, form data and materials.

    Key order and JSON spacing do not matter; any other difference does.
    """
    canonical = json.dumps(
        {"bundle": submission.bundle, "answers": dict(submission.answers or {}),
         "form_data": dict(submission.form_data or {}),
         "materials": dict(submission.materials or {})},
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
    uploads = _check_materials(plan, submission.materials or {}, applicant, actor, errors)
    if errors:
        raise SubmissionError(errors)

    try:
        with transaction.atomic():
            application = _create(plan, submission, form, uploads, key, actor=actor,
                                  applicant=applicant, channel=channel, held=held,
                                  verified=verified, fingerprint=fingerprint)
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
    return application


def plan_matters_with_rules(plan: Plan) -> list[catalog_spec.Matter]:
    """The plan's matters that carry an automatic-decision rule (秒批)."""
    catalog = catalog_selectors.catalog_for_bundles([plan.bundle])
    return [catalog.matters[m.code] for m in plan.matters
            if catalog.matters[m.code].auto_decision is not None]


def _check_materials(plan: Plan, materials: Mapping[str, int], applicant: User, actor: User,
                     errors: dict[str, str]) -> dict[str, Upload]:
    wanted = {m.key: m for m in plan.materials}
    reused = {m.key for m in plan.reused_materials}
    for key in materials:
        # A file sent for a reused material (a client that planned without the
        # applicant's certificates) is not an error: the certificate is used.
        if key not in wanted and key not in reused:
            errors[f"materials.{key}"] = f"本次申请不需要材料 {key} (not needed)"
    ids = {k: v for k, v in materials.items() if k in wanted}
    # Ids beyond 64 bits cannot name a row (and would overflow the database driver).
    valid = [v for v in ids.values() if isinstance(v, int) and 0 < v < 2**63]
    found = {u.pk: u for u in Upload.objects.filter(pk__in=valid,
                                                  owner__in={applicant, actor})}
    uploads: dict[str, Upload] = {}
    for key, material in wanted.items():
        upload = found.get(ids.get(key)) if isinstance(ids.get(key), int) else None
        if key in ids and upload is None:
            errors[f"materials.{key}"] = f"“{material.name}”的文件不存在或不属于您 (unknown file)"
        elif upload is None:
            errors[f"materials.{key}"] = f"请上传“{material.name}” (required)"
        else:
            uploads[key] = upload
    return uploads


def _create(plan: Plan, submission: Submission, form: dict[str, str], uploads: dict[str, Upload],
            key: str, *, actor: User, applicant: User, channel: str,
            held: Mapping[str, Any] | None = None, verified: bool = False,
            fingerprint: str = "") -> Application:
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
                         upload=upload)
        for k, upload in uploads.items()
    )
    held = held or {}
    ProvidedMaterial.objects.bulk_create(  # 免提交: the held certificate is the material
        ProvidedMaterial(application=application, material_key=m.key, material_name=m.name,
                         certificate=held[m.certificate])
        for m in plan.reused_materials if m.certificate in held
    )
    matters = {m.code: m for m in catalog_models.Matter.objects.filter(
        code__in=[m.code for m in plan.matters])}
    cases = dict(zip((p.code for p in plan.matters), Case.objects.bulk_create(
        Case(
            application=application, matter=matters[planned.code],
            department_id=matters[planned.code].department_id,
            status=CaseStatus.WAITING if planned.depends_on else CaseStatus.SUBMITTED,
            stage=planned.stage, position=position,
            promised_unit=matters[planned.code].promised_unit,
            promised_days=matters[planned.code].promised_days,
            statutory_unit=matters[planned.code].statutory_unit,
            statutory_days=matters[planned.code].statutory_days,
        )
        for position, planned in enumerate(plan.matters)
    ), strict=True))
    Case.prerequisites.through.objects.bulk_create(
        Case.prerequisites.through(from_case_id=cases[p.code].pk,
                                   to_case_id=cases[code].pk)
        for p in plan.matters for code in p.depends_on
    )
    Event.objects.create(application=application, actor=actor, action="submit",
                         to_status=application.status,
                         data={"channel": channel, "cases": len(cases),
                               "assurance": int(applicant.assurance_level),
                               **({"identity_verified": True} if verified else {}),
                               **({"waived_materials": [m.key for m in plan.waived_materials]}
                                  if plan.waived_materials else {})})
    Event.objects.bulk_create(
        Event(application=application, case=case, actor=actor, action="submit",
              to_status=case.status)
        for case in cases.values()
    )
    application.status = derive_application_status(c.status for c in cases.values())
    application.save(update_fields=["tracking_number", "status", "updated_at"])
    notify(user=applicant, application=application,
           dedupe_key=f"application:{application.pk}:submitted",
           message=f"您的“{bundle.name}”申请已提交，受理编号 {application.tracking_number}，"
                   f"共 {len(cases)} 个事项同时办理。")
    return application


def _refresh_status(application: Application) -> None:
    statuses = list(application.cases.values_list("status", flat=True))
    status = derive_application_status(statuses)
    if application.status != status:
        application.status = status
        application.save(update_fields=["status", "updated_at"])


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


def _calendar() -> WorkingDayCalendar:
    return catalog_selectors.working_day_calendar(provisional=True)


def _due_dates(case: Case, start: dt.date, calendar: WorkingDayCalendar) -> None:
    promised = calendar.add_working_days(start, case.promised_days
                                         if case.promised_unit != "instant" else 0)
    if case.statutory_unit == "days":
        statutory = calendar.add_working_days(start + dt.timedelta(days=case.statutory_days), 0)
    else:
        statutory = calendar.add_working_days(start, case.statutory_days
                                              if case.statutory_unit != "instant" else 0)
    case.promised_due_date = promised.day
    case.statutory_due_date = statutory.day
    case.due_provisional = promised.provisional or statutory.provisional


def transition_case(case_id: int, action: Action | str, *, actor: User | None,
                    reason: str = "", items: list[dict[str, str]] | None = None,
                    result: Mapping[str, str] | None = None,
                    materials: Mapping[str, int] | None = None) -> Case:
    """Apply ``action`` to a case: the single entry point for every state change.

    《行政许可法》第三十二条 (受理 / 不予受理 / 一次性告知补正), 第三十四条 (当场决定),
    第四十二条 (期限). ``items`` lists every missing or faulty item of a
    correction request; ``materials`` are the resubmitted uploads, which must
    cover exactly those items; ``result`` is the decision's result data.
    """
    action = Action(action)
    with transaction.atomic():
        case = (Case.objects.select_for_update().select_related("application", "matter")
                .get(pk=case_id))
        role = role_of(actor, case)
        previous = CaseStatus(case.status)
        new = next_status(previous, action, role=role, reason=reason,
                          accepted=case.accepted_at is not None)
        now = timezone.now()
        today = timezone.localdate()
        changed = ["status", "updated_at"]
        data: dict[str, Any] = {}

        if action in (Action.ACCEPT, Action.AUTO_APPROVE):
            case.accepted_at = now
            _due_dates(case, today, _calendar())
            changed += ["accepted_at", "promised_due_date", "statutory_due_date",
                        "due_provisional"]
            data["promised_due_date"] = case.promised_due_date.isoformat()
        elif action is Action.REQUEST_CORRECTION:
            clean = _correction_items(items, reason)
            case.correction_items = clean
            changed.append("correction_items")
            data["items"] = clean
        elif action is Action.RESUBMIT:
            data["materials"] = _resubmit(case, materials or {}, actor)
            if case.accepted_at and case.promised_due_date:
                # The clock stood still while the applicant corrected (补正期间不计时).
                calendar = _calendar()
                requested = _last_correction_date(case)
                paused = calendar.working_days_between(requested, today) if requested else 0
                if paused:
                    case.promised_due_date = calendar.add_working_days(
                        case.promised_due_date, paused).day
                    changed.append("promised_due_date")
                    data["paused_working_days"] = paused
            case.correction_items = []
            changed.append("correction_items")
        if action in (Action.APPROVE, Action.AUTO_APPROVE, Action.DENY, Action.REFUSE):
            case.decided_at = now
            changed.append("decided_at")
            if action in (Action.APPROVE, Action.AUTO_APPROVE):
                case.result = _result(case, result, actor)
                changed.append("result")
                data["result"] = case.result

        case.status = new
        case.save(update_fields=changed)
        event = Event.objects.create(application=case.application, case=case, actor=actor,
                                     action=action, from_status=previous, to_status=new,
                                     reason=reason.strip(), data=data)
        released = _follow_dependents(case, new)
        _refresh_status(case.application)
        _tell_applicant(case, action, new, reason, event)
    if released:
        # 秒批 for dependents that just reached their department (e.g. a matter
        # decided automatically once its prerequisite's certificate arrives).
        from onething.applications.instant import decide_submitted

        decide_submitted(Case.objects.filter(pk__in=released))
    return case


def _correction_items(items: list[dict[str, str]] | None, reason: str) -> list[dict[str, str]]:
    """一次性告知: every item at once, each with what is wrong."""
    clean = []
    for item in items or []:
        material = str(item.get("material", "")).strip()
        note = str(item.get("note", "")).strip()
        if material:
            clean.append({"material": material, "note": note[:500]})
    if not clean:
        raise SubmissionError({"items": "请逐项列出需要补正的材料 (list every item to correct)"},
                              "correction_items_required")
    return clean


def _resubmit(case: Case, materials: Mapping[str, int], actor: User) -> list[str]:
    wanted = [i["material"] for i in case.correction_items]
    extra = sorted(set(materials) - set(wanted))
    missing = [k for k in wanted if k not in materials]
    errors = {f"materials.{k}": "只需补正告知的材料 (not requested)" for k in extra}
    errors.update({f"materials.{k}": "请上传补正材料 (required)" for k in missing})
    uploads = {u.pk: u for u in Upload.objects.filter(pk__in=list(materials.values()),
                                                       owner=actor)}
    for key, upload_id in materials.items():
        if key in wanted and upload_id not in uploads:
            errors[f"materials.{key}"] = "文件不存在或不属于您 (unknown file)"
    if errors:
        raise SubmissionError(errors)
    names = {m["key"]: m["name"] for m in case.application.plan.get("materials", [])}
    for key in wanted:
        ProvidedMaterial.objects.filter(application=case.application, material_key=key,
                                        current=True).update(current=False)
        ProvidedMaterial.objects.create(application=case.application, material_key=key,
                                        material_name=names.get(key, key),
                                        upload=uploads[materials[key]])
    return wanted


def _last_correction_date(case: Case) -> dt.date | None:
    event = (case.events.filter(action=Action.REQUEST_CORRECTION).order_by("-at", "-id")
             .first())
    return timezone.localtime(event.at).date() if event else None


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
    return data


def _follow_dependents(case: Case, new: CaseStatus) -> list[int]:
    """Release dependents whose prerequisites all succeeded; cancel those that
    can no longer proceed. Returns the ids of the released cases."""
    released: list[int] = []
    if new in SUCCESSFUL:
        for dependent in case.dependents.select_for_update().filter(status=CaseStatus.WAITING):
            prerequisites = list(dependent.prerequisites.all())
            if all(p.status in SUCCESSFUL or (p.status == CaseStatus.CONCLUDED
                   and p.result.get("decision") == "approved") for p in prerequisites):
                received = {p.matter.code: p.result for p in prerequisites}
                dependent.received = received
                dependent.status = CaseStatus.SUBMITTED
                dependent.save(update_fields=["received", "status", "updated_at"])
                Event.objects.create(application=dependent.application, case=dependent,
                                     actor=None, action=Action.RELEASE,
                                     from_status=CaseStatus.WAITING,
                                     to_status=CaseStatus.SUBMITTED,
                                     data={"received": received})
                released.append(dependent.pk)
    elif new in {CaseStatus.DENIED, CaseStatus.REFUSED, CaseStatus.WITHDRAWN,
                 CaseStatus.CANCELLED}:
        for dependent in case.dependents.select_for_update().filter(status=CaseStatus.WAITING):
            dependent.status = CaseStatus.CANCELLED
            dependent.save(update_fields=["status", "updated_at"])
            reason = f"前置事项“{case.matter.name}”{STATUS_LABELS[new]}"
            Event.objects.create(application=dependent.application, case=dependent,
                                 actor=None, action=Action.CANCEL,
                                 from_status=CaseStatus.WAITING,
                                 to_status=CaseStatus.CANCELLED, reason=reason)
            _follow_dependents(dependent, CaseStatus.CANCELLED)
    return released


def _tell_applicant(case: Case, action: Action, new: CaseStatus, reason: str,
                    event: Event) -> None:
    if action in {Action.RESUBMIT, Action.WITHDRAW}:
        return  # the applicant did it themselves
    application = case.application
    text = f"您的申请 {application.tracking_number}：“{case.matter.name}”{ACTION_LABELS[action]}"
    if new is CaseStatus.CORRECTION_REQUESTED:
        text += "，请一次性补正告知的材料"
    if reason and action is not Action.REQUEST_CORRECTION:
        text += f"。理由：{reason[:100]}"
    notify(user=application.applicant, application=application, message=text[:500],
           dedupe_key=f"event:{event.pk}")


def withdraw_application(application_id: int, *, actor: User, reason: str = "") -> Application:
    """The applicant withdraws every case not yet decided (撤回申请)."""
    application = Application.objects.get(pk=application_id)
    if actor.pk != application.applicant_id:
        raise CaseActionDenied("只有申请人本人可以撤回 (only the applicant may withdraw)")
    withdrawable = {s.value for s in WITHDRAWABLE}
    ids = list(application.cases.filter(status__in=withdrawable).values_list("id", flat=True))
    if not ids:
        raise SubmissionError({"application": "没有可以撤回的事项 (nothing left to withdraw)"},
                              "nothing_to_withdraw")
    with transaction.atomic():
        for case_id in ids:
            case = Case.objects.get(pk=case_id)
            if case.status in withdrawable:  # may have been cancelled by a prerequisite
                transition_case(case_id, Action.WITHDRAW, actor=actor, reason=reason)
    application.refresh_from_db()
    return application
