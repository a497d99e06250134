"""The planner: bundle + answers (+ start date) → what the applicant must do.

This is the 审批样板间 in code. Given a bundle (一件事) and the applicant's
answers to its questions (情形), the plan says

* which member matters apply, who decides each and in which dependency stage;
* the merged form: every datum asked once (一表申请), routed to the matters
  that need it;
* the merged material list: every material once, with the matters that need
  it; a material that another matter of the same application issues (the
  business licence for the food-business licence) is not asked for at all;
* a material a matter may accept a case without (容缺受理) is ``deferrable``:
  the applicant may declare it owed and supply it after acceptance;
* a matter decided on a signed commitment (告知承诺) puts its full text in
  ``commitments``: the applicant signs that exact text (its SHA-256);
* a material the applicant already holds as a valid electronic certificate
  (``held``: certificate types) is not uploaded either: it is reused (免提交)
  and listed in ``reused_materials``;
* ``serial_days`` (departments one after another, 串联) and
  ``parallel_days`` (the longest chain of real dependencies, 并联);
* with a start date, each matter's planned start and due date on the
  working-day calendar and the bundle's due date along the critical path.

Pure Python: no Django, no database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace

from onething.domain.calendar import WorkingDayCalendar
from onething.domain.catalog import (
    DEFAULT_MAX_PAGES,
    Bundle,
    Catalog,
    Condition,
    Matter,
    applicable_matters,
    find_cycle_in,
)


class PlanningError(ValueError):
    """Answers that do not fit the bundle; ``problems`` lists every one."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("；".join(problems))


class DependencyCycleError(PlanningError):
    """The bundle's dependencies go round in a circle (a broken catalogue): no order of
    the matters exists. ``cycle`` lists it, the first matter repeated at the end."""

    def __init__(self, slug: str, cycle: list[str]) -> None:
        self.slug = slug
        self.cycle = cycle
        path = " → ".join(cycle)
        super().__init__([f"一件事 {slug} 的事项依赖成环：{path}，无法排定办理顺序 "
                          f"(bundle '{slug}' has a dependency cycle: {path})"])


@dataclass(frozen=True)
class PlannedMatter:
    code: str
    name: str
    kind: str
    department: str
    department_name: str
    promised_days: int  # 0 for instant (即办)
    promised_label: str
    statutory_label: str
    depends_on: tuple[str, ...]
    stage: int
    issues: str | None = None
    start: dt.date | None = None
    due: dt.date | None = None
    critical: bool = False
    # The date depends on a day of a year whose holiday notice is not out (暂定).
    start_provisional: bool = False
    due_provisional: bool = False

    @property
    def instant(self) -> bool:
        return self.promised_days == 0


@dataclass(frozen=True)
class PlannedField:
    key: str
    label: str
    type: str
    required: bool
    used_by: tuple[str, ...]
    choices: tuple[str, ...] = ()
    help: str = ""
    provided_by: str | None = None  # a matter of this plan whose result carries it
    minimum: int | float | None = None  # number fields: inclusive bounds, decimal places
    maximum: int | float | None = None
    decimals: int | None = None
    # The situation answer tied to this number field, which the value must agree with.
    answered: AnsweredRange | None = None


@dataclass(frozen=True)
class AnsweredRange:
    """A situation answer that stands for a range of a number field (情形 vs form)."""

    question: str
    question_text: str
    option: str
    option_label: str
    at_least: int | float | None = None
    below: int | float | None = None

    def admits(self, number: float) -> bool:
        return ((self.at_least is None or number >= self.at_least)
                and (self.below is None or number < self.below))


@dataclass(frozen=True)
class PlannedMaterial:
    key: str
    name: str
    description: str
    needed_by: tuple[str, ...]
    originals: int
    copies: int
    certificate: str | None = None  # an electronic certificate can stand in
    provided_by: str | None = None  # a matter of this plan issues it
    notes: tuple[str, ...] = ()
    reused: bool = False  # the applicant holds the certificate: nothing to upload (免提交)
    # 容缺受理: every matter needing it may accept without it; supplied within this many
    # working days of acceptance (0: not deferrable).
    supply_within: int = 0
    # Most files (pages) the applicant may attach for it (catalogue ``max_pages``).
    max_pages: int = DEFAULT_MAX_PAGES

    @property
    def deferrable(self) -> bool:
        return self.supply_within > 0


@dataclass(frozen=True)
class PlannedCommitment:
    """告知承诺: the text the applicant signs for ``matter`` (see catalog.CommitmentTerms)."""

    matter: str
    matter_name: str
    version: str
    text: str
    sha256: str
    check_within: int  # working days after the decision for the post-check (事后核查)


