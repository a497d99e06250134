"""Applying once, following an application, corrections, withdrawal, messages.

Thin views over ``onething.applications.services`` and ``selectors``: every
read goes through a selector that takes the viewer (someone else's
application is a 404), every write through a service.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection
from contextlib import suppress
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_http_methods, require_POST

from onething.applications import delivery, prefill, selectors
from onething.applications.attachments import describe, receive_pages
from onething.applications.delivery import DeliveryMethod
from onething.applications.drafts import (
    RESUBMIT,
    SUPPLY,
    case_uploads,
    delete_draft,
    discard_case_uploads,
    keep_case_uploads,
    save_draft,
)
from onething.applications.services import (
    CaseActionDenied,
    Submission,
    SubmissionError,
    check_form,
    submit_application,
    transition_case,
    withdraw_application,
)
from onething.catalog import selectors as catalog_selectors
from onething.catalog.translation import localized
from onething.certificates.selectors import held_by_applicant
from onething.domain.cases import WITHDRAWABLE, Action, CaseStatus, IllegalTransition
from onething.domain.catalog import DEFAULT_MAX_PAGES
from onething.domain.planner import Plan, PlanningError
from onething.domain.validators import mask_id_number
from onething.notifications.services import mark_notifications_read
from onething.portal.forms import HINTS, field, summary
from onething.portal.labels import label as translated_label

if TYPE_CHECKING:
    from onething.applications.models import ApplicationDraft

MASKED = {"id_number", "applicant_id_number", "legal_representative_id_number",
          "representative_id_number"}


# -- apply ---------------------------------------------------------------------


def _answers(request: HttpRequest, slug: str) -> dict[str, str]:
    source = request.POST if request.method == "POST" else request.GET
    spec = catalog_selectors.catalog_for_bundles([slug]).bundles[slug]
    return {q.key: source[f"answer-{q.key}" if request.method == "POST" else q.key]
            for q in spec.questions
            if (f"answer-{q.key}" if request.method == "POST" else q.key) in source}


def _pages(request: HttpRequest, key: str, errors: dict[str, str], label: str, *,
           kept: list[int] | None = None, removed: Collection[int] = (),
           limit: int = DEFAULT_MAX_PAGES) -> list[int]:
    """The pages of material ``key`` after this post: ``kept`` minus ``removed``, plus
    the files sent as ``material-<key>`` (several allowed); a refusal goes to ``errors``.

    The one upload mechanism of the portal's forms: apply, 补正 and 容缺补齐.
    """
    received = receive_pages(request.FILES.getlist(f"material-{key}"), owner=request.user,
                             kept=kept or [], removed=removed, limit=limit, name=label)
    if received.error:
        errors[f"materials.{key}"] = received.error
    return received.ids


def _removed(request: HttpRequest) -> tuple[str, int | None]:
    """The page a 移除 button names: ("material key", upload id)."""
    key, _, upload = request.POST.get("remove", "").partition(":")
    return key, int(upload) if upload.isdigit() and len(upload) < 19 else None


def _draft(request: HttpRequest, slug: str) -> ApplicationDraft | None:
    """The viewer's draft named by the form or the address; anyone else's: 404."""
    draft_id = request.POST.get("draft") if request.method == "POST" else request.GET.get("draft")
    if not draft_id:
        return None
    try:
        draft = selectors.draft_for(request.user, draft_id)
    except selectors.NotVisible as exc:
        raise Http404("没有这份草稿 (no such draft)") from exc
    if draft.bundle.slug != slug:
        raise Http404("没有这份草稿 (no such draft)")
    return draft


@login_required
@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest, slug: str) -> HttpResponse:
    bundle = catalog_selectors.bundle_by_slug(slug)
    if bundle is None:
        raise Http404("没有这件事 (no such bundle)")
    if not request.user.is_applicant:
        return render(request, "portal/apply_staff.html", {"bundle": bundle}, status=403)
    key = request.POST.get("idempotency_key", "") if request.method == "POST" else ""
    existing = selectors.application_by_idempotency_key(request.user, request.user, key)
    # A repeated click (its draft already filed and gone): nothing stored twice. The key
    # of another bundle's form is left to submit_application, which refuses it
    # (idempotency_key_reused).
    if existing is not None and existing.bundle.slug == slug:
        return redirect("portal:application", existing.pk)
    draft = _draft(request, slug)
    answers = (dict(draft.answers) if draft is not None and request.method == "GET"
               else _answers(request, slug))
    held = held_by_applicant(request.user)  # 免提交: certificates the applicant holds
    try:
        plan = catalog_selectors.plan_bundle(slug, answers, start=timezone.localdate(),
                                             provisional=True, held=held.keys())
    except PlanningError:
        return redirect(f"{reverse('portal:bundle', args=[slug])}?{urlencode(answers)}")
    known, proposed = prefill.form_values(request.user, plan, held)
    errors: dict[str, str] = {}
    attached: dict[str, list[int]] = {}
    choices: dict[str, Any] = {}
    if request.method == "GET":
        values = {**proposed, **(draft.form_data if draft is not None else {})}
        attached = dict(draft.materials) if draft is not None else {}
        choices = dict(draft.choices) if draft is not None else {}
        key = draft.idempotency_key if draft is not None else str(uuid.uuid4())
        return _render_apply(request, bundle, plan, held, known, values, errors, key,
                             attached=attached, choices=choices, draft=draft)

    values = {f.key: request.POST.get(f.key, "") for f in plan.fields if f.key not in known}
    removed_key, removed_id = _removed(request)
    for material in plan.materials:
        pages = _pages(request, material.key, errors, material.name,
                       kept=list(draft.materials.get(material.key, [])) if draft else [],
                       removed={removed_id} if removed_key == material.key else (),
                       limit=material.max_pages)
        if pages:
            attached[material.key] = pages
    deferred, commitments = _procedure_choices(request, plan)
    choice = delivery.form_values(request.POST)
    choices = {"deferred": deferred, "commitments": commitments, "delivery": choice}

    def keep() -> ApplicationDraft:
        return save_draft(owner=request.user, actor=request.user, bundle=slug,
                          answers=dict(plan.answers), form_data=values, materials=attached,
                          choices=choices, idempotency_key=key or str(uuid.uuid4()),
                          allowed_materials=[m.key for m in plan.materials],
                          draft_id=draft.pk if draft is not None else None)

    if removed_key or request.POST.get("action") == "save":
        draft = keep()
        if not errors:
            if not removed_key:
                messages.success(request, _("草稿已保存。可随时在“我的申请”中继续填写，"
                                            "草稿保留到 %(date)s。")
                                 % {"date": date_format(timezone.localtime(draft.expires_at),
                                                        "DATE_FORMAT")})
            anchor = f"#material-{removed_key}" if removed_key else ""
            return redirect(f"{reverse('portal:apply', args=[slug])}?draft={draft.pk}{anchor}")
        return _render_apply(request, bundle, plan, held, known, values, errors, key,
                             attached=attached, choices=choices, draft=draft, status=400)

    # The delivery choice is checked before anything is submitted: nothing half-happens.
    chosen, delivery_errors = delivery.check_delivery(
        choice["method"] or DeliveryMethod.PICKUP, address=choice["address"],
        recipient=choice["recipient"], mobile=choice["mobile"])
    if delivery_errors or errors:
        errors.update({f"delivery.{k}": v for k, v in delivery_errors.items()})
        for name, message in check_form(plan, {**values, **known})[1].items():
            errors.setdefault(name, message)
        for material in plan.materials:
            if material.key not in attached and material.key not in deferred:
                errors.setdefault(f"materials.{material.key}",
                                  _("请上传“%(name)s”") % {"name": material.name})
    else:
        try:
            application = submit_application(
                Submission(bundle=slug, answers=dict(plan.answers), form_data=values,
                           materials=attached, idempotency_key=key,
                           deferred_materials=deferred, commitments=commitments),
                actor=request.user, applicant=request.user)
        except SubmissionError as exc:
            errors.update(exc.errors)
        else:
            if draft is not None:  # filed: the draft has served its purpose
                with suppress(ObjectDoesNotExist):  # a racing retry deleted it first
                    delete_draft(draft.pk, actor=request.user)
            if chosen["method"] != DeliveryMethod.PICKUP:  # pick-up is what no choice means
                delivery.choose_delivery(application.pk, actor=request.user, **chosen)
            messages.success(request, _("申请已提交，受理编号 %(number)s。各部门将同时办理，"
                                        "进度会以短信和站内消息通知您。")
                             % {"number": application.tracking_number})
            return redirect("portal:application", application.pk)
    if "idempotency_key" in errors:  # refused (too long, or used for other content)
        key = str(uuid.uuid4())
    # Nothing typed or attached is lost to an error: it is kept as a draft on the server.
    if draft is not None or attached or any(v.strip() for v in values.values()):
        draft = keep()
    return _render_apply(request, bundle, plan, held, known, values, errors,
                         key or str(uuid.uuid4()), attached=attached, choices=choices,
                         draft=draft, status=400)


def _render_apply(request: HttpRequest, bundle: Any, plan: Plan, held: dict[str, Any],
                  known: dict[str, str], values: dict[str, str], errors: dict[str, str],
                  key: str, *, attached: dict[str, list[int]], choices: dict[str, Any],
                  draft: ApplicationDraft | None, status: int = 200) -> HttpResponse:
    context = _apply_context(request, bundle, plan, known, values, errors, key,
                             attached=attached, choices=choices)
    context["draft"] = draft
    context["reused_materials"] = [(m.name, held[m.certificate].number)
                                   for m in plan.reused_materials if m.certificate in held]
    context["delivery"] = _delivery_form(choices.get("delivery") or {}, errors,
                                         legend=_("办结后如何领取"))
    context["errors"] = summary(errors, {**context.pop("anchors"), **DELIVERY_ANCHORS})
    return render(request, "portal/apply.html", context,
                  status=400 if errors and status == 200 else status)


DELIVERY_ANCHORS = {"delivery.method": "delivery-method", "delivery.address": "delivery-address",
                    "delivery.recipient": "delivery-recipient",
                    "delivery.mobile": "delivery-mobile"}
DELIVERY_HINTS = {
    DeliveryMethod.PICKUP: gettext_lazy("办结后到政务服务中心窗口领取，免费。"),
    DeliveryMethod.POST: gettext_lazy("办结后免费邮寄到您填写的地址，运单号会通知您。"),
    DeliveryMethod.ELECTRONIC: gettext_lazy("办结后在“我的申请”中查看和下载电子证照。"),
}


def _delivery_form(values: dict[str, str], errors: dict[str, str], *,
                   legend: str) -> dict[str, Any]:
    """The delivery fieldset (portal/_delivery_fields.html) with values and errors."""
    fields = []
    for name, label, kind in (("address", _("收件地址"), "address"),
                              ("recipient", _("收件人姓名"), "name"),
                              ("mobile", _("收件人手机号码"), "mobile")):
        f = field(name, label, kind=kind, value=values.get(name, ""), prefix="delivery-",
                  error=errors.get(f"delivery.{name}", ""),
                  hint=_("写到门牌号，例如：德城区新华路1号3单元201室。")
                  if name == "address" else "")
        f["name"] = f"delivery-{name}"
        fields.append(f)
    return {"legend": legend, "method": values.get("method") or DeliveryMethod.PICKUP,
            "method_error": errors.get("delivery.method", ""), "fields": fields,
            "options": [(m.value, translated_label("delivery_method", m.value) or m.label,
                         DELIVERY_HINTS[m])
                        for m in DeliveryMethod]}


def _procedure_choices(request: HttpRequest, plan: Plan) -> tuple[list[str], dict[str, str]]:
    """(materials declared owed — 容缺, commitments signed — 告知承诺) from the apply form.

    A ticked commitment sends the SHA-256 of the text the page showed: the
    service refuses it if the catalogue's text has changed since.
    """
    deferred = [m.key for m in plan.materials
                if m.deferrable and request.POST.get(f"defer-{m.key}")]
    commitments = {c.matter: request.POST.get(f"commitment-{c.matter}", "")
                   for c in plan.commitments if request.POST.get(f"commitment-{c.matter}")}
    return deferred, commitments


def _apply_context(request: HttpRequest, bundle: Any, plan: Plan, known: dict[str, str],
                   values: dict[str, str], errors: dict[str, str], key: str, *,
                   attached: dict[str, list[int]], choices: dict[str, Any]) -> dict[str, Any]:
    names = {m.code: localized(m.name) for m in plan.matters}
    known_rows = []
    fields = []
    anchors: dict[str, str] = {}
    for f in plan.fields:
        if f.key in known:
            value = known[f.key]
            known_rows.append({"label": f.label,
                               "value": mask_id_number(value) if f.key in MASKED else value})
            continue
        anchors[f.key] = f"field-{f.key}"
        used_by = pgettext("list separator", "、").join(names.get(c, c) for c in f.used_by)
        help_text = localized(f.help) or str(HINTS.get(f.type, ""))
        fields.append(field(f.key, f.label, kind=f.type, value=values.get(f.key, ""),
                            error=errors.get(f.key, ""), required=f.required,
                            options=f.choices,
                            hint=" ".join(x for x in (help_text, _("用于：%(matters)s。")
                                                      % {"matters": used_by}) if x)))
    materials = []
    for m in plan.materials:
        anchors[f"materials.{m.key}"] = f"material-{m.key}"
        used_by = pgettext("list separator", "、").join(names.get(c, c) for c in m.needed_by)
        pages = describe(attached.get(m.key, []), [request.user])
        hint = " ".join(x for x in (localized(m.description),
                                    _("用于：%(matters)s。") % {"matters": used_by},
                                    _("PDF、JPG 或 PNG 文件，可选多个（多页），最多 %(n)s 个。")
                                    % {"n": m.max_pages}) if x)
        materials.append(field(m.key, m.name, kind="file", prefix="material-", hint=hint,
                               error=errors.get(f"materials.{m.key}", ""),
                               required=not m.deferrable and not pages))
        materials[-1]["name"] = f"material-{m.key}"
        # 容缺受理: the applicant may declare it owed and supply it after acceptance.
        materials[-1]["key"] = m.key
        materials[-1]["supply_within"] = m.supply_within
        materials[-1]["deferred"] = m.key in choices.get("deferred", [])
        # 多页材料: the pages already attached (kept on the server), each removable.
        materials[-1]["pages"] = pages
        materials[-1]["multiple"] = len(pages) < m.max_pages
        materials[-1]["max_pages"] = m.max_pages
    commitments = []
    for c in plan.commitments:
        anchors[f"commitments.{c.matter}"] = f"commitment-{c.matter}"
        commitments.append({
            "id": f"commitment-{c.matter}", "matter": c.matter, "matter_name": c.matter_name,
            "version": c.version, "text": c.text, "sha256": c.sha256,
            "check_within": c.check_within,
            "checked": (choices.get("commitments") or {}).get(c.matter) == c.sha256,
            "error": errors.get(f"commitments.{c.matter}", "")})
    return {
        "bundle": bundle, "plan": plan, "answers": plan.answers, "known": known_rows,
        "fields": fields, "materials": materials, "idempotency_key": key,
        "commitments": commitments,
        "provided_fields": [(f.label, names.get(f.provided_by or "", "")) for f in
                            plan.provided_fields],
        "provided_materials": [(m.name, names.get(m.provided_by or "", "")) for m in
                               plan.provided_materials],
        "anchors": anchors,
        "attached_count": sum(len(m["pages"]) for m in materials),
        "question_labels": _answer_labels(plan.bundle, dict(plan.answers)),
        "back": f"{reverse('portal:bundle', args=[bundle.slug])}?{urlencode(plan.answers)}",
    }


def _answer_labels(slug: str, answers: dict[str, str]) -> list[tuple[str, str]]:
    spec = catalog_selectors.catalog_for_bundles([slug]).bundles[slug]
    rows = []
    for q in spec.questions:
        option = q.option(answers.get(q.key, q.default_option))
        if option is not None:
            rows.append((q.text, option.label))
    return rows


# -- my applications -----------------------------------------------------------


@login_required
def application_list(request: HttpRequest) -> HttpResponse:
    if not request.user.is_applicant:  # staff see every application: that is the workbench
        return redirect("/workbench/")
    applications = list(selectors.applications_for(request.user)
                        .prefetch_related("cases__prerequisites"))
    rows = []
    for application in applications:
        expected, provisional = selectors.expected_completion(application)
        rows.append({"application": application, "expected": expected,
                     "provisional": provisional})
    return render(request, "portal/applications.html",
                  {"rows": rows, "drafts": list(selectors.drafts_for(request.user))})


@login_required
@require_POST
def delete_draft_view(request: HttpRequest, draft_id: int) -> HttpResponse:
    """The owner discards a draft; another person's draft is a 404."""
    try:
        delete_draft(draft_id, actor=request.user)
    except ObjectDoesNotExist as exc:
        raise Http404("没有这份草稿 (no such draft)") from exc
    messages.success(request, _("草稿已删除。"))
    return redirect("portal:applications")


