"""The any-matter window (无差别受理): a clerk takes in any bundle or any single matter
for any department.

Four steps, each a plain page that works without JavaScript; the answers
travel in the query string (``a_<question>``), so every step can be
bookmarked, reloaded or gone back to:

1. find the bundle or the matter (search by name, pinyin or initials), 2. answer
the bundle's questions (a single matter has none: skipped), 3. identify (or
register) the walk-in applicant, 4. fill the merged form and scan the materials,
submit → the printable acceptance receipt (收件回执).

A single matter applied for on its own (单独申请) goes through its implicit
one-matter bundle (catalog.selectors.single_matter_bundle): the same plan, form,
materials, submission and receipt as a bundle of one.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection
from urllib.parse import urlencode

import segno
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, gettext_lazy, pgettext

from onething.accounts.choices import ApplicantKind
from onething.accounts.identity import verify_in_person
from onething.accounts.selectors import applicant_by_id, find_applicants
from onething.accounts.services import AccountError, register_company, register_person
from onething.applications import prefill, selectors
from onething.applications.attachments import describe, receive_pages
from onething.applications.services import (
    CaseActionDenied,
    Submission,
    SubmissionError,
    check_form,
)
from onething.applications.services import submit_application as submit
from onething.catalog import selectors as catalog_selectors
from onething.catalog.translation import localized
from onething.certificates.selectors import held_by_applicant
from onething.core.addresses import public_url
from onething.domain.planner import Plan, PlanningError
from onething.hall.ticket_services import link_current
from onething.search import selectors as search_selectors
from onething.workbench.access import WINDOW_ROLES, staff_required
from onething.workbench.labels import label

ANSWER_PREFIX = "a_"
ACCEPT_FILES = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"
INPUT_TYPES = {"number": "number", "date": "date", "mobile": "tel"}

PERSON_FIELDS = [("real_name", gettext_lazy("姓名"), "name"),
                 ("id_number", gettext_lazy("居民身份证号码"), "off"),
                 ("mobile", gettext_lazy("手机号码"), "tel")]
COMPANY_FIELDS = [("company_name", gettext_lazy("企业名称"), "organization"),
                  ("uscc", gettext_lazy("统一社会信用代码"), "off"),
                  ("representative_name", gettext_lazy("经办人（授权代表）姓名"), "name"),
                  ("representative_id_number", gettext_lazy("经办人居民身份证号码"), "off"),
                  ("mobile", gettext_lazy("经办人手机号码"), "tel")]


SEARCH_LIMIT = 30

# -- helpers ---------------------------------------------------------------------


def bundle_title(bundle) -> str:
    """What the applicant applies for: “开办餐饮店一件事”, or a single matter's own name."""
    if bundle.single_matter_id:
        return localized(bundle.name)
    return gettext("%(name)s一件事") % {"name": localized(bundle.name)}


def _bundle_or_404(slug: str):
    bundle = catalog_selectors.bundle_by_slug(slug)
    if bundle is None:
        raise Http404("没有这件事 (no such bundle)")
    return bundle


def _questions(slug: str):
    return catalog_selectors.catalog_for_bundles([slug]).bundles[slug].questions


def _answers(request: HttpRequest, slug: str) -> dict[str, str]:
    source = request.GET
    return {q.key: source[ANSWER_PREFIX + q.key] for q in _questions(slug)
            if source.get(ANSWER_PREFIX + q.key)}


def _answers_query(answers: dict[str, str], **extra: object) -> str:
    return urlencode({**{ANSWER_PREFIX + k: v for k, v in answers.items()}, **extra})


def _step_url(name: str, slug: str, answers: dict[str, str], **extra: object) -> str:
    return f"{reverse(name, args=[slug])}?{_answers_query(answers, **extra)}"


def _plan(slug: str, answers: dict[str, str], held: Collection[str] = ()) -> Plan:
    return catalog_selectors.plan_bundle(slug, answers, start=timezone.localdate(),
                                         provisional=True, held=held)


