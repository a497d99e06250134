"""Reform outcomes (改革成效) of one plan, computed from the plan, not typed.

For the bundle and scenario pages and the API plan:

* materials
  - ``separate``: the materials every matter asks for, summed as if each were
    applied for on its own (one licence counted once per matter needing it);
  - ``merged``: each material once in the bundle (de-duplicated);
  - ``after_reuse``: what is left to hand in once certificates stand in: those a
    matter of the same plan issues (the business licence for the food business
    licence), and those the applicant holds (``basis="held"``: the signed-in
    applicant's valid certificates) or, when the applicant is not known, every
    material the catalogue lets an electronic certificate replace
    (``basis="catalogue"``: the most that can be reused);
* working days
  - ``serial``: the promised limits summed in dependency order, as if each matter
    were applied for only after the one before it was done;
  - ``parallel``: the critical path, the longest chain of real dependencies;
* the recorded pre-reform ``baseline`` (see :mod:`onething.domain.baseline`).

Pure Python: no Django, no database.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from onething.domain.baseline import Baseline, baseline_to_dict
from onething.domain.planner import Plan, PlannedMatter

ReuseBasis = Literal["held", "catalogue"]


class DependencyCycle(ValueError):
    """The matters' dependencies go round in a circle: no order exists."""


@dataclass(frozen=True)
class ReformOutcome:
    materials_separate: int
    materials_merged: int
    materials_after_reuse: int
    materials_issued_in_plan: int  # certificates a matter of the plan issues
    materials_reusable: int  # held (basis held) or replaceable (basis catalogue)
    reuse_basis: ReuseBasis
    working_days_serial: int
    working_days_parallel: int
    baseline: Baseline | None = None

    @property
    def materials_saved(self) -> int:
        return self.materials_separate - self.materials_after_reuse

    @property
    def working_days_saved(self) -> int:
        return self.working_days_serial - self.working_days_parallel


def dependency_order(matters: Sequence[PlannedMatter]) -> list[PlannedMatter]:
    """The matters so that each comes after everything it depends on (stable: the
    given order where dependencies allow). A dependency outside ``matters`` is
    ignored; a cycle raises :class:`DependencyCycle`."""
    by_code = {m.code: m for m in matters}
    placed: dict[str, PlannedMatter] = {}
    visiting: set[str] = set()

    def visit(matter: PlannedMatter) -> None:
        if matter.code in placed:
            return
        if matter.code in visiting:
            raise DependencyCycle(
                f"依赖关系成环：{matter.code} (dependency cycle at '{matter.code}')"
            )
        visiting.add(matter.code)
        for code in matter.depends_on:
            if code in by_code:
                visit(by_code[code])
        visiting.discard(matter.code)
        placed[matter.code] = matter

    for matter in matters:
        visit(matter)
    return list(placed.values())


def serial_working_days(matters: Sequence[PlannedMatter]) -> int:
    """The promised working days one after another, in dependency order (串联)."""
    return sum(m.promised_days for m in dependency_order(matters))


def parallel_working_days(matters: Sequence[PlannedMatter]) -> int:
    """The working days of the critical path: each matter starts when the last of
    its prerequisites is done, matters without one start together (并联)."""
    finish: dict[str, int] = {}
    for matter in dependency_order(matters):
        begin = max((finish[c] for c in matter.depends_on if c in finish), default=0)
        finish[matter.code] = begin + matter.promised_days
    return max(finish.values(), default=0)


def reform_outcome(
    plan: Plan, baseline: Baseline | None = None, *, applicant_known: bool = False
) -> ReformOutcome:
    """The outcome of ``plan``; ``applicant_known``: the plan was made for a
    signed-in applicant with the certificates they hold (``plan.reused_materials``)."""
    applicant = (*plan.materials, *plan.waived_materials)
    merged = len(applicant) + len(plan.reused_materials) + len(plan.provided_materials)
    issued = len(plan.provided_materials)
    if applicant_known:
        reusable = len(plan.reused_materials)
        basis: ReuseBasis = "held"
    else:
        reusable = len(plan.reused_materials) + sum(
            1 for m in applicant if m.certificate is not None
        )
        basis = "catalogue"
    return ReformOutcome(
        materials_separate=plan.material_count_separate,
        materials_merged=merged,
        materials_after_reuse=merged - issued - reusable,
        materials_issued_in_plan=issued,
        materials_reusable=reusable,
        reuse_basis=basis,
        working_days_serial=serial_working_days(plan.matters),
        working_days_parallel=parallel_working_days(plan.matters),
        baseline=baseline,
    )


def outcome_to_dict(outcome: ReformOutcome) -> dict[str, object]:
    """The outcome as JSON-ready data (the API plan's ``outcome``)."""
    materials: Mapping[str, object] = {
        "separate": outcome.materials_separate,
        "merged": outcome.materials_merged,
        "after_reuse": outcome.materials_after_reuse,
        "issued_in_plan": outcome.materials_issued_in_plan,
        "reusable": outcome.materials_reusable,
        "reuse_basis": outcome.reuse_basis,
    }
    return {
        "materials": dict(materials),
        "working_days": {
            "serial": outcome.working_days_serial,
            "parallel": outcome.working_days_parallel,
        },
        "baseline": baseline_to_dict(outcome.baseline) if outcome.baseline else None,
    }