OPEN = WITHDRAWABLE


def _application_context(request: HttpRequest, application_id: int) -> dict[str, Any]:
    try:
        application = selectors.application_for(request.user, application_id)
    except selectors.NotVisible as exc:
        raise Http404("没有这份申请 (no such application)") from exc
    cases = list(application.cases.all())
    events = list(application.events.all())
    by_case: dict[int, list[Any]] = defaultdict(list)
    for event in events:
        if event.case_id:
            by_case[event.case_id].append(event)
    material_names = {m["key"]: m["name"] for m in application.plan.get("materials", [])}
    order = {key: i for i, key in enumerate(material_names)}
    names = {c.pk: c.matter.name for c in cases}
    commitments = selectors.commitments_by_case(application)
    is_applicant = request.user.pk == application.applicant_id
    held = held_by_applicant(request.user) if is_applicant else {}
    stages: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for case in cases:
        correction = None
        if case.status == CaseStatus.CORRECTION_REQUESTED:
            requested = [e for e in by_case[case.pk] if e.action == Action.REQUEST_CORRECTION]
            correction = {
                "reason": requested[-1].reason if requested else "",
                "items": [{"key": i["material"], "note": i.get("note", ""),
                           "field": field(i["material"],
                                          material_names.get(i["material"], i["material"]),
                                          kind="file", prefix=f"case-{case.pk}-material-",
                                          hint=i.get("note", ""))}
                          for i in case.correction_items],
            }
            for item in correction["items"]:
                item["field"]["name"] = f"material-{item['key']}"
                item["field"]["multiple"] = True
        stages[case.stage].append({
            "case": case, "flags": selectors.due_flags(case), "events": by_case[case.pk],
            "prerequisites": [names.get(p.pk, p.matter.name) for p in case.prerequisites.all()],
            "result": case.result if case.result.get("decision") == "approved" else None,
            "correction": correction,
            "owed": _owed(case, application.plan, held),
            "commitment": commitments.get(case.pk),
        })
    if is_applicant:  # the files kept for a 补正 / 容缺补齐 form since an error
        for entry in (e for stage in stages.values() for e in stage):
            for purpose in (RESUBMIT, SUPPLY):
                items = _case_form_items(entry, purpose)
                if items:
                    _show_pages(request, items,
                                case_uploads(request.user, entry["case"], purpose))
    expected, provisional = selectors.expected_completion(application)
    return {
        "application": application,
        "stages": [stages[k] for k in sorted(stages)],
        "events": events, "expected": expected, "provisional": provisional,
        "materials": sorted(application.materials.filter(current=True),
                            key=lambda m: order.get(m.material_key, len(order))),
        "can_withdraw": is_applicant and any(c.status in OPEN for c in cases),
        "is_applicant": is_applicant,
        "withdraw_fields": {
            "reason": field("reason", _("撤回原因"), kind="textarea", required=False,
                            hint=_("写明原因有助于部门改进服务。"), prefix="withdraw-"),
        },
        "errors": [], "case_errors": {}, "withdraw_errors": {},
        **_delivery_context(request, application, is_applicant),
    }