def _planned_or_back(request: HttpRequest, slug: str) -> tuple[dict[str, str], Plan | None,
                                                                 HttpResponse | None]:
    """Plan from the answers in the URL, or a redirect back to the questions."""
    answers = _answers(request, slug)
    try:
        plan = _plan(slug, answers)
    except PlanningError as exc:
        messages.error(request, gettext("情形回答有误：%(problems)s")
                       % {"problems": pgettext("list separator", "；").join(exc.problems)})
        return answers, None, redirect("workbench:window-questions", slug=slug)
    if not plan.matters:
        messages.error(request, gettext("按所选情形没有需要向部门申请的事项，请重新选择情形。"))
        return answers, None, redirect(_step_url("workbench:window-questions", slug, answers))
    return answers, plan, None


# -- step 1 and 2: bundle and questions ---------------------------------------------------


@staff_required(*WINDOW_ROLES)
def choose_bundle(request: HttpRequest) -> HttpResponse:
    """Step 1: search every bundle and every matter of the centre, choose one."""
    slug = request.GET.get("bundle", "")
    code = request.GET.get("matter", "")
    if slug:
        bundle = catalog_selectors.bundle_by_slug(slug)
        if bundle is not None and bundle.single_matter_id is None:
            return redirect("workbench:window-questions", slug=slug)
        messages.error(request, gettext("请选择一件事。"))
    elif code:
        single = catalog_selectors.single_matter_bundle(code)
        if single is not None:  # its own questions first, if its materials depend on any
            step = "workbench:window-questions" if _questions(single.slug) else (
                "workbench:window-applicant")
            return redirect(step, slug=single.slug)
        messages.error(request, gettext("这个事项不能单独申请，请选择包含它的一件事。"))
    query = request.GET.get("q", "")[:100].strip()
    bundles, matters = _search(query) if query else ([], [])
    return render(request, "workbench/window_bundle.html", {
        "query": query, "searched": bool(query),
        "found_bundles": bundles, "found_matters": matters,
        "found_count": len(bundles) + len(matters),
        "bundles": catalog_selectors.bundles(),
    })


def _search(query: str) -> tuple[list[dict], list[dict]]:
    """(一件事, single matters) found by name, pinyin or initials, best first.

    A scenario found stands for its bundle; a matter is listed when it can be applied
    for on its own, with the bundles it is also part of."""
    hits = search_selectors.search(query, SEARCH_LIMIT)
    by_slug = {b.slug: b for b in catalog_selectors.bundles()}
    codes = [h.key for h in hits if h.kind == "matter"]
    singles = catalog_selectors.single_matter_bundles(codes)
    found_bundles: dict[str, dict] = {}
    found_matters: dict[str, dict] = {}
    for hit in hits:
        slug = hit.key if hit.kind == "bundle" else hit.bundle if hit.kind == "scenario" else None
        if slug in by_slug and slug not in found_bundles:
            bundle = by_slug[slug]
            found_bundles[slug] = {
                "bundle": bundle, "title": bundle_title(bundle),
                "url": f"{reverse('workbench:window')}?{urlencode({'bundle': slug})}"}
        elif hit.kind == "matter" and hit.key in singles and hit.key not in found_matters:
            single = singles[hit.key]
            found_matters[hit.key] = {
                "bundle": single,
                "matter": single.single_matter,
                "url": f"{reverse('workbench:window')}?{urlencode({'matter': hit.key})}"}
    return list(found_bundles.values()), list(found_matters.values())


@staff_required(*WINDOW_ROLES)
def answer_questions(request: HttpRequest, slug: str) -> HttpResponse:
    bundle = _bundle_or_404(slug)
    if bundle.single_matter_id and not _questions(slug):  # nothing to ask
        return redirect("workbench:window-applicant", slug=slug)
    answers = _answers(request, slug)
    try:
        chosen = _plan(slug, answers).answers
    except PlanningError as exc:
        messages.error(request, gettext("情形回答有误，已按常见情形显示：%(problems)s")
                       % {"problems": pgettext("list separator", "；").join(exc.problems)})
        chosen = _plan(slug, {}).answers
    questions = [
        {"key": q.key, "name": ANSWER_PREFIX + q.key, "text": q.text, "help": q.help,
         "options": [{"key": o.key, "label": o.label, "checked": chosen.get(q.key) == o.key}
                     for o in q.options]}
        for q in _questions(slug)
    ]
    return render(request, "workbench/window_questions.html",
                  {"bundle": bundle, "title": bundle_title(bundle), "questions": questions})