@dataclass(frozen=True)
class Plan:
    bundle: str
    bundle_name: str
    answers: Mapping[str, str]
    matters: tuple[PlannedMatter, ...]
    stages: tuple[tuple[str, ...], ...]
    fields: tuple[PlannedField, ...]  # what the applicant fills in
    materials: tuple[PlannedMaterial, ...]  # what the applicant provides
    provided_materials: tuple[PlannedMaterial, ...]  # passed on between matters
    material_count_separate: int
    material_count_merged: int
    serial_days: int
    parallel_days: int
    critical_path: tuple[str, ...]
    start: dt.date | None = None
    due: dt.date | None = None
    provisional: bool = False
    departments: tuple[str, ...] = field(default=())
    provided_fields: tuple[PlannedField, ...] = ()  # carried by results inside the plan
    reused_materials: tuple[PlannedMaterial, ...] = ()  # held certificates stand in (免提交)
    # identity verified in person by ID card (kiosk): the 秒批 rule waives these
    waived_materials: tuple[PlannedMaterial, ...] = ()
    commitments: tuple[PlannedCommitment, ...] = ()  # 告知承诺 to sign, in matter order

    def matter(self, code: str) -> PlannedMatter:
        return next(m for m in self.matters if m.code == code)

    @property
    def materials_saved(self) -> int:
        return self.material_count_separate - self.material_count_merged

    @property
    def materials_reused(self) -> int:
        return len(self.reused_materials)


def resolve_answers(bundle: Bundle, answers: Mapping[str, str] | None) -> dict[str, str]:
    """Fill unanswered questions with their default option; reject bad answers."""
    answers = dict(answers or {})
    problems: list[str] = []
    for key, value in answers.items():
        question = bundle.question(key)
        if question is None:
            known = ", ".join(q.key for q in bundle.questions) or "无"
            problems.append(f"“{bundle.name}”没有问题 {key}（可用：{known}） "
                            f"(unknown question '{key}')")
        elif question.option(value) is None:
            options = ", ".join(o.key for o in question.options)
            problems.append(f"问题 {key} 没有选项 {value}（可选：{options}） "
                            f"(unknown option '{value}' for '{key}')")
    if problems:
        raise PlanningError(problems)
    return {q.key: answers.get(q.key, q.default_option) for q in bundle.questions}