def _owed(case: Any, plan: dict[str, Any], held: dict[str, Any]) -> dict[str, Any] | None:
    """容缺受理: what the case still owes, and for the applicant a file field per item
    (none for an item they hold as an electronic certificate: it is used as is)."""
    if not case.pending_items:
        return None
    certificate_of = {m["key"]: m.get("certificate") for m in plan.get("materials", [])}
    items = []
    for item in case.pending_items:
        certificate = held.get(certificate_of.get(item["material"]) or "")
        upload = None if certificate is not None else field(
            item["material"], item.get("name") or item["material"], kind="file",
            prefix=f"case-{case.pk}-owed-", hint=item.get("note", ""))
        if upload is not None:
            upload["name"] = f"material-{item['material']}"
            upload["multiple"] = True
        items.append({"key": item["material"], "name": item.get("name") or item["material"],
                      "note": item.get("note", ""), "certificate": certificate,
                      "field": upload})
    return {"items": items, "due": case.pending_due_date,
            "can_supply": case.status == CaseStatus.ACCEPTED_PENDING}


def _delivery_context(request: HttpRequest, application: Any, is_applicant: bool,
                      values: dict[str, str] | None = None,
                      errors: dict[str, str] | None = None) -> dict[str, Any]:
    shown = delivery.summary(delivery.delivery_for(request.user, application.pk))
    shown["method_label"] = (translated_label("delivery_method", shown["method"])
                             or shown["method_label"])
    return {
        "delivery": shown,
        "delivery_form": _delivery_form(values or {"method": shown["method"]}, errors or {},
                                        legend=_("选择领取方式")),
        "can_change_delivery": is_applicant and shown["can_change"],
    }