# -- step 3: the applicant ----------------------------------------------------------------


@staff_required(*WINDOW_ROLES)
def identify_applicant(request: HttpRequest, slug: str) -> HttpResponse:
    bundle = _bundle_or_404(slug)
    answers, plan, back = _planned_or_back(request, slug)
    if back is not None:
        return back
    kind = request.POST.get("kind", "") if request.method == "POST" else ""
    errors: dict[str, str] = {}
    if kind in {ApplicantKind.PERSON, ApplicantKind.COMPANY}:
        fields = PERSON_FIELDS if kind == ApplicantKind.PERSON else COMPANY_FIELDS
        values = {name: request.POST.get(name, "").strip() for name, _, _ in fields}
        try:
            if kind == ApplicantKind.PERSON:
                applicant = register_person(**values)
            else:
                applicant = register_company(**values)
        except AccountError as exc:
            errors[exc.field or fields[0][0]] = str(exc)
        else:
            if kind == ApplicantKind.PERSON and request.POST.get("original_seen") == "yes":
                # The clerk saw the original ID card: verified in person (L3).
                verify_in_person(applicant, actor=request.user, evidence="window-original")
            messages.success(request, gettext("已为“%(name)s”登记申请人信息。")
                             % {"name": applicant.display_name})
            return redirect(_step_url("workbench:window-form", slug, answers,
                                      applicant=applicant.pk))
    # Searched by POST: a mobile or ID number in the address would stay in the browser's
    # history on a shared window PC and in every proxy's and server's access log.
    query = request.POST.get("q", "").strip() if kind == "search" else ""
    found = find_applicants(query) if query else []
    posted = request.POST if kind else {}

    def form_rows(prefix: str, fields, form_kind: str):
        return [{"id": f"{prefix}-{name}", "name": name, "label": label, "autocomplete": auto,
                 "value": posted.get(name, "") if kind == form_kind else "",
                 "error": errors.get(name, "") if kind == form_kind else ""}
                for name, label, auto in fields]

    return render(request, "workbench/window_applicant.html", {
        "bundle": bundle, "title": bundle_title(bundle),
        "plan": plan,
        "answers": [(ANSWER_PREFIX + k, v) for k, v in answers.items()],
        "query": query,
        "searched": bool(query),
        "found": [{"user": u, "details": _found_details(u),
                   "url": _step_url("workbench:window-form", slug, answers, applicant=u.pk)}
                  for u in found],
        "kind": kind,
        "person_rows": form_rows("person", PERSON_FIELDS, ApplicantKind.PERSON),
        "company_rows": form_rows("company", COMPANY_FIELDS, ApplicantKind.COMPANY),
        "errors": errors,
        "post_url": _step_url("workbench:window-applicant", slug, answers),
        "back_url": (reverse("workbench:window")
                     if bundle.single_matter_id and not _questions(slug)
                     else _step_url("workbench:window-questions", slug, answers)),
        "change_answers": bool(_questions(slug)),
    }, status=400 if errors else 200)


def _found_details(user) -> str:
    """个人，身份证 …，手机 …: what tells two applicants of the same name apart."""
    parts = [label("applicant_kind", user.applicant_kind),
             gettext("实名认证：%(level)s") % {"level": label("assurance_level",
                                                           user.assurance_level)}]
    if user.masked_id_number:
        parts.append(gettext("身份证 %(number)s") % {"number": user.masked_id_number})
    elif user.representative_name:
        parts.append(gettext("经办人 %(name)s") % {"name": user.representative_name})
    if user.masked_mobile:
        parts.append(gettext("手机 %(number)s") % {"number": user.masked_mobile})
    return pgettext("list separator", "，").join(parts)


# -- step 4: the merged form and the materials ----------------------------------------------


def _valid_key(raw: str) -> str:
    try:
        return str(uuid.UUID(raw))
    except (ValueError, TypeError):
        return ""


