"""审批样板间 scenarios: a page per plain-language entry point and its A4 poster.

A scenario ("我要开蛋糕店") is a bundle with some answers preset. Its page shows
the plan for those answers; its poster carries a QR code of the page so that a
printed sheet on a service-hall wall leads straight to it.
"""

from __future__ import annotations

from urllib.parse import urlencode

import segno
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from onething.catalog import selectors
from onething.catalog.translation import localized
from onething.domain.planner import Plan, PlanningError
from onething.portal.labels import matter_kinds

# 'q' (25 % recovery) survives a crease, a smudge or glare on a laminated sheet;
# the URL is short, so the symbol stays small enough for large modules.
QR_ERROR = "q"
QR_BORDER = 4  # the quiet zone the QR standard asks for, in modules


def scenario_list(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/scenarios.html", {"scenarios": selectors.scenarios()})


def scenario_detail(request: HttpRequest, slug: str) -> HttpResponse:
    scenario = _scenario(slug)
    if scenario is None:
        return _not_found(request, slug)
    return render(request, "portal/scenario.html", _context(scenario))


def scenario_poster(request: HttpRequest, slug: str) -> HttpResponse:
    scenario = _scenario(slug)
    if scenario is None:
        return _not_found(request, slug)
    url = scenario_url(request, slug)
    context = _context(scenario)
    title = _("扫码打开“%(title)s”") % {"title": localized(scenario, "title")}
    context.update({"page_url": url, "qr_svg": qr_svg(url, title=title)})
    return render(request, "portal/poster.html", context)


def scenario_url(request: HttpRequest, slug: str) -> str:
    """The absolute address of the scenario page, as the poster's QR code carries it.

    Behind a proxy or on a machine that prints posters for another host, the
    setting ONETHING_PUBLIC_URL (e.g. ``https://zwfw.example.gov.cn``) wins.
    """
    path = reverse("portal:scenario", args=[slug])
    public = getattr(settings, "ONETHING_PUBLIC_URL", None)
    if public:
        return public.rstrip("/") + path
    return request.build_absolute_uri(path)


def qr_svg(url: str, *, title: str) -> str:
    """An inline SVG QR code; the poster's CSS sizes it (about 6 cm when printed)."""
    code = segno.make(url, error=QR_ERROR)
    # segno writes the whole SVG and escapes the title; nothing else comes from users.
    return mark_safe(code.svg_inline(scale=1, border=QR_BORDER, omitsize=True,
                                     svgclass="poster-qr", title=title))


def _scenario(slug: str):
    return selectors.scenarios().filter(slug=slug).first()


def _not_found(request: HttpRequest, slug: str) -> HttpResponse:
    return render(request, "portal/scenario_404.html",
                  {"slug": slug, "scenarios": selectors.scenarios()}, status=404)


def _context(scenario) -> dict[str, object]:
    bundle = scenario.bundle
    spec = selectors.catalog_for_bundles([bundle.slug]).bundles[bundle.slug]
    preset = {str(k): str(v) for k, v in (scenario.answers or {}).items()}
    errors: list[str] = []
    today = timezone.localdate()
    try:
        plan = selectors.plan_bundle(bundle.slug, preset, start=today, provisional=True)
    except PlanningError as exc:  # the catalogue was edited under the scenario
        errors = exc.problems
        plan = selectors.plan_bundle(bundle.slug, {}, start=today, provisional=True)

    situation, assumed = [], []
    for question in spec.questions:
        option = question.option(plan.answers.get(question.key, ""))
        row = {"key": question.key, "question": question.text,
               "answer": option.label if option else plan.answers.get(question.key, "")}
        (situation if question.key in preset and not errors else assumed).append(row)

    names = {m.code: m.name for m in plan.matters}
    kinds = matter_kinds()
    departments: dict[str, dict[str, object]] = {}
    for matter in plan.matters:
        entry = departments.setdefault(matter.department,
                                       {"name": matter.department_name, "matters": []})
        entry["matters"].append(matter.name)  # type: ignore[union-attr]
    # The preset answers go in the links; the bundle page fills in the rest itself.
    query = urlencode(plan.answers if errors else preset)
    return {
        "scenario": scenario,
        "bundle": bundle,
        "plan": plan,
        "errors": errors,
        "situation": situation,
        "assumed": assumed,
        "matters": [_matter_row(plan, m, names, kinds) for m in plan.matters],
        "departments": list(departments.values()),
        "names": names,
        "saved_days": plan.serial_days - plan.parallel_days,
        # The guide is the same for everyone: reuse counted as the catalogue allows it.
        "outcome": selectors.reform_outcome(plan),
        "first_stage_departments": _first_stage_departments(plan),
        "adjust_url": f"{reverse('portal:bundle', args=[bundle.slug])}?{query}",
        "apply_url": f"{reverse('portal:apply', args=[bundle.slug])}?{query}",
        "poster_url": reverse("portal:scenario_poster", args=[scenario.slug]),
    }


def _matter_row(plan: Plan, matter, names: dict[str, str],
                kinds: dict[str, str]) -> dict[str, object]:
    return {
        "matter": matter,
        "kind": kinds.get(matter.kind, matter.kind),
        "after": [names.get(code, code) for code in matter.depends_on],
    }


def _first_stage_departments(plan: Plan) -> int:
    """How many departments start at once, on the day of the one submission."""
    if not plan.stages:
        return 0
    return len({plan.matter(code).department for code in plan.stages[0]})