def make_plan(
    catalog: Catalog,
    slug: str,
    answers: Mapping[str, str] | None = None,
    *,
    start: dt.date | None = None,
    calendar: WorkingDayCalendar | None = None,
    held: Collection[str] = (),
    verified: bool = False,
) -> Plan:
    """Plan bundle ``slug`` for ``answers``; dates need ``start`` and ``calendar``.

    ``held`` are the certificate types the applicant holds (valid, not revoked):
    a material they stand in for is reused instead of uploaded. ``verified``:
    the applicant's identity was checked in person with their resident ID card
    (the kiosk); materials every needing matter's automatic-decision rule
    waives in that case (the ID card itself, the paper form) are not asked for.
    """
    bundle = catalog.bundles.get(slug)
    if bundle is None:
        raise PlanningError([f"没有名为 {slug} 的一件事 (unknown bundle '{slug}')"])
    resolved = resolve_answers(bundle, answers)
    active_conditions = [c for c in bundle.conditions if c.applies(resolved)]
    codes = applicable_matters(bundle, resolved)
    matters: dict[str, Matter] = {code: catalog.matters[code] for code in codes}

    # Dependencies among the matters that apply.
    depends_on: dict[str, list[str]] = {code: [] for code in codes}
    for dep in bundle.dependencies:
        if dep.matter in matters and dep.requires in matters:
            if dep.requires not in depends_on[dep.matter]:
                depends_on[dep.matter].append(dep.requires)

    # A cycle would recurse without end below; the checker refuses one, but a plan
    # must never depend on every writer having run it.
    cycle = find_cycle_in(depends_on)
    if cycle is not None:
        raise DependencyCycleError(bundle.slug, cycle)

    stage: dict[str, int] = {}
    finish: dict[str, int] = {}  # working days from the start, longest path

    def visit(code: str) -> None:
        if code in stage:
            return
        for prerequisite in depends_on[code]:
            visit(prerequisite)
        prerequisites = depends_on[code]
        stage[code] = 1 + max((stage[p] for p in prerequisites), default=-1)
        own = matters[code].promised_limit.working_days
        finish[code] = own + max((finish[p] for p in prerequisites), default=0)

    for code in codes:
        visit(code)

    serial_days = sum(m.promised_limit.working_days for m in matters.values())
    parallel_days = max(finish.values(), default=0)
    critical_path = _critical_path(codes, depends_on, finish)

    # Dates along the dependency graph.
    # A date is provisional when it was counted over a day of an unpublished
    # year, or counted on from such a date (a prerequisite's provisional due).
    starts: dict[str, dt.date] = {}
    dues: dict[str, dt.date] = {}
    start_guessed: dict[str, bool] = {}
    due_guessed: dict[str, bool] = {}
    provisional = False
    if start is not None:
        calendar = calendar or WorkingDayCalendar()
        for code in sorted(codes, key=lambda c: stage[c]):
            begin = max((dues[p] for p in depends_on[code]), default=start)
            start_guessed[code] = any(due_guessed[p] for p in depends_on[code]
                                      if dues[p] == begin)
            result = calendar.add_working_days(begin, matters[code].promised_limit.working_days)
            starts[code], dues[code] = begin, result.day
            due_guessed[code] = start_guessed[code] or result.provisional
        if dues:
            last = max(dues.values())
            provisional = any(due_guessed[c] for c in codes if dues[c] == last)

    order = {code: i for i, code in enumerate(bundle.matter_codes)}
    ordered = sorted(codes, key=lambda c: (stage[c], order[c]))
    planned = tuple(
        PlannedMatter(
            code=code,
            name=matters[code].name,
            kind=matters[code].kind,
            department=matters[code].department,
            department_name=_department_name(catalog, matters[code].department),
            promised_days=matters[code].promised_limit.working_days,
            promised_label=matters[code].promised_limit.label(),
            statutory_label=matters[code].statutory_limit.label(),
            depends_on=tuple(depends_on[code]),
            stage=stage[code],
            issues=matters[code].issues,
            start=starts.get(code),
            due=dues.get(code),
            critical=code in critical_path,
            start_provisional=start_guessed.get(code, False),
            due_provisional=due_guessed.get(code, False),
        )
        for code in ordered
    )
    stages = tuple(
        tuple(c for c in ordered if stage[c] == s)
        for s in range(max(stage.values(), default=-1) + 1)
    )

    fields, provided_fields = _merge_fields(catalog, bundle, ordered, matters, depends_on,
                                            resolved)
    materials, provided, separate = _merge_materials(
        catalog, ordered, matters, depends_on, active_conditions
    )
    held = frozenset(held)
    reused = tuple(replace(m, reused=True) for m in materials if m.certificate in held)
    materials = tuple(m for m in materials if m.certificate not in held)
    waived: tuple[PlannedMaterial, ...] = ()
    if verified:
        def waivable(m: PlannedMaterial) -> bool:
            rules = [matters[c].auto_decision for c in m.needed_by]
            return all(r is not None and m.key in r.verified_waives for r in rules)

        waived = tuple(m for m in materials if waivable(m))
        materials = tuple(m for m in materials if not waivable(m))
    departments = tuple(dict.fromkeys(m.department for m in planned))
    commitments = tuple(
        PlannedCommitment(matter=code, matter_name=matters[code].name,
                          version=terms.version, text=terms.text, sha256=terms.sha256,
                          check_within=terms.check_within)
        for code in ordered if (terms := matters[code].commitment) is not None)
    return Plan(
        bundle=bundle.slug,
        bundle_name=bundle.name,
        answers=resolved,
        matters=planned,
        stages=stages,
        fields=fields,
        materials=materials,
        provided_materials=provided,
        material_count_separate=separate,
        material_count_merged=len(materials),
        serial_days=serial_days,
        parallel_days=parallel_days,
        critical_path=critical_path,
        start=start,
        due=max(dues.values(), default=None) if start is not None else None,
        provisional=provisional,
        departments=departments,
        provided_fields=provided_fields,
        reused_materials=reused,
        waived_materials=waived,
        commitments=commitments,
    )


def _department_name(catalog: Catalog, code: str) -> str:
    department = catalog.departments.get(code)
    return department.name if department else code


def _critical_path(codes: list[str], depends_on: Mapping[str, list[str]],
                   finish: Mapping[str, int]) -> tuple[str, ...]:
    if not codes:
        return ()
    last = max(codes, key=lambda c: (finish[c], -codes.index(c)))
    path = [last]
    while depends_on[path[-1]]:
        path.append(max(depends_on[path[-1]], key=lambda c: finish[c]))
    return tuple(reversed(path))