@staff_required(*WINDOW_ROLES)
def fill_form(request: HttpRequest, slug: str) -> HttpResponse:
    bundle = _bundle_or_404(slug)
    answers, plan, back = _planned_or_back(request, slug)
    if back is not None:
        return back
    try:
        applicant = applicant_by_id(int(request.GET.get("applicant", "")))
    except ValueError:
        applicant = None
    if applicant is None:
        messages.error(request, gettext("请先确认申请人。"))
        return redirect(_step_url("workbench:window-applicant", slug, answers))
    # 免提交: plan again with what this applicant holds, as submit_application will.
    held = held_by_applicant(applicant)
    if held:
        plan = _plan(slug, answers, held=held.keys())
    # The profile's data (locked), the roles the applicant plays and what their
    # certificates certify (proposed): the same prefill as the portal's form.
    known, proposed = prefill.form_values(applicant, plan, held)

    if request.method != "POST":
        return _render_form(request, bundle, plan, answers, applicant, known, held,
                            values={**proposed, **known}, kept={}, errors={},
                            key=str(uuid.uuid4()))

    key = _valid_key(request.POST.get("idempotency_key", "")) or str(uuid.uuid4())
    # A double click or a replayed form: the first submission already made it.
    done = selectors.application_by_idempotency_key(request.user, applicant, key)
    if done is not None:
        return redirect("workbench:receipt", application_id=done.pk)

    values = {f.key: request.POST.get(f.key, "") for f in plan.fields}
    errors: dict[str, str] = {}
    kept: dict[str, dict[str, object]] = {}
    # 容缺受理: materials the applicant will supply after acceptance; 告知承诺: the
    # commitments the applicant signed on paper at the window (the hash of the text shown).
    deferred = [m.key for m in plan.materials
                if m.deferrable and request.POST.get(f"defer-{m.key}")]
    commitments = {c.matter: request.POST.get(f"commitment-{c.matter}", "")
                   for c in plan.commitments if request.POST.get(f"commitment-{c.matter}")}
    removed_key, _, removed_id = request.POST.get("remove", "").partition(":")
    for material in plan.materials:
        # 多页材料: the pages scanned before (kept across a refused submission), minus the
        # one the clerk removed, plus the files chosen now — the portal's mechanism.
        previous = [int(v) for v in request.POST.getlist(f"upload-{material.key}")
                    if v.isdigit() and len(v) < 19]
        received = receive_pages(
            request.FILES.getlist(f"file-{material.key}"), owner=request.user, kept=previous,
            removed={int(removed_id)} if removed_key == material.key and removed_id.isdigit()
            and len(removed_id) < 19 else (),
            limit=material.max_pages, name=material.name)
        if received.error:
            errors[f"materials.{material.key}"] = received.error
        pages = describe(received.ids, [request.user, applicant])
        if pages:
            kept[material.key] = {"pages": pages, "ids": [p["id"] for p in pages]}
    if removed_key:  # a page removed: the form again, nothing submitted
        return _render_form(request, bundle, plan, answers, applicant, known, held,
                            values=values, kept=kept, errors=errors, key=key,
                            status=400 if errors else 200, deferred=deferred,
                            signed=commitments)

    if errors:
        # Show every problem at once, not only the files.
        _, form_errors = check_form(plan, {**values, **known})
        errors.update(form_errors)
        for material in plan.materials:
            if material.key not in kept and material.key not in deferred:
                errors.setdefault(f"materials.{material.key}",
                                  gettext("请上传“%(name)s”") % {"name": material.name})
    else:
        submission = Submission(bundle=slug, answers=answers, form_data=values,
                                materials={k: list(v["ids"]) for k, v in kept.items()},
                                idempotency_key=key, deferred_materials=deferred,
                                commitments=commitments)
        try:
            application = submit(submission, actor=request.user, applicant=applicant,
                                 channel="window")
        except (SubmissionError, CaseActionDenied) as exc:
            errors = getattr(exc, "errors", None) or {"__all__": str(exc)}
        else:
            # The ticket being served at this window (叫号) records what it led to.
            link_current(actor=request.user, application=application)
            messages.success(request, gettext("已受理，受理编号 %(number)s。")
                             % {"number": application.tracking_number})
            return redirect("workbench:receipt", application_id=application.pk)
    # A file the service refused (not the clerk's or applicant's) must be uploaded again.
    for field in list(errors):
        if field.startswith("materials."):
            kept.pop(field.removeprefix("materials."), None)
    return _render_form(request, bundle, plan, answers, applicant, known, held, values=values,
                        kept=kept, errors=errors, key=key, status=400,
                        deferred=deferred, signed=commitments)