@login_required
@require_POST
def change_delivery(request: HttpRequest, application_id: int) -> HttpResponse:
    """The applicant changes how to receive the results, while nothing is sent."""
    context = _application_context(request, application_id)
    values = delivery.form_values(request.POST)
    errors: dict[str, str] = {}
    try:
        delivery.choose_delivery(application_id, actor=request.user, **values)
    except delivery.DeliveryError as exc:
        errors = {f"delivery.{k}": v for k, v in exc.errors.items()}
    except CaseActionDenied as exc:
        errors = {"delivery.method": str(exc)}
    else:
        messages.success(request, _("领取方式已更新。"))
        return redirect("portal:application", application_id)
    context.update(_delivery_context(request, context["application"], context["is_applicant"],
                                     values, errors))
    context["errors"] = summary(errors, DELIVERY_ANCHORS)
    return render(request, "portal/application.html", context, status=400)


@login_required
def application_detail(request: HttpRequest, application_id: int) -> HttpResponse:
    return render(request, "portal/application.html",
                  _application_context(request, application_id))


def _max_pages(plan: dict[str, Any], key: str) -> int:
    """A material's page limit as planned when the application was filed."""
    return next((int(m.get("max_pages") or DEFAULT_MAX_PAGES)
                 for m in plan.get("materials", []) if m.get("key") == key), DEFAULT_MAX_PAGES)


