"""Writes to the catalogue: loading the reviewed YAML into the database.

``load_catalog`` is idempotent: each entry's content hash is stored with its
row, so loading the same files twice changes nothing and editing one entry
updates exactly that entry (and its child rows). Entries removed from the
files are removed from the database. Everything happens in one transaction:
a catalogue with problems is never half-loaded.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction

from onething.catalog import models
from onething.catalog.signals import calendar_changed
from onething.domain import catalog as spec
from onething.domain.calendar import notice_problems
from onething.domain.holidays import day_names


def mark_catalog_changed() -> None:
    """Tell every process that its cached catalogue specs are stale."""
    token = uuid.uuid4().hex
    if not models.CatalogState.objects.filter(pk=1).update(token=token):
        models.CatalogState.objects.create(pk=1, token=token)


_suspended = threading.local()


@contextlib.contextmanager
def one_change_mark() -> Iterator[None]:
    """Within a bulk load, mark the change once at the end, not per row."""
    depth = getattr(_suspended, "depth", 0)
    _suspended.depth = depth + 1
    try:
        yield
    finally:
        _suspended.depth = depth
    if depth == 0:
        mark_catalog_changed()


def on_catalog_row_changed(**kwargs: object) -> None:
    """post_save / post_delete receiver for every catalogue model (admin edits)."""
    if kwargs.get("raw") or getattr(_suspended, "depth", 0):
        return
    mark_catalog_changed()


def announce_calendar_change(years: Iterable[int]) -> None:
    """Send ``calendar_changed`` for ``years`` once the current transaction commits.

    Receivers (the applications app) recompute open cases' due dates; after
    commit, so they read the new holiday data and nothing is announced for a
    change that was rolled back.
    """
    changed = frozenset(years)
    if changed:
        transaction.on_commit(
            lambda: calendar_changed.send(sender=models.HolidayYear, years=changed))


class CatalogEditRefused(ValueError):
    """An edit (in the admin) that ``catalog check`` refuses; nothing of it was saved.
    ``problems`` lists each as "中文 (English)"."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("；".join(problems))


def stored_bundle_problems(slugs: Iterable[str],
                           matter_codes: Iterable[str] = ()) -> list[str]:
    """What ``catalog check`` finds in the stored bundles ``slugs`` and matters
    ``matter_codes`` (rebuilt from their rows), each as "中文 (English)"."""
    from onething.catalog import selectors

    catalog = selectors.stored_catalog(slugs, matter_codes)
    return [f"目录检查未通过：{_chinese(p.message)} (catalogue check: {p.message})"
            for p in spec.check_specs(catalog)]


#: The Chinese of the checker's messages an admin edit most often meets; others are
#: shown in English beside a Chinese lead ("目录检查未通过").
_CHINESE_HINTS = (
    ("dependency cycle", "事项依赖成环，无法排定办理顺序"),
    ("depends on itself", "事项不能依赖自身"),
    ("a promised limit is given in working days or 'instant'",
     "承诺时限只能按工作日计算或为即办"),
    ("is longer than the statutory", "承诺时限长于法定时限"),
    ("looks like a note for maintainers", "面向群众的文字像是维护说明，请写入“维护说明（内部）”"),
    ("that is not a member of the bundle", "引用了不属于本一件事的事项"),
    ("condition on undefined", "情形条件引用了不存在的问题或选项"),
    ("unknown ", "引用了不存在的目录条目"),
)


def _chinese(message: str) -> str:
    for fragment, chinese in _CHINESE_HINTS:
        if fragment in message:
            return chinese
    return "请按括号内的说明修改"


@contextlib.contextmanager
def checked_catalog_edit(affected: Callable[[], tuple[Iterable[str], Iterable[str]]],
                         ) -> Iterator[None]:
    """Run a catalogue edit so that it is kept only when ``catalog check`` passes.

    The edit runs in a savepoint; ``affected()`` then names the bundles and matters
    it touched (slugs, codes), which are rebuilt from their rows and checked. On any
    problem the savepoint is rolled back and CatalogEditRefused raised: broken data
    (a dependency cycle, a promise in calendar days, a maintainer's note in a public
    text) never reaches the planner.
    """
    with transaction.atomic():
        yield
        slugs, codes = affected()
        problems = stored_bundle_problems(slugs, codes)
        if problems:
            raise CatalogEditRefused(problems)


