"""Reads from the catalogue.

The database (loaded from YAML, possibly edited in the admin) is what the
running platform uses. These selectors rebuild the plain-Python specs the
planner works on from it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet

from onething.catalog import models
from onething.domain import catalog as spec
from onething.domain import outcomes
from onething.domain.baseline import baseline_from_metrics
from onething.domain.calendar import (
    PACKAGE_VERSION,
    SOURCE_LABELS,
    DaySource,
    SpecialDay,
    WorkingDayCalendar,
    calendar_package_knows,
)
from onething.domain.certificates import LONG_TERM, Validity
from onething.domain.outcomes import ReformOutcome
from onething.domain.planner import Plan, make_plan


def _all_bundles() -> QuerySet[models.Bundle]:
    return models.Bundle.objects.select_related("lead_department", "single_matter").order_by(
        "position", "slug")


def bundles() -> QuerySet[models.Bundle]:
    """The 一件事 of the catalogue (not the implicit one-matter bundles of 单独申请)."""
    return _all_bundles().filter(single_matter__isnull=True)


def bundle_by_slug(slug: str) -> models.Bundle | None:
    """A bundle by slug, an implicit one-matter bundle (单独申请) included."""
    return _all_bundles().filter(slug=slug).first()


def single_matter_bundle(code: str) -> models.Bundle | None:
    """The implicit bundle through which matter ``code`` is applied for on its own, or
    None when the matter cannot be (see domain.catalog.applicable_alone)."""
    return _all_bundles().filter(single_matter__code=code).first()


def single_matter_bundles(codes: Iterable[str]) -> dict[str, models.Bundle]:
    """Matter code -> its implicit bundle, for those of ``codes`` applicable alone."""
    rows = _all_bundles().filter(single_matter__code__in=list(codes)).select_related(
        "single_matter__department")
    return {row.single_matter.code: row for row in rows}


def matter_by_code(code: str) -> models.Matter | None:
    return models.Matter.objects.select_related("department").filter(code=code).first()


def bundles_with_matter(code: str) -> QuerySet[models.Bundle]:
    """The 一件事 that include matter ``code``."""
    return bundles().filter(members__matter__code=code).distinct()


def scenarios() -> QuerySet[models.Scenario]:
    return models.Scenario.objects.select_related("bundle").order_by("slug")


def catalog_is_loaded() -> bool:
    return models.Bundle.objects.exists()


def _limit(unit: str, days: int) -> spec.TimeLimit:
    return spec.TimeLimit("instant") if unit == "instant" else spec.TimeLimit(unit, days)


def _matter_spec(row: models.Matter) -> spec.Matter:
    return spec.Matter(
        code=row.code,
        name=row.name,
        kind=row.kind,
        department=row.department.code,
        statutory_limit=_limit(row.statutory_unit, row.statutory_days),
        promised_limit=_limit(row.promised_unit, row.promised_days),
        materials=tuple(
            spec.MaterialRequirement(r.material.key, r.originals, r.copies, r.optional, r.note)
            for r in row.material_requirements.all()
        ),
        fields=tuple(spec.MatterField(f.field.key, f.required) for f in row.matter_fields.all()),
        issues=row.issues.key if row.issues else None,
        cross_region=row.cross_region,
        online_depth=row.online_depth,
        legal_basis=row.legal_basis,
        description=row.description,
        maintainer_note=row.maintainer_note,
        sources=tuple(row.sources),
        auto_decision=_auto_decision(row.auto_decision),
        acceptance_limit=row.acceptance_limit,
        extension=extension_rule(row),
        accept_pending=spec.accept_pending_from(row.accept_pending),
        commitment=spec.commitment_from(row.commitment),
    )


def extension_rule(row: models.Matter) -> spec.ExtensionRule:
    """The matter's extension rule (延期) as the domain checks it."""
    return spec.ExtensionRule(row.extension_max_days, row.extension_approval,
                              row.extension_reason_required, row.extension_basis)


def _auto_decision(data: dict[str, Any] | None) -> spec.AutoDecision | None:
    if not data or not data.get("checks"):
        return None
    return spec.AutoDecision(tuple(data["checks"]), tuple(data.get("verified_waives", ())),
                             str(data.get("note", "")), int(data.get("assurance", 2)))