@login_required
@require_POST
def resubmit(request: HttpRequest, application_id: int, case_id: int) -> HttpResponse:
    """Send the corrected materials of a 一次性告知单 (only the listed items)."""
    return _send_case_materials(request, application_id, case_id, RESUBMIT)


@login_required
@require_POST
def supply(request: HttpRequest, application_id: int, case_id: int) -> HttpResponse:
    """补齐容缺材料: the owed materials, uploaded (or used from the applicant's certificates)."""
    return _send_case_materials(request, application_id, case_id, SUPPLY)


def _case_form_items(entry: dict[str, Any], purpose: str) -> list[dict[str, Any]] | None:
    """The items of a case's 补正 or 容缺补齐 form that take files (None: no such form now)."""
    if purpose == RESUBMIT:
        return None if entry["correction"] is None else entry["correction"]["items"]
    owed = entry["owed"]
    if owed is None or not owed["can_supply"]:
        return None
    return [item for item in owed["items"] if item["field"] is not None]


def _show_pages(request: HttpRequest, items: list[dict[str, Any]],
                attached: dict[str, list[int]]) -> None:
    """The pages kept for each item of a case's form, each with 移除."""
    for item in items:
        pages = describe(attached.get(item["key"], []), [request.user])
        item["field"].update(key=item["key"], pages=pages, required=not pages)