def _answered_ranges(bundle: Bundle, answers: Mapping[str, str]) -> dict[str, AnsweredRange]:
    """Number field -> the answered range of the question tied to it."""
    ranges: dict[str, AnsweredRange] = {}
    for question in bundle.questions:
        option = question.option(answers.get(question.key, ""))
        if not question.field or option is None:
            continue
        ranges[question.field] = AnsweredRange(question.key, question.text, option.key,
                                               option.label, option.at_least, option.below)
    return ranges


@dataclass
class _FieldUse:
    """A field of the merged form while it is being merged."""

    used_by: list[str] = field(default_factory=list)
    required: bool = False


@dataclass
class _MaterialUse:
    """A material of the merged list while it is being merged."""

    needed_by: list[str] = field(default_factory=list)
    originals: int = 0
    copies: int = 0
    notes: list[str] = field(default_factory=list)


def _merge_fields(catalog: Catalog, bundle: Bundle, ordered: list[str],
                  matters: Mapping[str, Matter], depends_on: Mapping[str, list[str]],
                  answers: Mapping[str, str] | None = None,
                  ) -> tuple[tuple[PlannedField, ...], tuple[PlannedField, ...]]:
    """(fields the applicant fills in, fields carried by results inside the plan)."""
    answered = _answered_ranges(bundle, answers or {})
    mapping = {(matter, local): target for matter, local, target in bundle.field_map}
    merged: dict[str, _FieldUse] = {}
    for code in ordered:
        for matter_field in matters[code].fields:
            key = mapping.get((code, matter_field.key), matter_field.key)
            entry = merged.setdefault(key, _FieldUse())
            entry.used_by.append(code)
            entry.required = entry.required or matter_field.required
    carriers: dict[str, list[str]] = {}  # field -> matters whose result carries it
    for code in ordered:
        ctype = catalog.certificate_types.get(matters[code].issues or "")
        for key in ctype.originated_keys if ctype else ():
            carriers.setdefault(key, []).append(code)
    asked: list[PlannedField] = []
    carried: list[PlannedField] = []
    for key, entry in merged.items():
        definition = catalog.fields.get(key)
        used_by = tuple(entry.used_by)
        source = _inside_source(carriers.get(key, []), used_by, depends_on)
        planned = PlannedField(
            key=key,
            label=definition.label if definition else key,
            type=definition.type if definition else "text",
            required=entry.required,
            used_by=used_by,
            choices=definition.choices if definition else (),
            help=definition.help if definition else "",
            provided_by=source,
            minimum=definition.minimum if definition else None,
            maximum=definition.maximum if definition else None,
            decimals=definition.decimals if definition else None,
            answered=answered.get(key),
        )
        (carried if source else asked).append(planned)
    return tuple(asked), tuple(carried)


def _merge_materials(catalog: Catalog, ordered: list[str], matters: Mapping[str, Matter],
                     depends_on: Mapping[str, list[str]], active_conditions: Iterable[Condition],
                     ) -> tuple[tuple[PlannedMaterial, ...], tuple[PlannedMaterial, ...], int]:
    """Return (applicant materials, materials passed between matters, separate count)."""
    include = {(r.matter, r.material) for c in active_conditions for r in c.include_materials}
    exclude = {(r.matter, r.material) for c in active_conditions for r in c.exclude_materials}
    issuers: dict[str, list[str]] = {}
    for code in ordered:
        issues = matters[code].issues
        if issues:
            issuers.setdefault(issues, []).append(code)

    merged: dict[str, _MaterialUse] = {}
    separate = 0
    for code in ordered:
        for req in matters[code].materials:
            key = req.material
            if (code, key) in exclude or (None, key) in exclude:
                continue
            if req.optional and (code, key) not in include and (None, key) not in include:
                continue
            separate += 1
            entry = merged.setdefault(key, _MaterialUse())
            entry.needed_by.append(code)
            entry.originals = max(entry.originals, req.originals)
            entry.copies = max(entry.copies, req.copies)
            if req.note:
                entry.notes.append(req.note)

    applicant: list[PlannedMaterial] = []
    passed: list[PlannedMaterial] = []
    for key, entry in merged.items():
        definition = catalog.materials.get(key)
        certificate = definition.certificate if definition else None
        needed_by = tuple(entry.needed_by)
        source = _inside_source(issuers.get(certificate or "", []), needed_by, depends_on)
        from_inside = source is not None
        material = PlannedMaterial(
            key=key,
            name=definition.name if definition else key,
            description=definition.description if definition else "",
            needed_by=needed_by,
            originals=entry.originals,
            copies=entry.copies,
            certificate=certificate,
            provided_by=source if from_inside else None,
            notes=tuple(dict.fromkeys(entry.notes)),
            supply_within=_supply_within(matters, key, needed_by),
            max_pages=definition.max_pages if definition else DEFAULT_MAX_PAGES,
        )
        (passed if from_inside else applicant).append(material)
    return tuple(applicant), tuple(passed), separate