def _bundle_spec(row: models.Bundle) -> spec.Bundle:
    def refs(items: Iterable[dict]) -> tuple[spec.MaterialRef, ...]:
        return tuple(spec.MaterialRef(i["material"], i.get("matter")) for i in items)

    return spec.Bundle(
        slug=row.slug,
        name=row.name,
        category=row.category,
        description=row.description,
        members=tuple(spec.BundleMember(m.matter.code, m.optional) for m in row.members.all()),
        questions=tuple(
            spec.Question(q.key, q.text,
                          tuple(spec.Option(o.key, o.label, o.is_default,
                                            o.range.get("at_least"), o.range.get("below"))
                                for o in q.options.all()), q.help, q.field)
            for q in row.questions.all()
        ),
        conditions=tuple(
            spec.Condition(
                when=tuple((q, tuple(v) if isinstance(v, list) else (v,))
                           for q, v in c.when.items()),
                include_matters=tuple(c.include_matters),
                exclude_matters=tuple(c.exclude_matters),
                include_materials=refs(c.include_materials),
                exclude_materials=refs(c.exclude_materials),
                note=c.note,
            )
            for c in row.conditions.all()
        ),
        dependencies=tuple(spec.Dependency(d.matter.code, d.requires.code, d.receives)
                           for d in row.dependencies.all()),
        field_map=tuple((f.matter.code, f.matter_field, f.form_field.key)
                        for f in row.field_mappings.all()),
        synonyms=tuple(row.synonyms),
        lead_department=row.lead_department.code if row.lead_department else None,
        lifecycle_stage=row.lifecycle_stage,
        batch=row.batch,
        status=row.status,
        maintainer_note=row.maintainer_note,
        metrics=row.metrics,
        sources=tuple(row.sources),
        single_matter=row.single_matter.code if row.single_matter_id else None,
    )


_cache: dict[tuple[object, ...], object] = {}
_CACHE_LIMIT = 512


def catalog_token() -> str:
    """The current catalogue version (see models.CatalogState)."""
    token = models.CatalogState.objects.filter(pk=1).values_list("token", flat=True).first()
    return token or ""


def _cached(key: tuple[object, ...], build):
    token = catalog_token()
    full_key = (token, *key)
    if full_key not in _cache:
        if len(_cache) >= _CACHE_LIMIT:
            _cache.clear()
        _cache[full_key] = build()
    return _cache[full_key]


def field_definitions(keys: Collection[str]) -> dict[str, models.FieldDefinition]:
    """The field dictionary's entries for ``keys`` (those that exist)."""
    return {f.key: f for f in models.FieldDefinition.objects.filter(key__in=list(keys))}


def english_texts() -> dict[str, str]:
    """The catalogue's Chinese texts → their English (the rows' ``en``), cached per
    process until the catalogue changes. Where one Chinese text has several English
    ones, the first row's (in model order) wins."""
    return _cached(("english",), _build_english_texts)


def _build_english_texts() -> dict[str, str]:
    texts: dict[str, str] = {}
    for model in (models.Bundle, models.Matter, models.Department, models.Material,
                  models.FieldDefinition, models.CertificateType, models.Question,
                  models.Option, models.Scenario, models.MatterMaterial, models.Region,
                  models.KnownPeak):
        for row in model.objects.exclude(en={}).only("en", *spec_attrs(model)):
            for attr, english in row.en.items():
                if attr == "choices" and isinstance(english, dict):
                    for chinese, text in english.items():
                        texts.setdefault(str(chinese).strip(), str(text))
                    continue
                chinese = str(getattr(row, attr, "") or "").strip()
                if chinese and isinstance(english, str) and english:
                    texts.setdefault(chinese, english)
    return texts


def spec_attrs(model: type) -> tuple[str, ...]:
    """The translatable texts of a catalogue model (domain.catalog.TRANSLATABLE)."""
    return _MODEL_TEXTS[model]


