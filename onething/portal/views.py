"""Public pages: the list of bundles and the 审批样板间 page of each bundle."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from onething.catalog import selectors
from onething.certificates.selectors import held_by_applicant, holdings_known
from onething.domain.catalog import BUNDLE_CATEGORIES
from onething.domain.planner import PlanningError
from onething.hall import appointment_selectors
from onething.portal.labels import category_heading, matter_kinds


def home(request: HttpRequest) -> HttpResponse:
    bundles = list(selectors.bundles())
    groups = [
        (category_heading(key), [b for b in bundles if b.category == key])
        for key in BUNDLE_CATEGORIES
    ]
    return render(request, "portal/home.html", {
        "groups": [(label, items) for label, items in groups if items],
        "scenarios": selectors.scenarios(),
    })


def bundle_detail(request: HttpRequest, slug: str) -> HttpResponse:
    bundle = selectors.bundle_by_slug(slug)
    if bundle is None:
        raise Http404("没有这件事 (no such bundle)")
    if bundle.single_matter_id:  # a single matter's own page
        answers = urlencode([(k, v) for k, v in request.GET.items() if k.isidentifier()])
        return redirect(f"{reverse('portal:matter', args=[bundle.single_matter.code])}"
                        f"{'?' + answers if answers else ''}")
    catalog = selectors.catalog_for_bundles([slug])
    spec = catalog.bundles[slug]
    submitted = {q.key: request.GET[q.key] for q in spec.questions if q.key in request.GET}
    errors: list[str] = []
    held = held_by_applicant(request.user)  # 免提交: certificates the applicant holds
    try:
        plan = selectors.plan_bundle(slug, submitted, start=timezone.localdate(),
                                     provisional=True, held=held.keys())
    except PlanningError as exc:
        errors = exc.problems
        plan = selectors.plan_bundle(slug, {}, start=timezone.localdate(), provisional=True,
                                     held=held.keys())
    questions = [
        {
            "key": q.key, "text": q.text, "help": q.help,
            "options": [{"key": o.key, "label": o.label, "default": o.default,
                         "checked": plan.answers.get(q.key) == o.key} for o in q.options],
        }
        for q in spec.questions
    ]
    matters_by_stage = [
        [plan.matter(code) for code in stage] for stage in plan.stages
    ]
    names = {m.code: m.name for m in plan.matters}
    return render(request, "portal/bundle.html", {
        "bundle": bundle,
        "plan": plan,
        "questions": questions,
        "errors": errors,
        "stages": matters_by_stage,
        "names": names,
        "kinds": matter_kinds(),
        "saved_days": plan.serial_days - plan.parallel_days,
        "held_numbers": {key: c.number for key, c in held.items()},
        "outcome": selectors.reform_outcome(plan,
                                            applicant_known=holdings_known(request.user)),
    })


def matter_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One matter (事项): who decides it, in how long, with what — and 单独申请 when the
    catalogue gives it its own materials or fields (its implicit one-matter bundle)."""
    matter = selectors.matter_by_code(code)
    if matter is None:
        raise Http404("没有这个事项 (no such matter)")
    single = selectors.single_matter_bundle(code)
    plan = None
    held = held_by_applicant(request.user)  # 免提交: certificates the applicant holds
    questions: list[dict[str, object]] = []
    errors: list[str] = []
    if single is not None:
        # The questions of the bundles containing the matter that decide its materials
        # (e.g. renting asks for the tenancy registration), asked like a bundle's.
        spec = selectors.catalog_for_bundles([single.slug]).bundles[single.slug]
        submitted = {q.key: request.GET[q.key] for q in spec.questions if q.key in request.GET}
        try:
            plan = selectors.plan_bundle(single.slug, submitted, start=timezone.localdate(),
                                         provisional=True, held=held.keys())
        except PlanningError as exc:
            errors = exc.problems
            plan = selectors.plan_bundle(single.slug, {}, start=timezone.localdate(),
                                         provisional=True, held=held.keys())
        questions = [
            {"key": q.key, "text": q.text, "help": q.help,
             "options": [{"key": o.key, "label": o.label, "default": o.default,
                          "checked": plan.answers.get(q.key) == o.key} for o in q.options]}
            for q in spec.questions
        ]
    return render(request, "portal/matter.html", {
        "matter": matter,
        "single": single,
        "plan": plan,
        "questions": questions,
        "errors": errors,
        "planned": plan.matters[0] if plan else None,
        "names": {matter.code: matter.name},
        "kinds": matter_kinds(),
        "bundles": selectors.bundles_with_matter(code),
        "held_numbers": {key: c.number for key, c in held.items()},
        "booking_categories": appointment_selectors.bookable_categories_for_department(
            matter.department_id),
    })
