"""Reform outcomes (改革成效) computed from the plan, and the recorded baseline."""

import shutil
from pathlib import Path

import pytest

from onething.domain.baseline import (
    Baseline,
    baseline_from_metrics,
    baseline_problems,
    baseline_to_dict,
)
from onething.domain.catalog import read_catalog
from onething.domain.outcomes import (
    DependencyCycle,
    dependency_order,
    outcome_to_dict,
    parallel_working_days,
    reform_outcome,
    serial_working_days,
)
from onething.domain.planner import Plan, PlannedMaterial, PlannedMatter, make_plan

MINIMAL = Path(__file__).resolve().parent.parent / "fixtures" / "minimal"


def matter(code, days, *after):
    return PlannedMatter(
        code=code,
        name=code,
        kind="licence",
        department="d",
        department_name="d",
        promised_days=days,
        promised_label="",
        statutory_label="",
        depends_on=tuple(after),
        stage=0,
    )


def material(key, certificate=None):
    return PlannedMaterial(
        key=key,
        name=key,
        description="",
        needed_by=("a",),
        originals=1,
        copies=0,
        certificate=certificate,
    )


def plan(matters=(), materials=(), provided=(), reused=(), waived=(), separate=0):
    return Plan(
        bundle="b",
        bundle_name="b",
        answers={},
        matters=tuple(matters),
        stages=(),
        fields=(),
        materials=tuple(materials),
        provided_materials=tuple(provided),
        material_count_separate=separate,
        material_count_merged=len(materials),
        serial_days=0,
        parallel_days=0,
        critical_path=(),
        reused_materials=tuple(reused),
        waived_materials=tuple(waived),
    )


# A(3) → B(5) → D(4); C(2) → D; E(0, instant) alone.
CHAIN = [
    matter("d", 4, "b", "c"),
    matter("b", 5, "a"),
    matter("a", 3),
    matter("c", 2),
    matter("e", 0),
]


def test_dependency_order_puts_prerequisites_first_and_keeps_the_given_order_otherwise():
    assert [m.code for m in dependency_order(CHAIN)] == ["a", "b", "c", "d", "e"]


def test_serial_is_the_sum_and_parallel_the_longest_chain():
    assert serial_working_days(CHAIN) == 14
    assert parallel_working_days(CHAIN) == 12  # a 3 + b 5 + d 4


def test_independent_matters_in_parallel_take_the_longest_one():
    assert parallel_working_days([matter("x", 7), matter("y", 9), matter("z", 1)]) == 9
    assert serial_working_days([matter("x", 7), matter("y", 9), matter("z", 1)]) == 17


def test_no_matters_take_no_days():
    assert serial_working_days([]) == 0
    assert parallel_working_days([]) == 0


def test_a_dependency_outside_the_plan_is_ignored():
    assert parallel_working_days([matter("x", 2, "gone"), matter("y", 3, "x")]) == 5


def test_a_dependency_cycle_is_refused_not_recursed_forever():
    with pytest.raises(DependencyCycle, match="dependency cycle at 'p'"):
        parallel_working_days([matter("p", 1, "q"), matter("q", 1, "p")])


def test_outcome_for_an_unknown_applicant_counts_what_the_catalogue_lets_certificates_replace():
    result = reform_outcome(
        plan(
            CHAIN,
            materials=[
                material("id-card", "resident-id"),
                material("lease"),
                material("licence", "business-licence"),
            ],
            provided=[material("registration", "registration")],
            waived=[material("form")],
            separate=9,
        )
    )
    assert (
        result.materials_separate,
        result.materials_merged,
        result.materials_issued_in_plan,
        result.materials_reusable,
        result.materials_after_reuse,
        result.reuse_basis,
    ) == (9, 5, 1, 2, 2, "catalogue")
    assert (result.working_days_serial, result.working_days_parallel) == (14, 12)
    assert (result.materials_saved, result.working_days_saved) == (7, 2)
    assert result.baseline is None


def test_outcome_for_a_signed_in_applicant_counts_the_certificates_they_hold():
    result = reform_outcome(
        plan(
            CHAIN,
            materials=[material("id-card", "resident-id"), material("lease")],
            reused=[material("licence", "business-licence")],
            provided=[material("registration", "registration")],
            separate=6,
        ),
        applicant_known=True,
    )
    # merged: 2 to hand in + 1 reused + 1 issued inside; after: only the 2 left.
    assert (
        result.materials_merged,
        result.materials_issued_in_plan,
        result.materials_reusable,
        result.materials_after_reuse,
        result.reuse_basis,
    ) == (4, 1, 1, 2, "held")