_MODEL_TEXTS: dict[type, tuple[str, ...]] = {
    models.Region: spec.TRANSLATABLE["region"],
    models.Department: spec.TRANSLATABLE["department"],
    models.CertificateType: spec.TRANSLATABLE["certificate type"],
    models.Material: spec.TRANSLATABLE["material"],
    models.FieldDefinition: spec.TRANSLATABLE["field"],
    models.Matter: spec.TRANSLATABLE["matter"],
    models.MatterMaterial: spec.TRANSLATABLE["material requirement"],
    models.Bundle: spec.TRANSLATABLE["bundle"],
    models.KnownPeak: spec.TRANSLATABLE["peak"],
    models.Question: spec.TRANSLATABLE["question"],
    models.Option: spec.TRANSLATABLE["option"],
    models.Scenario: spec.TRANSLATABLE["scenario"],
}


def catalog_for_bundles(slugs: Iterable[str] | None = None) -> spec.Catalog:
    """The specs of the given bundles (all when None) and what they refer to.

    Cached per process until the catalogue changes; treat the result as read-only.
    """
    wanted = None if slugs is None else sorted(set(slugs))
    key = ("catalog", None if wanted is None else tuple(wanted))
    return _cached(key, lambda: _build_catalog(wanted))


def stored_catalog(slugs: Iterable[str], matter_codes: Iterable[str] = ()) -> spec.Catalog:
    """The specs of the given bundles, of ``matter_codes`` and of what they refer to, as
    the rows say now (never cached: an edit checks what it is about to commit)."""
    return _build_catalog(list(slugs), matter_codes)


def _build_catalog(slugs: Iterable[str] | None,
                   more_matters: Iterable[str] = ()) -> spec.Catalog:
    bundle_rows = models.Bundle.objects.prefetch_related(
        Prefetch("members", queryset=models.BundleMember.objects.select_related("matter")),
        Prefetch("questions", queryset=models.Question.objects.prefetch_related("options")),
        "conditions",
        Prefetch("dependencies",
                 queryset=models.BundleDependency.objects.select_related("matter", "requires")),
        Prefetch("field_mappings",
                 queryset=models.FieldMapping.objects.select_related("matter", "form_field")),
    ).select_related("lead_department", "single_matter")
    if slugs is not None:
        bundle_rows = bundle_rows.filter(slug__in=list(slugs))
    else:  # every 一件事; an implicit one-matter bundle only when asked for by slug
        bundle_rows = bundle_rows.filter(single_matter__isnull=True)
    catalog = spec.Catalog()
    matter_codes: set[str] = set(more_matters)
    for row in bundle_rows:
        catalog.bundles[row.slug] = _bundle_spec(row)
        matter_codes.update(m.matter.code for m in row.members.all())

    matter_rows = models.Matter.objects.filter(code__in=matter_codes).select_related(
        "department", "issues"
    ).prefetch_related(
        Prefetch("material_requirements",
                 queryset=models.MatterMaterial.objects.select_related("material")),
        Prefetch("matter_fields", queryset=models.MatterField.objects.select_related("field")),
    )
    material_keys: set[str] = set()
    field_keys: set[str] = set()
    department_codes: set[str] = set()
    for row in matter_rows:
        matter = _matter_spec(row)
        catalog.matters[matter.code] = matter
        material_keys.update(r.material for r in matter.materials)
        field_keys.update(f.key for f in matter.fields)
        department_codes.add(matter.department)
    for bundle in catalog.bundles.values():
        field_keys.update(target for _, _, target in bundle.field_map)
        field_keys.update(q.field for q in bundle.questions if q.field)
        if bundle.lead_department:
            department_codes.add(bundle.lead_department)

    for d in models.Department.objects.filter(code__in=department_codes):
        catalog.departments[d.code] = spec.Department(d.code, d.name, d.region_id, d.kind,
                                                      d.short_name)
    for m in models.Material.objects.filter(key__in=material_keys).select_related("certificate"):
        catalog.materials[m.key] = spec.Material(
            m.key, m.name, m.description, m.certificate.key if m.certificate else None,
            max_pages=m.max_pages)
    for f in models.FieldDefinition.objects.filter(key__in=field_keys):
        catalog.fields[f.key] = spec.FieldDef(
            f.key, f.label, f.type, tuple(f.choices), f.help, minimum=f.bounds.get("min"),
            maximum=f.bounds.get("max"), decimals=f.bounds.get("decimals"))
    for c in models.CertificateType.objects.all():
        catalog.certificate_types[c.key] = certificate_type_spec(c)
    return catalog


