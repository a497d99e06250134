"""Models to response data. Personal data leaves only masked.

Catalogue texts and labels are in the request's language (language.py):
catalogue names through :func:`onething.catalog.translation.localized`, status,
event and suspension labels through the shared translations
(onething/core/labels.py). Values (codes, keys, stored choices) never change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.conf import settings

from onething.applications import procedures, selectors
from onething.applications.services import CaseActionDenied, role_of
from onething.catalog.translation import localized
from onething.certificates.services import verify_path
from onething.core.labels import SHARED_LABELS
from onething.domain.outcomes import ReformOutcome, outcome_to_dict
from onething.domain.planner import Plan, plan_to_dict
from onething.domain.validators import mask_id_number, mask_mobile

if TYPE_CHECKING:
    from onething.accounts.models import User
    from onething.applications.models import Application, Case, Upload
    from onething.certificates.models import Certificate

# Field types whose values are masked in every response.
_MASKED = {"id_number": mask_id_number, "mobile": mask_mobile}


def shared_label(kind: str, value: object, fallback: str) -> str:
    """A status, event or suspension label in the active language (the model's
    Chinese label when the value has no entry)."""
    found = SHARED_LABELS[kind].get(str(value))
    return str(found) if found is not None else fallback


def plan(result: Plan, held: Mapping[str, Certificate],
         outcome: ReformOutcome | None = None) -> dict[str, Any]:
    """The plan as data; a reused material names the certificate that stands in (免提交);
    with ``outcome`` its reform outcome (改革成效)."""
    data: dict[str, Any] = plan_to_dict(result)
    if outcome is not None:
        data["outcome"] = outcome_to_dict(outcome)
    for material in data["reused_materials"]:
        certificate = held[material["certificate"]]
        material["certificate_number"] = certificate.number
        material["verify_url"] = verify_path(certificate.number)
    return _localized_plan(data)


def _localized_plan(data: dict[str, Any]) -> dict[str, Any]:
    """The plan's catalogue texts in the active language; ``choices`` stay the values
    accepted, ``choice_labels`` show them."""
    from onething.portal.labels import time_limit

    data["bundle_name"] = localized(data["bundle_name"])
    for matter in data["matters"]:
        matter["name"] = localized(matter["name"])
        matter["department_name"] = localized(matter["department_name"])
        matter["promised_limit"] = time_limit(matter["promised_limit"])
        matter["statutory_limit"] = time_limit(matter["statutory_limit"])
    for field in [*data["fields"], *data["provided_fields"]]:
        field["label"] = localized(field["label"])
        if "choices" in field:
            field["choice_labels"] = [localized(choice) for choice in field["choices"]]
    for kind in ("materials", "provided_materials", "reused_materials", "waived_materials"):
        for material in data[kind]:
            material["name"] = localized(material["name"])
            material["notes"] = [localized(note) for note in material["notes"]]
    for commitment in data["commitments"]:
        commitment["matter_name"] = localized(commitment["matter_name"])
    return data


def bundle(item: Any) -> dict[str, Any]:
    return {"slug": item.slug, "name": localized(item, "name"), "category": item.category,
            "description": localized(item, "description")}


def upload(item: Upload) -> dict[str, Any]:
    return {"id": item.pk, "sha256": item.sha256, "size": item.size,
            "content_type": item.content_type, "name": item.original_name}


def case(item: Case, soon_limit: dt.date | None = None) -> dict[str, Any]:
    application = item.application
    return {
        "id": item.pk,
        "application_id": item.application_id,
        "tracking_number": application.tracking_number,
        "matter": {"code": item.matter.code, "name": localized(item.matter, "name")},
        "department": {"code": item.department.code,
                       "name": localized(item.department, "name")},
        "status": item.status,
        "status_label": shared_label("case_status", item.status, item.status_label),
        "stage": item.stage,
        "promised_due_date": item.promised_due_date,
        "statutory_due_date": item.statutory_due_date,
        "due_provisional": item.due_provisional,
        "statutory_due_provisional": item.statutory_due_provisional,
        "clock_paused": item.clock_paused,
        **selectors.due_flags(item, soon_limit=soon_limit),
        "depends_on": sorted(p.pk for p in item.prerequisites.all()),
        "pending_materials": _named_items(item.pending_items),
        "pending_due_date": item.pending_due_date,
        "certificate": _certificate(item),
    }


def _named_items(items: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Owed or correction items: the material's catalogue ``name`` localized."""
    return [{**entry, "name": localized(entry["name"])} if isinstance(entry, dict)
            and isinstance(entry.get("name"), str) else entry for entry in items or []]