def bundles_using_matters(codes: Iterable[str]) -> list[str]:
    """Slugs of the bundles (implicit one-matter ones included) with any of ``codes``."""
    return sorted(set(models.Bundle.objects.filter(members__matter__code__in=list(codes))
                      .values_list("slug", flat=True)))


def all_bundle_slugs() -> list[str]:
    return sorted(models.Bundle.objects.values_list("slug", flat=True))


class HolidayNoticeInvalid(ValueError):
    """A holiday notice with problems; ``problems`` lists each ("中文 (English)")."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("；".join(problems))


@dataclass(frozen=True)
class NoticeEntered:
    year: int
    holidays: int
    workdays: int
    replaced: int  # days entered earlier for the year and now replaced


@transaction.atomic
def enter_holiday_notice(year: int, *, source: str, holidays: Iterable[dt.date],
                         workdays: Iterable[dt.date] = (),
                         via: models.EnteredVia = models.EnteredVia.COMMAND) -> NoticeEntered:
    """Enter a year's State Council holiday notice (国务院办公厅关于部分节假日安排的通知).

    Deadlines are counted in working days without the statutory holidays as the
    notice schedules them, make-up working days included (《行政许可法》第八十二条).
    The notice describes the whole year: the year becomes known (no longer
    provisional) and its days replace every day entered for that year before,
    whichever way it was entered. Open cases' due dates are recomputed by the
    ``calendar_changed`` receivers once this commits.
    """
    holidays, workdays = sorted(set(holidays)), sorted(set(workdays))
    problems = notice_problems(year, holidays, workdays)
    source = source.strip()
    if not source:
        problems.insert(0, "请写明依据：通知名称和文号 (source required: the notice's title "
                           "and number)")
    elif len(source) > models.HolidayYear._meta.get_field("source").max_length:
        problems.insert(0, "依据过长，最多300字 (source too long: at most 300 characters)")
    if problems:
        raise HolidayNoticeInvalid(problems)
    with one_change_mark():
        models.HolidayYear.objects.update_or_create(
            year=year, defaults={"source": source, "entered_via": via})
        replaced, _ = models.CalendarDay.objects.filter(date__year=year).delete()
        names = day_names(year, holidays, workdays)
        models.CalendarDay.objects.bulk_create(
            models.CalendarDay(date=day, is_working_day=working, entered_via=via,
                               name=names.get(day) or source[:100])
            for working, days in ((False, holidays), (True, workdays)) for day in days)
    announce_calendar_change({year})
    return NoticeEntered(year, len(holidays), len(workdays), replaced)


@transaction.atomic
def remove_holiday_notice(year: int) -> int:
    """Withdraw a year's entered notice and its days; the year becomes provisional
    again (or falls back to the package). Returns the number of days removed."""
    with one_change_mark():
        models.HolidayYear.objects.filter(year=year).delete()
        removed, _ = models.CalendarDay.objects.filter(date__year=year).delete()
    announce_calendar_change({year})
    return removed


class CatalogInvalid(Exception):
    def __init__(self, problems: list[spec.Problem]) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in the catalogue")


@dataclass
class LoadReport:
    counts: dict[str, Counter] = field(default_factory=dict)

    def add(self, kind: str, outcome: str, n: int = 1) -> None:
        self.counts.setdefault(kind, Counter())[outcome] += n

    @property
    def changed(self) -> int:
        return sum(c["created"] + c["updated"] + c["deleted"] for c in self.counts.values())

    def lines(self) -> list[str]:
        out = []
        for kind, counter in self.counts.items():
            out.append(f"{kind}: {counter['created']} created, {counter['updated']} updated, "
                       f"{counter['deleted']} deleted, {counter['unchanged']} unchanged")
        return out


def spec_hash(item: Any) -> str:
    """Content hash of a spec, ignoring where in the files it was written."""
    data = dataclasses.asdict(item)
    data.pop("origin", None)
    text = json.dumps(data, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _sync(
    report: LoadReport,
    kind: str,
    model: type[models.models.Model],
    key_field: str,
    items: Iterable[Any],
    key_of: Callable[[Any], Any],
    write: Callable[[Any, models.models.Model | None], None],
    rows: Any = None,
) -> list[Any]:
    """Create or update changed rows; return keys of rows to delete afterwards.

    ``rows``: the rows this kind owns (default: all of ``model``)."""
    rows = model.objects.all() if rows is None else rows
    existing = {getattr(row, key_field): row for row in rows}
    wanted = set()
    for item in items:
        key = key_of(item)
        wanted.add(key)
        row = existing.get(key)
        if row is not None and row.spec_hash == spec_hash(item):
            report.add(kind, "unchanged")
            continue
        write(item, row)
        report.add(kind, "created" if row is None else "updated")
    return [key for key in existing if key not in wanted]


def _origin_file(item: Any) -> str:
    return item.origin.file


@transaction.atomic
def load_catalog(path: Path | str, *, force: bool = False) -> LoadReport:
    """Check the YAML catalogue at ``path`` and bring the database in line with it.

    ``force`` rewrites every entry, also undoing edits made in the admin.
    """
    result = spec.read_catalog(path)
    if result.problems:
        raise CatalogInvalid(result.problems)
    with one_change_mark():
        return _load(result.catalog, force=force)


def _load(catalog: spec.Catalog, *, force: bool) -> LoadReport:
    if force:
        for model in (models.Region, models.Department, models.CertificateType,
                      models.Material, models.FieldDefinition, models.Matter, models.Bundle,
                      models.Scenario, models.HolidayYear, models.KnownPeak):
            model.objects.update(spec_hash="")
    report = LoadReport()
    doomed: list[tuple[type, str, list[Any]]] = []

    # Regions: parents first.
    def write_region(item: spec.Region, row: models.Region | None) -> None:
        models.Region.objects.update_or_create(
            code=item.code,
            defaults={"name": item.name, "parent_id": item.parent, "en": dict(item.en),
                      "source_file": _origin_file(item), "spec_hash": spec_hash(item)},
        )

    regions = sorted(catalog.regions.values(), key=lambda r: (r.parent is not None, r.code))
    regions = _parents_first(regions)
    doomed.append((models.Region, "code", _sync(report, "regions", models.Region, "code",
                                                regions, lambda r: r.code, write_region)))

    def write_department(item: spec.Department, row: Any) -> None:
        models.Department.objects.update_or_create(
            code=item.code,
            defaults={"name": item.name, "short_name": item.short_name, "kind": item.kind,
                      "en": dict(item.en),
                      "region_id": item.region, "source_file": _origin_file(item),
                      "spec_hash": spec_hash(item)},
        )

    doomed.append((models.Department, "code", _sync(
        report, "departments", models.Department, "code", catalog.departments.values(),
        lambda d: d.code, write_department)))

    def write_certificate_type(item: spec.CertificateType, row: Any) -> None:
        models.CertificateType.objects.update_or_create(
            key=item.key,
            defaults={"name": item.name, "issuer_note": item.issuer_note, "en": dict(item.en),
                      "fields": [{"key": f.key, "label": f.label, "source": f.source}
                                 for f in item.labelled_fields(catalog.fields)],
                      "holder_kind": item.holder, "layout": item.layout,
                      "validity": {"kind": item.validity.kind, "years": item.validity.years,
                                   "months": item.validity.months,
                                   "days": item.validity.days},
                      "source_file": _origin_file(item), "spec_hash": spec_hash(item)},
        )

    doomed.append((models.CertificateType, "key", _sync(
        report, "certificate_types", models.CertificateType, "key",
        catalog.certificate_types.values(), lambda c: c.key, write_certificate_type)))

    cert_ids = dict(models.CertificateType.objects.values_list("key", "id"))

    def write_material(item: spec.Material, row: Any) -> None:
        models.Material.objects.update_or_create(
            key=item.key,
            defaults={"name": item.name, "description": item.description, "en": dict(item.en),
                      "certificate_id": cert_ids.get(item.certificate),
                      "max_pages": item.max_pages,
                      "source_file": _origin_file(item), "spec_hash": spec_hash(item)},
        )

    doomed.append((models.Material, "key", _sync(
        report, "materials", models.Material, "key", catalog.materials.values(),
        lambda m: m.key, write_material)))

    def write_field(item: spec.FieldDef, row: Any) -> None:
        models.FieldDefinition.objects.update_or_create(
            key=item.key,
            defaults={"label": item.label, "type": item.type, "choices": list(item.choices),
                      "help": item.help, "bounds": spec.field_bounds(item), "en": dict(item.en),
                      "source_file": _origin_file(item),
                      "spec_hash": spec_hash(item)},
        )

    doomed.append((models.FieldDefinition, "key", _sync(
        report, "fields", models.FieldDefinition, "key", catalog.fields.values(),
        lambda f: f.key, write_field)))

    department_ids = dict(models.Department.objects.values_list("code", "id"))
    material_ids = dict(models.Material.objects.values_list("key", "id"))
    field_ids = dict(models.FieldDefinition.objects.values_list("key", "id"))

    def write_matter(item: spec.Matter, row: Any) -> None:
        matter, _ = models.Matter.objects.update_or_create(
            code=item.code,
            defaults={
                "name": item.name, "kind": item.kind, "en": dict(item.en),
                "department_id": department_ids[item.department],
                "statutory_unit": item.statutory_limit.unit,
                "statutory_days": item.statutory_limit.days,
                "promised_unit": item.promised_limit.unit,
                "promised_days": item.promised_limit.days,
                "issues_id": cert_ids.get(item.issues),
                "cross_region": item.cross_region, "online_depth": item.online_depth,
                "legal_basis": item.legal_basis, "description": item.description,
                "maintainer_note": item.maintainer_note, "sources": list(item.sources),
                "auto_decision": ({"checks": list(item.auto_decision.checks),
                                   "verified_waives": list(item.auto_decision.verified_waives),
                                   "note": item.auto_decision.note,
                                   "assurance": item.auto_decision.assurance}
                                  if item.auto_decision else {}),
                "acceptance_limit": item.acceptance_limit,
                "extension_max_days": item.extension.max_days,
                "extension_approval": item.extension.approval,
                "extension_reason_required": item.extension.reason_required,
                "extension_basis": item.extension.legal_basis,
                "accept_pending": spec.accept_pending_data(item.accept_pending),
                "commitment": spec.commitment_data(item.commitment),
                "source_file": _origin_file(item), "spec_hash": spec_hash(item),
            },
        )
        matter.material_requirements.all().delete()
        models.MatterMaterial.objects.bulk_create(
            models.MatterMaterial(matter=matter, material_id=material_ids[r.material],
                                  originals=r.originals, copies=r.copies,
                                  optional=r.optional, note=r.note, en=dict(r.en),
                                  position=i)
            for i, r in enumerate(item.materials)
        )
        matter.matter_fields.all().delete()
        models.MatterField.objects.bulk_create(
            models.MatterField(matter=matter, field_id=field_ids[f.key], required=f.required,
                               position=i)
            for i, f in enumerate(item.fields)
        )

    doomed.append((models.Matter, "code", _sync(
        report, "matters", models.Matter, "code", catalog.matters.values(),
        lambda m: m.code, write_matter)))

    matter_ids = dict(models.Matter.objects.values_list("code", "id"))
    bundle_order = {slug: i for i, slug in enumerate(_bundle_order(catalog))}
    # 单独申请: one implicit bundle per matter that can be applied for alone, after the
    # files' bundles; loaded, updated and removed with its matter like any bundle.
    singles = spec.single_matter_bundles(catalog)
    bundle_order.update({b.slug: len(bundle_order) + i for i, b in enumerate(singles)})

    def write_bundle(item: spec.Bundle, row: Any) -> None:
        bundle, _ = models.Bundle.objects.update_or_create(
            slug=item.slug,
            defaults={
                "name": item.name, "category": item.category, "description": item.description,
                "en": dict(item.en),
                "lead_department_id": department_ids.get(item.lead_department),
                "lifecycle_stage": item.lifecycle_stage, "batch": item.batch,
                "status": item.status, "maintainer_note": item.maintainer_note,
                "synonyms": list(item.synonyms), "metrics": dict(item.metrics),
                "sources": list(item.sources), "position": bundle_order[item.slug],
                "source_file": _origin_file(item), "spec_hash": spec_hash(item),
                "single_matter_id": matter_ids.get(item.single_matter or ""),
            },
        )
        for child in (bundle.members, bundle.questions, bundle.conditions,
                      bundle.dependencies, bundle.field_mappings):
            child.all().delete()
        models.BundleMember.objects.bulk_create(
            models.BundleMember(bundle=bundle, matter_id=matter_ids[m.matter],
                                optional=m.optional, position=i)
            for i, m in enumerate(item.members)
        )
        for i, q in enumerate(item.questions):
            question = models.Question.objects.create(bundle=bundle, key=q.key, text=q.text,
                                                      help=q.help, field=q.field, position=i,
                                                      en=dict(q.en))
            models.Option.objects.bulk_create(
                models.Option(question=question, key=o.key, label=o.label,
                              is_default=o.default, range=spec.option_range(o), position=j,
                              en=dict(o.en))
                for j, o in enumerate(q.options)
            )
        models.BundleCondition.objects.bulk_create(
            models.BundleCondition(
                bundle=bundle, position=i,
                when={q: list(options) for q, options in c.when},
                include_matters=list(c.include_matters),
                exclude_matters=list(c.exclude_matters),
                include_materials=[_ref(r) for r in c.include_materials],
                exclude_materials=[_ref(r) for r in c.exclude_materials],
                note=c.note,
            )
            for i, c in enumerate(item.conditions)
        )
        models.BundleDependency.objects.bulk_create(
            models.BundleDependency(bundle=bundle, matter_id=matter_ids[d.matter],
                                    requires_id=matter_ids[d.requires], receives=d.receives)
            for d in item.dependencies
        )
        models.FieldMapping.objects.bulk_create(
            models.FieldMapping(bundle=bundle, matter_id=matter_ids[m], matter_field=local,
                                form_field_id=field_ids[target])
            for m, local, target in item.field_map
        )

    doomed.append((models.Bundle, "slug", _sync(
        report, "bundles", models.Bundle, "slug", catalog.bundles.values(),
        lambda b: b.slug, write_bundle,
        rows=models.Bundle.objects.filter(single_matter__isnull=True))))
    doomed.append((models.Bundle, "slug", _sync(
        report, "single_matter_bundles", models.Bundle, "slug", singles,
        lambda b: b.slug, write_bundle,
        rows=models.Bundle.objects.filter(single_matter__isnull=False))))

    bundle_ids = dict(models.Bundle.objects.values_list("slug", "id"))

    def write_scenario(item: spec.Scenario, row: Any) -> None:
        models.Scenario.objects.update_or_create(
            slug=item.slug,
            defaults={"title": item.title, "bundle_id": bundle_ids[item.bundle],
                      "en": dict(item.en),
                      "answers": dict(item.answers), "description": item.description,
                      "synonyms": list(item.synonyms), "source_file": _origin_file(item),
                      "spec_hash": spec_hash(item)},
        )

    doomed.append((models.Scenario, "slug", _sync(
        report, "scenarios", models.Scenario, "slug", catalog.scenarios.values(),
        lambda s: s.slug, write_scenario)))

    changed_years: set[int] = set()

    def write_year(item: spec.CalendarYear, row: Any) -> None:
        models.HolidayYear.objects.update_or_create(
            year=item.year,
            defaults={"source": item.source, "source_file": _origin_file(item),
                      "spec_hash": spec_hash(item), "entered_via": models.EnteredVia.CATALOG},
        )
        models.CalendarDay.objects.filter(
            date__year=item.year, entered_via=models.EnteredVia.CATALOG).delete()
        names = day_names(item.year, item.holidays, item.workdays)
        days = [(d, False) for d in item.holidays] + [(d, True) for d in item.workdays]
        for day, working in days:
            models.CalendarDay.objects.update_or_create(
                date=day, defaults={"is_working_day": working,
                                    "entered_via": models.EnteredVia.CATALOG,
                                    "name": names.get(day) or item.source[:100]})
        changed_years.add(item.year)

    # A year entered in the admin or with `onething holidays add` is not the
    # files' to remove.
    entered_elsewhere = set(models.HolidayYear.objects.exclude(
        entered_via=models.EnteredVia.CATALOG).values_list("year", flat=True))
    doomed.append((models.HolidayYear, "year", [
        year for year in _sync(report, "calendar_years", models.HolidayYear, "year",
                               catalog.calendar.values(), lambda y: y.year, write_year)
        if year not in entered_elsewhere]))

    def write_peak(item: spec.KnownPeak, row: Any) -> None:
        models.KnownPeak.objects.update_or_create(
            key=item.key,
            defaults={"name": item.name, "factor": Decimal(str(item.factor)),
                      "months": list(item.months), "categories": list(item.categories),
                      "departments": list(item.departments), "en": dict(item.en),
                      "source_file": _origin_file(item), "spec_hash": spec_hash(item)},
        )

    doomed.append((models.KnownPeak, "key", _sync(
        report, "peaks", models.KnownPeak, "key", catalog.peaks.values(), lambda p: p.key,
        write_peak)))

    # Delete what the files no longer define, dependants first.
    for model, key_field, keys in reversed(doomed):
        if keys:
            if model is models.HolidayYear:
                models.CalendarDay.objects.filter(
                    date__year__in=keys, entered_via=models.EnteredVia.CATALOG).delete()
                changed_years.update(keys)
            model.objects.filter(**{f"{key_field}__in": keys}).delete()
            report.add(model._meta.verbose_name_plural and _kind_name(model), "deleted",
                       len(keys))
    announce_calendar_change(changed_years)
    return report


_KIND_NAMES = {
    models.Region: "regions", models.Department: "departments",
    models.CertificateType: "certificate_types", models.Material: "materials",
    models.FieldDefinition: "fields", models.Matter: "matters", models.Bundle: "bundles",
    models.Scenario: "scenarios", models.HolidayYear: "calendar_years",
    models.KnownPeak: "peaks",
}


def _kind_name(model: type) -> str:
    return _KIND_NAMES[model]


def _ref(ref: spec.MaterialRef) -> dict[str, str | None]:
    return {"material": ref.material, "matter": ref.matter}


def _parents_first(regions: list[spec.Region]) -> list[spec.Region]:
    by_code = {r.code: r for r in regions}
    ordered: list[spec.Region] = []
    seen: set[str] = set()

    def visit(region: spec.Region) -> None:
        if region.code in seen:
            return
        seen.add(region.code)
        if region.parent in by_code:
            visit(by_code[region.parent])
        ordered.append(region)

    for region in regions:
        visit(region)
    return ordered


# The 13 national first-batch bundles first, in the order of the national list.
NATIONAL_ORDER = (
    "enterprise-change", "transport-company", "restaurant", "bankruptcy-check",
    "deregistration", "credit-repair", "newborn", "school-enrollment",
    "social-security-card", "utilities-connection", "disability-services", "retirement",
    "after-death",
)


def _bundle_order(catalog: spec.Catalog) -> list[str]:
    def key(slug: str) -> tuple[int, int, str]:
        bundle = catalog.bundles[slug]
        national = NATIONAL_ORDER.index(slug) if slug in NATIONAL_ORDER else len(NATIONAL_ORDER)
        return (0 if bundle.category == "personal" else 1, national, slug)

    return sorted(catalog.bundles, key=key)
