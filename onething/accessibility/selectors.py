"""Reads for accessible notices: the facts of a notice, gathered for a viewer.

Every application notice starts from ``applications.selectors.application_for``
(someone else's application does not exist: :class:`NoNotice`, shown as a
404), a case must be one of the cases that selector shows the viewer, and a
certificate must pass ``certificates.selectors.certificate_for_download``.
The facts become a :class:`~onething.accessibility.notices.Notice` (plain
text) that the large-print and Braille renderers share.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from onething.accessibility import notices
from onething.accessibility.notices import Applicant, Notice
from onething.accounts.choices import ApplicantKind
from onething.applications import selectors as application_selectors
from onething.catalog import selectors as catalog_selectors
from onething.certificates import selectors as certificate_selectors
from onething.domain.cases import DECIDED, FINAL, Action
from onething.domain.catalog import PUBLIC_STATUS_NOTES
from onething.domain.planner import PlanningError

if TYPE_CHECKING:
    from onething.applications.models import Application, Case, Event

CASE_KINDS = ("acceptance", "correction", "decision", "certificate")
# Kept as issued (onething.applications.documents): every download says what the first did.
ISSUED_KINDS = ("receipt", "acceptance")
DECISION_ACTIONS = {Action.APPROVE.value: "approve", Action.DENY.value: "deny",
                    Action.REFUSE.value: "refuse"}
# Result entries that say what the decision is rather than what it yields.
_RESULT_META = {"decision", "certificate_type", "certificate_name", "verify_url"}
_RESULT_LABELS = notices.DETAIL_LABELS

Absolute = Callable[[str], str]  # a site path -> the address printed on the notice


class NoNotice(LookupError):
    """No such notice for this viewer (404: the same answer whether it exists or not)."""


def _application(viewer: Any, application_id: int) -> Application:
    try:
        return application_selectors.application_for(viewer, application_id)
    except application_selectors.NotVisible as exc:
        raise NoNotice(application_id) from exc


def _case(application: Application, case_id: int) -> Case:
    case = next((c for c in application.cases.all() if c.pk == case_id), None)
    if case is None:  # not in this application, or not the viewer's department's
        raise NoNotice(case_id)
    return case


def _applicant(application: Application) -> Applicant:
    person = application.applicant
    if person.applicant_kind == ApplicantKind.COMPANY and person.uscc:
        return Applicant(person.display_name, uscc=person.uscc)
    return Applicant(person.display_name, id_number=person.id_number)


def _case_events(application: Application, case: Case) -> list[Event]:
    return [e for e in application.events.all() if e.case_id == case.pk]


def _last(events: list[Event], actions: Mapping[str, str] | set[str]) -> Event | None:
    return next((e for e in reversed(events) if e.action in actions), None)


def _certificate_number(case: Case) -> str:
    result = case.result or {}
    return str(result.get("number", "")) if result.get("certificate_type") else ""


@dataclass(frozen=True)
class CaseNotices:
    case: Case
    notices: tuple[tuple[str, str], ...]  # (kind, what the link calls it)


def available_notices(application: Application) -> list[CaseNotices]:
    """For an application a viewer already sees (as fetched by ``application_for``,
    with its cases and events): the case notices to offer, per case."""
    rows = []
    for case in application.cases.all():
        events = _case_events(application, case)
        found = []
        if case.accepted_at is not None:
            found.append(("acceptance", gettext("受理通知书")))
        # Offered from the request on, also after the resubmission and the decision: the
        # applicant may need it again (it then says when the correction was made).
        if _last(events, {Action.REQUEST_CORRECTION.value}) is not None:
            found.append(("correction", gettext("一次性告知单")))
        decided = _last(events, DECISION_ACTIONS)
        if decided is not None:
            title = notices.DECISION_TITLES[DECISION_ACTIONS[decided.action]]
            found.append(("decision", gettext(title)))
        if _certificate_number(case):
            name = (case.result or {}).get("certificate_name") or gettext("证照")
            found.append(("certificate", gettext("电子证照（%(name)s）") % {"name": name}))
        if found:
            rows.append(CaseNotices(case, tuple(found)))
    return rows


def application_notice(viewer: Any, application_id: int, kind: str, case_id: int | None = None,
                       *, absolute: Absolute, verify_url: Callable[[str], str]) -> Notice:
    """The notice ``kind`` of an application (receipt) or of one of its cases, as
    ``viewer`` may see it; raises NoNotice otherwise."""
    application = _application(viewer, application_id)
    today = timezone.localdate()
    if kind == "receipt":
        if case_id is not None:
            raise NoNotice(kind)
        return issued_receipt(viewer, application_id, absolute=absolute).notice
    if kind not in CASE_KINDS or case_id is None:
        raise NoNotice(kind)
    case = _case(application, case_id)
    if kind == "acceptance":
        if case.accepted_at is None:
            raise NoNotice(kind)
        return _as_issued(application, kind, case,
                          lambda: _acceptance(application, case, absolute, today))
    events = _case_events(application, case)
    if kind == "correction":
        return _correction(application, case, events, today)
    if kind == "decision":
        return _decision(application, case, events, today)
    return _certificate(viewer, case, verify_url, today)


RECEIPT_RECORD = 2  # the version of a receipt record (earlier: a stored Notice)


def _receipt_record(application: Application, today: dt.date) -> dict[str, Any]:
    """What a 收件回执 says, as JSON-ready data: stored once, at submission, and read by
    the window's printed receipt, the large-print and the Braille one alike. Dates are
    ISO strings; the applicant's ID number is stored masked; the progress address is a
    site path (the renderers add the public address)."""
    planned = {m["code"]: m for m in application.plan.get("matters", [])}
    cases = []
    for case in application.cases.all():
        due, provisional = case.promised_due_date, case.due_provisional
        if case.status in DECIDED or case.status in FINAL:  # no longer a date to wait for
            due = None
        elif due is None and planned.get(case.matter.code, {}).get("due"):
            matter = planned[case.matter.code]
            due = dt.date.fromisoformat(matter["due"])
            provisional = bool(matter.get("due_provisional"))
        cases.append({"matter": case.matter.name, "department": case.department.name,
                      "status": case.status, "status_label": case.status_label,
                      "due": due.isoformat() if due else None,
                      "confirmed": case.promised_due_date is not None,
                      "provisional": bool(provisional)})
    completion, provisional = application_selectors.expected_completion(application)
    provided = [m for m in application.materials.select_related("certificate") if m.current]
    person = application.applicant
    company = person.applicant_kind == ApplicantKind.COMPANY and bool(person.uscc)
    hall = _receipt_hall(application)
    return {
        "record": RECEIPT_RECORD,
        "tracking_number": application.tracking_number or "",
        "applicant": {"name": person.display_name, "uscc": person.uscc if company else "",
                      "id_number": "" if company else person.masked_id_number},
        "bundle": application.bundle.name,
        # one matter applied for on its own (单独申请): named as it is, not as a 一件事
        "single_matter": application.bundle.single_matter_id is not None,
        "submitted_at": timezone.localtime(application.submitted_at).isoformat(),
        "channel": application.channel, "channel_label": application.get_channel_display(),
        "submitted_by": ("" if application.submitted_by_id == application.applicant_id
                         else application.submitted_by.display_name),
        "completion": completion.isoformat() if completion else None,
        "provisional": bool(provisional),
        "cases": cases,
        "materials": _material_lines([m for m in provided if m.certificate_id is None]),
        "reused": [[m.material_name, m.certificate.number] for m in provided
                   if m.certificate_id is not None],
        "tracking_path": reverse("portal:progress") + "?" + urlencode(
            {"number": application.tracking_number or ""}),
        "hall": ({"name": hall.name, "address": hall.address, "phone": hall.phone}
                 if hall else None),
        "issued_on": today.isoformat(),
    }


def _material_lines(provided: list[Any]) -> list[str]:
    """One line per material, its pages counted (several files per material)."""
    pages: dict[str, list[Any]] = {}
    for material in provided:
        pages.setdefault(material.material_key, []).append(material)
    # Stored content, in Chinese as issued (the record is the document, not the chrome).
    return [rows[0].material_name if len(rows) == 1
            else f"{rows[0].material_name}（{len(rows)} 页）" for rows in pages.values()]


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _receipt_from_record(record: Mapping[str, Any], absolute: Absolute) -> Notice:
    hall = record.get("hall")
    person = record["applicant"]
    return notices.receipt_notice(
        tracking_number=record["tracking_number"],
        applicant=Applicant(person["name"], id_number=person["id_number"],
                            uscc=person["uscc"]),
        bundle_name=record["bundle"], single_matter=bool(record.get("single_matter")),
        submitted_at=dt.datetime.fromisoformat(record["submitted_at"]),
        channel=record["channel_label"], submitted_by=record["submitted_by"],
        expected=_date(record["completion"]), provisional=record["provisional"],
        cases=[notices.ReceiptCase(c["matter"], c["department"], c["status_label"],
                                   _date(c["due"]), c["confirmed"],
                                   due_provisional=c["provisional"])
               for c in record["cases"]],
        materials=record["materials"],
        reused=[(name, number) for name, number in record["reused"]],
        tracking_url=absolute(record["tracking_path"]),
        hall=notices.ReceiptHall(**hall) if hall else None,
        today=dt.date.fromisoformat(record["issued_on"]))


@dataclass(frozen=True)
class IssuedReceipt:
    """A receipt as issued: its record (None for one stored before records, as a
    Notice), its notice, and when it was issued."""

    record: dict[str, Any] | None
    notice: Notice
    issued_at: dt.datetime


def issued_receipt(viewer: Any, application_id: int, *, absolute: Absolute) -> IssuedReceipt:
    """The 收件回执 of an application ``viewer`` sees, as issued (stored now if it was
    not yet: an application submitted before receipts were stored at submission)."""
    from onething.applications.documents import issue_once

    application = _application(viewer, application_id)
    issued = issue_once(application, "receipt",
                        lambda: _receipt_record(application, timezone.localdate()))
    at = issued.issued_at.isoformat()
    if issued.content.get("record") == RECEIPT_RECORD:
        record = dict(issued.content)
        notice = _receipt_from_record(record, absolute)
        return IssuedReceipt(record, replace(notice, issued_at=at), issued.issued_at)
    return IssuedReceipt(None, Notice.from_data(issued.content, issued_at=at), issued.issued_at)


def issue_receipt_at_submission(actor: Any, application_id: int) -> None:
    """Store the 收件回执 as the application stands right after its submission."""
    issued_receipt(actor, application_id, absolute=lambda path: path)


def _as_issued(application: Application, kind: str, case: Case | None,
               build: Callable[[], Notice]) -> Notice:
    """The notice as first issued: its snapshot is stored then and served ever after."""
    from onething.applications.documents import issue_once

    issued = issue_once(application, kind, lambda: build().to_data(), case=case)
    return Notice.from_data(issued.content, issued_at=issued.issued_at.isoformat())


def _acceptance(application: Application, case: Case, absolute: Absolute,
                today: dt.date) -> Notice:
    names = {m["key"]: m["name"] for m in application.plan.get("materials", [])}
    return notices.acceptance_notice(
        tracking_number=application.tracking_number or "", applicant=_applicant(application),
        matter=case.matter.name, department=case.department.name,
        accepted_at=timezone.localtime(case.accepted_at),
        promised=case.promised_due_date, statutory=case.statutory_due_date,
        provisional=bool(case.due_provisional),
        pending=[str(i.get("name") or names.get(i.get("material", ""), i.get("material", "")))
                 for i in (case.pending_items or [])],
        tracking_url=absolute(reverse("portal:progress") + "?" + urlencode(
            {"number": application.tracking_number or ""})),
        hall=_receipt_hall(application), today=today)


def _receipt_hall(application: Application) -> notices.ReceiptHall | None:
    from onething.hall.selectors import hall_for_receipt

    hall = hall_for_receipt(application)
    return notices.ReceiptHall(hall.name, hall.address, hall.phone) if hall else None


def _correction(application: Application, case: Case, events: list[Event],
                today: dt.date) -> Notice:
    requested = _last(events, {Action.REQUEST_CORRECTION.value})
    if requested is None:
        raise NoNotice("correction")
    names = {m["key"]: m["name"] for m in application.plan.get("materials", [])}
    items = requested.data.get("items") or case.correction_items or []
    later = [e for e in events if (e.at, e.pk) > (requested.at, requested.pk)]
    resubmitted = _last(later, {Action.RESUBMIT.value})
    return notices.correction_notice(
        tracking_number=application.tracking_number or "", applicant=_applicant(application),
        matter=case.matter.name, department=case.department.name,
        requested_at=timezone.localtime(requested.at), reason=requested.reason,
        items=[(names.get(i.get("material", ""), i.get("material", "")), i.get("note", ""))
               for i in items],
        resubmitted_at=timezone.localtime(resubmitted.at) if resubmitted else None,
        today=today)


def _decision(application: Application, case: Case, events: list[Event],
              today: dt.date) -> Notice:
    decided = _last(events, DECISION_ACTIONS)
    if decided is None:
        raise NoNotice("decision")
    action = DECISION_ACTIONS[decided.action]
    result = dict(case.result or {}) if action == "approve" else {}
    certificate = None
    if result.get("certificate_type") and result.get("number"):
        certificate = (str(result.get("certificate_name", "")), str(result.pop("number")))
    rows = [(_RESULT_LABELS.get(k, k), str(v)) for k, v in result.items()
            if k not in _RESULT_META and str(v).strip()]
    return notices.decision_notice(
        action=action, tracking_number=application.tracking_number or "",
        applicant=_applicant(application), matter=case.matter.name,
        department=case.department.name, decided_at=timezone.localtime(decided.at),
        reason=decided.reason, certificate=certificate, result=rows, today=today)


def _certificate(viewer: Any, case: Case, verify_url: Callable[[str], str],
                 today: dt.date) -> Notice:
    number = _certificate_number(case)
    certificate = (certificate_selectors.certificate_for_download(viewer, number)
                   if number else None)
    if certificate is None:
        raise NoNotice("certificate")
    data = certificate.data if isinstance(certificate.data, dict) else {}
    return notices.certificate_notice(
        data=data, title=certificate.certificate_type.name, number=certificate.number,
        holder_name=certificate.holder_name, department=certificate.department.name,
        revoked_at=(timezone.localtime(certificate.revoked_at)
                    if certificate.revoked_at else None),
        verify_url=verify_url(certificate.number), today=today)


# -- bundle guides (public) ----------------------------------------------------------------


def bundle_guide(slug: str, answers: Mapping[str, str], *, absolute: Absolute) -> Notice:
    """The guide of a bundle for the given answers (unknown or wrong answers fall
    back to the common case, as the bundle page does); raises NoNotice."""
    bundle = catalog_selectors.bundle_by_slug(slug)
    if bundle is None:
        raise NoNotice(slug)
    spec = catalog_selectors.catalog_for_bundles([slug]).bundles[slug]
    submitted = {q.key: answers[q.key] for q in spec.questions if q.key in answers}
    today = timezone.localdate()
    try:
        plan = catalog_selectors.plan_bundle(slug, submitted, start=today, provisional=True)
    except PlanningError:
        plan = catalog_selectors.plan_bundle(slug, {}, start=today, provisional=True)
    names = {m.code: m.name for m in plan.matters}
    chosen = []
    for q in spec.questions:
        option = q.option(plan.answers.get(q.key, q.default_option))
        if option is not None:
            chosen.append((q.text, option.label))
    extra = []
    if bundle.status != "verified":  # the maintainers' note is never printed
        extra.append("说明：" + PUBLIC_STATUS_NOTES.get(
            bundle.status, PUBLIC_STATUS_NOTES["unverified"]))
    if plan.due:
        provisional = ("（暂定：节假日安排尚未公布，按法定节假日规则推算）" if plan.provisional
                       else "")
        extra.append(f"今天（{notices.format_date(plan.start)}）提交，预计"
                     f"{notices.format_date(plan.due)}前全部办结{provisional}。")
    query = urlencode(dict(plan.answers))
    guide = notices.Guide(
        bundle_name=bundle.name, description=bundle.description, answers=tuple(chosen),
        matters=tuple(notices.GuideMatter(m.name, m.department_name, m.promised_label,
                                          m.statutory_label, m.stage,
                                          tuple(names.get(c, c) for c in m.depends_on))
                      for m in plan.matters),
        materials=tuple(notices.GuideMaterial(m.name, m.description, m.originals, m.copies,
                                              tuple(names.get(c, c) for c in m.needed_by),
                                              bool(m.certificate))
                        for m in plan.materials),
        provided=tuple((m.name, names.get(m.provided_by or "", "")) for m in
                       plan.provided_materials),
        fields=tuple(f.label for f in plan.fields),
        departments=len(plan.departments),
        material_count_separate=plan.material_count_separate,
        parallel_days=plan.parallel_days, serial_days=plan.serial_days,
        apply_url=absolute(reverse("portal:apply", args=[slug]) + (f"?{query}" if query else ""))
        if plan.matters else "",
        extra_notes=tuple(extra),
    )
    return notices.guide_notice(guide, today=today)


# The decision titles come from notices.py (pure Python); marked here for makemessages.
_DECISION_TITLE_MSGIDS = (gettext_noop("准予决定通知"), gettext_noop("不予许可决定通知"),
                          gettext_noop("不予受理通知"))