def certificate_type_spec(row: models.CertificateType) -> spec.CertificateType:
    """The domain's view of a certificate type row (fields, holder, validity, layout)."""
    fields = tuple(spec.CertificateField(f, "") if isinstance(f, str) else
                   spec.CertificateField(str(f.get("key", "")), str(f.get("label", "")),
                                         str(f.get("source", "form")))
                   for f in (row.fields or []))
    rule = row.validity or {}
    validity = Validity(str(rule.get("kind", LONG_TERM)), int(rule.get("years", 0)),
                        int(rule.get("months", 0)), int(rule.get("days", 0)))
    return spec.CertificateType(row.key, row.name, row.issuer_note, fields, row.holder_kind,
                                validity, row.layout)


def working_day_calendar(*, provisional: bool = False) -> WorkingDayCalendar:
    """The calendar with the holiday notices and corrections kept in the database."""
    return _cached(("calendar", provisional), lambda: _build_calendar(provisional))


def _build_calendar(provisional: bool) -> WorkingDayCalendar:
    entered = [SpecialDay(day, working, name, DaySource(via)) for day, working, name, via in
               models.CalendarDay.objects.values_list("date", "is_working_day", "name",
                                                      "entered_via")]
    years = models.HolidayYear.objects.values_list("year", flat=True)
    return WorkingDayCalendar(known_years=years, provisional=provisional, entered=entered)


@dataclass(frozen=True)
class YearInForce:
    """A year's days off and make-up working days as deadlines are counted now."""

    year: int
    source: DaySource  # where the year as a whole comes from
    notice: str  # the notice (or rule) it follows
    days: tuple[SpecialDay, ...]

    @property
    def provisional(self) -> bool:
        return self.source is DaySource.PROVISIONAL

    @property
    def source_label(self) -> str:
        return SOURCE_LABELS[self.source]


PROVISIONAL_NOTICE = ("按《全国年节及纪念日放假办法》（国务院令第795号）推算，"
                      "国务院办公厅通知公布前暂定 (estimated from the statutory holiday "
                      "rules until the State Council's notice is out)")


def calendar_in_force(year: int) -> YearInForce:
    """The days in force in ``year``: entered notice, package data or the provisional rules."""
    calendar = working_day_calendar(provisional=True)
    days = calendar.special_days(year)
    row = models.HolidayYear.objects.filter(year=year).first()
    if row is not None:
        return YearInForce(year, DaySource(row.entered_via), row.source, days)
    if calendar_package_knows(year):
        return YearInForce(year, DaySource.PACKAGE, f"chinese-calendar {PACKAGE_VERSION}", days)
    return YearInForce(year, DaySource.PROVISIONAL, PROVISIONAL_NOTICE, days)


def entered_years() -> list[int]:
    return list(models.HolidayYear.objects.order_by("year").values_list("year", flat=True))


def plan_bundle(slug: str, answers: dict[str, str] | None = None, *,
                start: dt.date | None = None, provisional: bool = False,
                held: Collection[str] = (), verified: bool = False) -> Plan:
    """Plan one bundle from the database catalogue (raises PlanningError).

    ``held``: certificate types the applicant holds (certificates.selectors.
    held_certificate_types); materials they stand in for are reused (免提交).
    ``verified``: identity checked in person by ID card (see make_plan).
    """
    catalog = catalog_for_bundles([slug])
    calendar = working_day_calendar(provisional=provisional) if start else None
    return make_plan(catalog, slug, answers, start=start, calendar=calendar, held=held,
                     verified=verified)


def reform_outcome(plan: Plan, *, applicant_known: bool = False) -> ReformOutcome:
    """The plan's reform outcome (改革成效) with its bundle's recorded baseline;
    ``applicant_known``: the plan used a signed-in applicant's certificates."""
    bundle = catalog_for_bundles([plan.bundle]).bundles.get(plan.bundle)
    baseline = baseline_from_metrics(bundle.metrics) if bundle is not None else None
    return outcomes.reform_outcome(plan, baseline, applicant_known=applicant_known)