SICHUAN = {
    "baseline": {
        "materials": 35,
        "working_days": 48,
        "published_by": "四川省",
        "year": 2024,
        "source": "reference §2.1",
        "uncertain": "年份待核实",
        "en": {"published_by": "Sichuan Province"},
    }
}


def test_outcome_to_dict_carries_the_figures_and_the_baseline_without_the_note():
    baseline = baseline_from_metrics(SICHUAN)
    result = reform_outcome(plan([matter("a", 3)], materials=[material("x")], separate=2), baseline)
    assert outcome_to_dict(result) == {
        "materials": {
            "separate": 2,
            "merged": 1,
            "after_reuse": 1,
            "issued_in_plan": 0,
            "reusable": 0,
            "reuse_basis": "catalogue",
        },
        "working_days": {"serial": 3, "parallel": 3},
        "baseline": {
            "materials": 35,
            "working_days": 48,
            "calendar_days": None,
            "published_by": "四川省",
            "published_by_en": "Sichuan Province",
            "year": 2024,
            "uncertain": True,
        },
    }


def test_baseline_is_read_from_the_metrics():
    assert baseline_from_metrics(SICHUAN) == Baseline(
        published_by="四川省",
        year=2024,
        source="reference §2.1",
        materials=35,
        working_days=48,
        calendar_days=None,
        uncertain="年份待核实",
        en={"published_by": "Sichuan Province"},
    )
    assert baseline_from_metrics({}) is None
    assert baseline_from_metrics({"note": "x", "before": {"days": 6}}) is None
    national = baseline_from_metrics(
        {"baseline": {"calendar_days": 22.9, "published_by": "全国", "year": 2017, "source": "s"}}
    )
    assert national is not None
    assert (national.calendar_days, national.materials, national.is_uncertain) == (
        22.9,
        None,
        False,
    )
    assert baseline_to_dict(national)["published_by_en"] == ""


@pytest.mark.parametrize(
    ("baseline", "problems"),
    [
        ({"materials": 35, "published_by": "四川省", "year": 2024, "source": "s"}, []),
        ("35 份", ["metrics.baseline must be a mapping"]),
        (
            {"materials": 35, "year": 2024, "source": "s"},
            [
                "metrics.baseline: 'published_by' is required (the figure's source and year are "
                "shown with it)"
            ],
        ),
        (
            {"materials": 35, "published_by": "四川省", "source": "s"},
            [
                "metrics.baseline: 'year' is required (the figure's source and year are "
                "shown with it)"
            ],
        ),
        (
            {"materials": 35, "published_by": "四川省", "year": 2024},
            [
                "metrics.baseline: 'source' is required (the figure's source and year are "
                "shown with it)"
            ],
        ),
        (
            {"published_by": "四川省", "year": 2024, "source": "s"},
            ["metrics.baseline needs at least one of materials, working_days, calendar_days"],
        ),
        (
            {"materials": 35, "published_by": "四川省", "year": 24, "source": "s"},
            ["metrics.baseline.year must be a year from 1990 to 2100, not 24"],
        ),
        (
            {
                "materials": 35.5,
                "working_days": 0,
                "published_by": "四川省",
                "year": 2024,
                "source": "s",
            },
            [
                "metrics.baseline.materials must be a whole number from 1 to 1000, not 35.5",
                "metrics.baseline.working_days must be a whole number from 1 to 1000, not 0",
            ],
        ),
        (
            {"calendar_days": "22.9", "published_by": "全国", "year": 2017, "source": "s"},
            [
                "metrics.baseline.calendar_days must be a number above 0 and at most 1000, "
                "not '22.9'"
            ],
        ),
        (
            {"materials": True, "published_by": "四川省", "year": 2024, "source": "s"},
            ["metrics.baseline.materials must be a whole number from 1 to 1000, not True"],
        ),
        (
            {"materials": 35, "published_by": "四川省", "year": 2024, "source": "s", "days": 48},
            [
                "metrics.baseline: unknown key 'days' (allowed: materials, working_days, "
                "calendar_days, published_by, year, source, uncertain, en)"
            ],
        ),
        (
            {
                "materials": 35,
                "published_by": "四川省",
                "year": 2024,
                "source": "s",
                "en": {"source": "x", "published_by": ""},
            },
            [
                "metrics.baseline.en: no text 'source' to translate (allowed: published_by)",
                "metrics.baseline.en.published_by must be text",
            ],
        ),
    ],
)
def test_baseline_problems(baseline, problems):
    assert baseline_problems({"baseline": baseline}) == problems