def _send_case_materials(request: HttpRequest, application_id: int, case_id: int,
                         purpose: str) -> HttpResponse:
    """The one handler of the 补正 and 容缺补齐 forms. Files attached before an error stay
    attached (``CaseUploads``, the applicant's own, for this case and form): a 移除 button
    takes one page off, an error shows the form again with what is kept, sending the form
    consumes them."""
    context = _application_context(request, application_id)
    entry = next((e for stage in context["stages"] for e in stage
                  if e["case"].pk == case_id), None)
    if entry is None:
        raise Http404("没有这个办件 (no such case)")
    case = entry["case"]
    resubmitting = purpose == RESUBMIT
    errors: dict[str, str] = {}
    items = _case_form_items(entry, purpose)
    if items is None:
        errors["case"] = (_("这个事项当前不需要补正 (no correction requested)") if resubmitting
                          else _("这个事项当前没有需要补齐的容缺材料 (nothing owed)"))
        items = []
    kept = case_uploads(request.user, case, purpose) if context["is_applicant"] else {}
    removed_key, removed_id = _removed(request)
    plan = context["application"].plan
    attached: dict[str, list[int]] = {}
    for item in items:
        name = item["field"]["label"] if resubmitting else item["name"]
        pages = _pages(request, item["key"], errors, name, kept=kept.get(item["key"], []),
                       removed={removed_id} if removed_key == item["key"] else (),
                       limit=_max_pages(plan, item["key"]))
        if pages:
            attached[item["key"]] = pages
        elif not removed_key and f"materials.{item['key']}" not in errors:
            errors[f"materials.{item['key']}"] = (
                _("请选择“%(name)s”的补正文件") if resubmitting
                else _("请选择“%(name)s”的文件")) % {"name": name}
    allowed = [item["key"] for item in items]
    if removed_key and not errors:  # 移除: the page goes, the others stay; nothing is sent
        keep_case_uploads(request.user, case, purpose, attached, allowed=allowed)
        return redirect(f"{reverse('portal:application', args=[application_id])}"
                        f"#case-{case.pk}-material-{removed_key}")
    if not errors:
        action = Action.RESUBMIT if resubmitting else Action.SUPPLY_MATERIALS
        try:
            transition_case(case_id, action, actor=request.user, materials=attached)
        except SubmissionError as exc:
            errors.update(exc.errors)
        except (CaseActionDenied, IllegalTransition) as exc:
            errors["case"] = str(exc)
        else:
            discard_case_uploads(request.user, case, purpose)
            messages.success(request, (_("“%(name)s”的补正材料已提交。") if resubmitting
                                       else _("“%(name)s”的容缺材料已补齐，部门将继续办理。"))
                             % {"name": case.matter.name})
            return redirect("portal:application", application_id)
    # Nothing attached is lost to an error: it stays on the server for this form.
    keep_case_uploads(request.user, case, purpose, attached, allowed=allowed)
    _show_pages(request, items, attached)
    anchors = {}
    for item in items:
        anchors[f"materials.{item['key']}"] = item["field"]["id"]
        item["field"]["error"] = errors.get(f"materials.{item['key']}", "")
        item["field"]["describedby"] = " ".join(
            x for x, on in ((f"{item['field']['id']}-hint", item["field"]["hint"]),
                            (f"{item['field']['id']}-error", item["field"]["error"])) if on)
    context["errors"] = summary(errors, anchors)
    return render(request, "portal/application.html", context, status=400)


