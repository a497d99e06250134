"""免提交 in the pure planner: a held certificate stands in for a material."""

from onething.domain.catalog import (
    CertificateType,
    Material,
    MaterialRequirement,
    Matter,
    TimeLimit,
)
from onething.domain.planner import make_plan, plan_to_dict
from tests.domain.test_planner import synthetic


def licence_catalog():
    """m0 issues a licence; m1 needs the licence and a form; m2 needs the licence."""
    catalog = synthetic([1, 2, 3], [])
    catalog.certificate_types["licence"] = CertificateType("licence", "营业执照")
    catalog.materials["licence"] = Material("licence", "营业执照", certificate="licence")
    catalog.materials["form"] = Material("form", "申请书")

    def matter(code, name, materials, issues=None):
        catalog.matters[code] = Matter(
            code, name, "licence", "d", TimeLimit("working_days", 30),
            TimeLimit("working_days", 1),
            materials=tuple(MaterialRequirement(k) for k in materials), issues=issues)

    matter("m0", "登记", ["form"])
    matter("m1", "许可", ["licence", "form"])
    matter("m2", "备案", ["licence"])
    return catalog


def test_a_held_certificate_is_reused_not_uploaded():
    catalog = licence_catalog()
    without = make_plan(catalog, "b")
    plan = make_plan(catalog, "b", held={"licence"})
    assert [m.key for m in without.materials] == ["form", "licence"]
    assert [m.key for m in plan.materials] == ["form"]
    assert [m.key for m in plan.reused_materials] == ["licence"]
    reused = plan.reused_materials[0]
    assert reused.reused and reused.certificate == "licence"
    assert reused.needed_by == ("m1", "m2")
    assert plan.material_count_merged == without.material_count_merged - 1
    assert plan.material_count_separate == without.material_count_separate
    assert plan.materials_reused == 1 and without.materials_reused == 0
    assert plan.materials_saved == without.materials_saved + 1


def test_holding_an_unrelated_type_changes_nothing():
    catalog = licence_catalog()
    assert make_plan(catalog, "b", held={"passport"}) == make_plan(catalog, "b")
    assert make_plan(catalog, "b", held=()) == make_plan(catalog, "b")


def test_a_material_provided_inside_the_plan_stays_passed_on():
    catalog = licence_catalog()
    catalog.matters["m0"] = Matter("m0", "登记", "licence", "d", TimeLimit("working_days", 30),
                                   TimeLimit("working_days", 1), issues="licence")
    from onething.domain.catalog import Bundle, BundleMember, Dependency

    catalog.bundles["b"] = Bundle(
        slug="b", name="测试", category="enterprise", description="",
        members=tuple(BundleMember(f"m{i}") for i in range(3)),
        dependencies=(Dependency("m1", "m0"), Dependency("m2", "m0")))
    plan = make_plan(catalog, "b", held={"licence"})
    assert plan.reused_materials == ()
    assert [m.key for m in plan.provided_materials] == ["licence"]


def test_plan_to_dict_lists_reused_materials():
    data = plan_to_dict(make_plan(licence_catalog(), "b", held=["licence"]))
    assert [m["key"] for m in data["reused_materials"]] == ["licence"]
    assert data["reused_materials"][0]["reused"] is True
    assert data["materials_reused"] == 1
    assert "licence" not in [m["key"] for m in data["materials"]]
    empty = plan_to_dict(make_plan(licence_catalog(), "b"))
    assert empty["reused_materials"] == [] and empty["materials_reused"] == 0