def test_catalog_check_reports_a_bad_baseline_at_the_bundle_metrics(tmp_path):
    target = tmp_path / "catalog"
    shutil.copytree(MINIMAL, target)
    path = target / "catalog.yaml"
    text = path.read_text(encoding="utf-8")
    old = "    matters: [register, {matter: fire-check, optional: true}]\n"
    assert old in text
    path.write_text(
        text.replace(
            old, old + "    metrics:\n      baseline: {materials: 35, year: 2024, source: s}\n", 1
        ),
        encoding="utf-8",
    )
    line = path.read_text(encoding="utf-8").splitlines().index("    metrics:") + 1
    assert [str(p) for p in read_catalog(target).problems] == [
        f"catalog/catalog.yaml:{line}: bundle 'shop': metrics.baseline: 'published_by' is "
        "required (the "
        "figure's source and year are shown with it)"
    ]


def test_shipped_baselines_are_those_of_the_reference(shipped):
    bundles = shipped.catalog.bundles
    restaurant = baseline_from_metrics(bundles["restaurant"].metrics)
    assert restaurant is not None
    assert (
        restaurant.materials,
        restaurant.working_days,
        restaurant.published_by,
        restaurant.year,
        restaurant.is_uncertain,
    ) == (35, 48, "四川省", 2024, True)
    opening = baseline_from_metrics(bundles["enterprise-opening"].metrics)
    assert opening is not None
    assert (opening.calendar_days, opening.published_by, opening.year, opening.is_uncertain) == (
        22.9,
        "全国",
        2017,
        True,
    )
    change = baseline_from_metrics(bundles["enterprise-change"].metrics)
    assert change is not None
    assert (change.working_days, change.materials, change.published_by) == (6, None, "上海市")
    with_baseline = sorted(s for s, b in bundles.items() if "baseline" in b.metrics)
    assert with_baseline == ["enterprise-change", "enterprise-opening", "restaurant"]


def test_restaurant_outcome_from_the_shipped_catalogue(shipped):
    """The common case: registration (3 materials + articles of association), health
    certificates (3), food licence (5), fire commitment (3), signboard (3) = 18 asked one by
    one; 14 different ones; the business licence comes from the registration and the ID card
    can be an electronic certificate: 12 left. Days: 1 + 5 + 5 + 0 + 3 = 14 one after
    another; registration 1 then the food licence 5 = 6 on the critical path."""
    result = reform_outcome(
        make_plan(shipped.catalog, "restaurant"),
        baseline_from_metrics(shipped.catalog.bundles["restaurant"].metrics),
    )
    data = outcome_to_dict(result)
    assert data["materials"] == {
        "separate": 18,
        "merged": 14,
        "after_reuse": 12,
        "issued_in_plan": 1,
        "reusable": 1,
        "reuse_basis": "catalogue",
    }
    assert data["working_days"] == {"serial": 14, "parallel": 6}
    assert data["baseline"] == {
        "materials": 35,
        "working_days": 48,
        "calendar_days": None,
        "published_by": "四川省",
        "published_by_en": "Sichuan Province",
        "year": 2024,
        "uncertain": True,
    }


def test_a_baseline_that_fails_the_check_is_not_shown():
    """The admin may store metrics that skipped catalog check: no baseline, no crash."""
    assert baseline_from_metrics({"baseline": {"materials": "35", "year": 2024}}) is None
    assert baseline_from_metrics({"baseline": ["35"]}) is None


def test_describe_baseline_reads_like_the_page():
    from onething.domain.baseline import describe_baseline

    sichuan = baseline_from_metrics(SICHUAN)
    assert sichuan is not None
    assert describe_baseline(sichuan) == (
        "改革前：材料35份、48个工作日（四川省，2024，尚未经官方确认）"
    )
    national = Baseline(published_by="全国", year=2017, source="s", calendar_days=22.9)
    assert describe_baseline(national) == "改革前：22.9天（全国，2017）"