@login_required
@require_POST
def withdraw(request: HttpRequest, application_id: int) -> HttpResponse:
    context = _application_context(request, application_id)
    reason = request.POST.get("reason", "").strip()
    errors: dict[str, str] = {}
    if not request.POST.get("confirm"):
        errors["confirm"] = _("请勾选确认：撤回后，未办结的事项都将停止办理 (tick to confirm)")
    if len(reason) > 500:
        errors["reason"] = _("撤回原因不超过500字 (at most 500 characters)")
    if not errors:
        try:
            withdrawal = withdraw_application(application_id, actor=request.user,
                                              reason=reason)
        except SubmissionError as exc:
            errors["confirm"] = _("；").join(exc.errors.values())
        except CaseActionDenied as exc:
            errors["confirm"] = str(exc)
        else:
            messages.success(request, _("申请已撤回。"))
            if withdrawal.kept:
                names = pgettext("list separator", "、").join(c.matter.name
                                                             for c in withdrawal.kept)
                messages.info(request, _("以下事项在撤回前已作出决定，未撤回：%(names)s")
                              % {"names": names})
            return redirect("portal:application", application_id)
    reason_field = field("reason", _("撤回原因"), kind="textarea", required=False, value=reason,
                         hint=_("写明原因有助于部门改进服务。"), prefix="withdraw-",
                         error=errors.get("reason", ""))
    context["withdraw_fields"] = {"reason": reason_field}
    context["withdraw_errors"] = errors
    context["errors"] = summary(errors, {"reason": "withdraw-reason",
                                         "confirm": "withdraw-confirm"})
    return render(request, "portal/application.html", context, status=400)


# -- messages ------------------------------------------------------------------


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    items = list(selectors.notifications_for(request.user).select_related("application")[:200])
    response = render(request, "portal/notifications.html", {"items": items})
    # Shown once with their 未读 tags, then counted as read.
    mark_notifications_read(request.user, [n.pk for n in items if n.read_at is None])
    return response