def _certificate(item: Case) -> dict[str, str] | None:
    """The approved case's certificate, from its result (no query per case in a queue)."""
    result = item.result or {}
    if result.get("decision") != "approved" or not result.get("verify_url"):
        return None
    url = result["verify_url"]
    public = getattr(settings, "ONETHING_PUBLIC_URL", None)
    return {"number": result.get("number", ""),
            "verify_url": public.rstrip("/") + url if public else url}


def _form_for(item: Case) -> dict[str, str]:
    """The form values this case's matter uses; ID numbers and mobiles masked."""
    data = item.application.form_data or {}
    form: dict[str, str] = {}
    for field in item.application.plan.get("fields", []):
        key = field.get("key")
        if key not in data or item.matter.code not in field.get("used_by", []):
            continue
        value = str(data[key])
        mask = _MASKED.get(field.get("type", ""))
        if mask is None and "id_number" in key:
            mask = mask_id_number
        form[key] = mask(value) if mask else value
    return form


def case_detail(item: Case, viewer: User) -> dict[str, Any]:
    application = item.application
    try:
        actions = [a.value for a in procedures.available_actions(item, role_of(viewer, item))]
    except CaseActionDenied:
        actions = []
    materials = selectors.materials_for_case(viewer, item)
    commitment = getattr(item, "commitment", None)
    return {
        **case(item),
        "commitment": {
            "version": commitment.version, "sha256": commitment.sha256,
            "text": commitment.text, "signed_at": commitment.signed_at,
            "channel": commitment.channel, "check_due_date": commitment.check_due_date,
            "check_result": commitment.check_result, "checked_at": commitment.checked_at,
        } if commitment is not None else None,
        "bundle": _bundle_ref(application.bundle),
        "applicant": application.applicant.display_name,
        "correction_items": _named_items(item.correction_items),
        "result": item.result or {},
        "received": item.received or {},
        "form": _form_for(item),
        "materials": [
            {"key": m.material_key, "name": localized(m.material_name),
             "upload_id": m.upload_id,
             "page": m.page, "sha256": m.upload.sha256, "size": m.upload.size,
             "content_type": m.upload.content_type} if m.upload is not None else
            {"key": m.material_key, "name": localized(m.material_name), "upload_id": None,
             "certificate": m.certificate.number}  # 免提交
            for m in materials
        ],
        "actions": actions,
        "events": [
            {"at": e.at, "action": e.action,
             "action_label": shared_label("case_event", e.action, e.action_label),
             "from_status": e.from_status, "to_status": e.to_status, "reason": e.reason}
            for e in item.events.order_by("at", "id")
        ],
        **_clock(item),
    }


def _clock(item: Case) -> dict[str, Any]:
    suspensions, extensions = selectors.clock_rows(item)
    return {
        "suspensions": [{"kind": s.kind,
                         "kind_label": shared_label("suspension_kind", s.kind, s.kind_label),
                         "reason": s.reason,
                         "legal_basis": s.legal_basis, "started_on": s.started_on,
                         "ended_on": s.ended_on, "expected_end": s.expected_end}
                        for s in suspensions],
        "extensions": [{"days": e.days, "reason": e.reason, "approved_by": e.approved_by,
                        "granted_on": e.granted_on} for e in extensions],
    }


def application_summary(item: Application) -> dict[str, Any]:
    return {
        "id": item.pk,
        "tracking_number": item.tracking_number,
        "status": item.status,
        "status_label": shared_label("application_status", item.status, item.status_label),
        "bundle": _bundle_ref(item.bundle),
        "submitted_at": item.submitted_at,
    }


def application(item: Application) -> dict[str, Any]:
    expected, provisional = selectors.expected_completion(item)
    return {
        **application_summary(item),
        "channel": item.channel,
        "expected_completion": expected,
        "expected_completion_provisional": provisional,
        "cases": [case(c) for c in item.cases.all()],
    }


def _bundle_ref(bundle) -> dict[str, object]:
    return {"slug": bundle.slug, "name": localized(bundle, "name"),
            "single_matter": bundle.single_matter.code if bundle.single_matter_id else None}


def delivery(item: Any) -> dict[str, Any]:
    """How the results reach the applicant (masked), its method named in the language."""
    from onething.applications.delivery import summary
    from onething.portal.labels import label

    data = summary(item)
    data["method_label"] = label("delivery_method", data["method"]) or data["method_label"]
    return data