def _render_form(request: HttpRequest, bundle, plan: Plan, answers: dict[str, str], applicant,
                 known: dict[str, str], held: dict, *, values: dict[str, str], kept: dict,
                 errors: dict, key: str, status: int = 200, deferred: list[str] | None = None,
                 signed: dict[str, str] | None = None) -> HttpResponse:
    fields = [{
        "key": f.key, "id": f"field-{f.key}", "label": f.label, "type": f.type,
        "input_type": INPUT_TYPES.get(f.type, "text"), "required": f.required,
        "choices": f.choices, "help": f.help,
        "value": known.get(f.key, values.get(f.key, "")),
        "readonly": f.key in known,
        "error": errors.get(f.key, ""),
    } for f in plan.fields]
    materials = [{
        "key": m.key, "id": f"file-{m.key}", "name": m.name, "description": m.description,
        "originals": m.originals, "copies": m.copies,
        "kept": kept.get(m.key), "error": errors.get(f"materials.{m.key}", ""),
        "max_pages": m.max_pages,
        "multiple": len((kept.get(m.key) or {}).get("pages", [])) < m.max_pages,
        "supply_within": m.supply_within, "deferred": m.key in (deferred or []),
    } for m in plan.materials]
    commitments = [{
        "id": f"commitment-{c.matter}", "matter_name": c.matter_name, "version": c.version,
        "text": c.text, "sha256": c.sha256,
        "checked": (signed or {}).get(c.matter) == c.sha256,
        "error": errors.get(f"commitments.{c.matter}", ""),
    } for c in plan.commitments]
    reused = [{"name": m.name, "number": held[m.certificate].number}
              for m in plan.reused_materials if m.certificate in held]
    anchors = {f.key: f"field-{f.key}" for f in plan.fields}
    anchors.update({f"materials.{m.key}": f"file-{m.key}" for m in plan.materials})
    anchors.update({f"commitments.{c.matter}": f"commitment-{c.matter}"
                    for c in plan.commitments})
    summary = [{"message": message, "anchor": anchors.get(field, "")}
               for field, message in errors.items()]
    return render(request, "workbench/window_form.html", {
        "bundle": bundle, "title": bundle_title(bundle), "plan": plan, "applicant": applicant,
        "fields": fields, "materials": materials, "reused": reused, "summary": summary,
        "commitments": commitments,
        "idempotency_key": key,
        "post_url": _step_url("workbench:window-form", slug=plan.bundle, answers=answers,
                              applicant=applicant.pk),
        "back_url": _step_url("workbench:window-applicant", plan.bundle, answers),
    }, status=status)


# -- the receipt --------------------------------------------------------------------------


@staff_required()
def receipt(request: HttpRequest, application_id: int) -> HttpResponse:
    """收件回执: what was received, from whom, who handles it, by when — as issued at
    submission (stored then; every reprint says the same, only the chrome follows the
    language)."""
    from onething.accessibility.selectors import NoNotice, issued_receipt

    try:
        application = selectors.application_for(request.user, application_id)
        issued = issued_receipt(request.user, application_id,
                                absolute=lambda path: public_url(request, path))
    except (selectors.NotVisible, NoNotice) as exc:
        raise Http404("没有这份申请 (no such application)") from exc
    record = issued.record
    if record is None:  # stored before receipts were records: print what was stored
        return render(request, "workbench/receipt_notice.html", {
            "application": application, "notice": issued.notice})
    url = public_url(request, record["tracking_path"])
    qr = segno.make(url, error="m").svg_inline(scale=4, title=gettext("扫码查询办理进度"))
    return render(request, "workbench/receipt.html", {
        "application": application,
        "title": (localized(record["bundle"]) if record.get("single_matter")
                  else gettext("%(name)s一件事") % {"name": localized(record["bundle"])}),
        "r": record,
        "submitted_at": dt.datetime.fromisoformat(record["submitted_at"]),
        "completion": _iso_date(record["completion"]),
        "cases": [{**c, "due": _iso_date(c["due"])} for c in record["cases"]],
        "tracking_url": url,
        "qr_svg": mark_safe(qr),  # segno writes the SVG itself; no user text in it
        "issued_on": dt.date.fromisoformat(record["issued_on"]),
    })


def _iso_date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None