def _supply_within(matters: Mapping[str, Matter], key: str, needed_by: tuple[str, ...]) -> int:
    """容缺受理: working days to supply ``key`` after acceptance, when every matter that
    needs it may accept without it (the shortest of their periods); else 0."""
    rules = [matters[code].accept_pending for code in needed_by]
    if not rules or any(r is None or key not in r.materials for r in rules):
        return 0
    return min(r.within for r in rules if r is not None)


def _inside_source(sources: list[str], needed_by: tuple[str, ...],
                   depends_on: Mapping[str, list[str]]) -> str | None:
    """The matter of this plan whose result provides a material, if every matter
    that needs the material waits for it; None when the applicant provides it.

    A matter that needs a document of the type it issues needs the old one
    (the household register at birth registration), so it is never its own source.
    """
    if not sources or any(code in sources for code in needed_by):
        return None
    for source in sources:
        if all(source in depends_on[code] for code in needed_by):
            return source
    return None


def field_to_dict(f: PlannedField) -> dict[str, object]:
    """A form field as data: choices for a choice field, bounds for a number field."""
    data: dict[str, object] = {"key": f.key, "label": f.label, "type": f.type,
                               "required": f.required, "used_by": list(f.used_by)}
    if f.type == "choice":
        data["choices"] = list(f.choices)
    if f.type == "number":
        data.update({"min": f.minimum, "max": f.maximum, "decimals": f.decimals})
        if f.answered is not None and (f.answered.at_least is not None
                                       or f.answered.below is not None):
            data["answered"] = {"question": f.answered.question, "option": f.answered.option,
                                "at_least": f.answered.at_least, "below": f.answered.below}
    return data


def plan_to_dict(plan: Plan) -> dict[str, object]:
    """The plan as JSON-ready data (the CLI's ``--json`` and, later, the API)."""

    def iso(day: dt.date | None) -> str | None:
        return day.isoformat() if day else None

    def material(m: PlannedMaterial) -> dict[str, object]:
        return {
            "key": m.key, "name": m.name, "needed_by": list(m.needed_by),
            "originals": m.originals, "copies": m.copies, "certificate": m.certificate,
            "provided_by": m.provided_by, "notes": list(m.notes), "max_pages": m.max_pages,
            **({"reused": True} if m.reused else {}),
            **({"deferrable": True, "supply_within": m.supply_within} if m.deferrable else {}),
        }

    data: dict[str, object] = {
        "bundle": plan.bundle,
        "bundle_name": plan.bundle_name,
        "answers": dict(plan.answers),
        "matters": [
            {
                "code": m.code, "name": m.name, "kind": m.kind,
                "department": m.department, "department_name": m.department_name,
                "promised_days": m.promised_days, "instant": m.instant,
                "promised_limit": m.promised_label, "statutory_limit": m.statutory_label,
                "depends_on": list(m.depends_on), "stage": m.stage, "issues": m.issues,
                "critical": m.critical,
                **({"start": iso(m.start), "start_provisional": m.start_provisional,
                    "due": iso(m.due), "due_provisional": m.due_provisional}
                   if plan.start else {}),
            }
            for m in plan.matters
        ],
        "stages": [list(s) for s in plan.stages],
        "fields": [field_to_dict(f) for f in plan.fields],
        "provided_fields": [
            {"key": f.key, "label": f.label, "used_by": list(f.used_by),
             "provided_by": f.provided_by}
            for f in plan.provided_fields
        ],
        "materials": [material(m) for m in plan.materials],
        "provided_materials": [material(m) for m in plan.provided_materials],
        "reused_materials": [material(m) for m in plan.reused_materials],
        "waived_materials": [material(m) for m in plan.waived_materials],
        "material_count_separate": plan.material_count_separate,
        "material_count_merged": plan.material_count_merged,
        "materials_reused": plan.materials_reused,
        "serial_days": plan.serial_days,
        "parallel_days": plan.parallel_days,
        "critical_path": list(plan.critical_path),
        "departments": list(plan.departments),
        "commitments": [
            {"matter": c.matter, "matter_name": c.matter_name, "version": c.version,
             "text": c.text, "sha256": c.sha256, "check_within": c.check_within}
            for c in plan.commitments
        ],
    }
    if plan.start:
        data.update({"start": iso(plan.start), "due": iso(plan.due),
                     "provisional": plan.provisional})
    return data
