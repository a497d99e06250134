"""`catalog check`: every error kind is reported as file:line, all at once."""

import shutil
from pathlib import Path

import pytest

from onething.domain.catalog import (
    BundleMember,
    commitment_hash,
    read_catalog,
    single_matter_bundles,
)

MINIMAL = Path(__file__).resolve().parent.parent / "fixtures" / "minimal"


def test_minimal_fixture_is_valid():
    result = read_catalog(MINIMAL)
    assert result.problems == []
    catalog = result.catalog
    assert catalog.matters["fire-check"].kind == "licence"  # Chinese kind label accepted
    assert catalog.matters["fire-check"].promised_limit.is_instant
    assert catalog.bundles["shop"].field_map == (("fire-check", "shop_name", "name"),)
    assert catalog.calendar[2031].workdays[0].isoformat() == "2031-01-04"


def test_shipped_catalogue_is_valid(shipped):
    assert [str(p) for p in shipped.problems] == []


def spoil(tmp_path: Path, old: str, new: str) -> list[str]:
    target = tmp_path / "catalog"
    shutil.copytree(MINIMAL, target)
    path = target / "catalog.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return [str(p) for p in read_catalog(target).problems]


def line_of(text: str, needle: str) -> int:
    """Line of the needle's last occurrence (the spoiled one comes later)."""
    found = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert found, needle
    return found[-1]


BROKEN = [
    # (kind, old text, new text, needle on the reported line, message fragment)
    ("unknown department", "department: fire\n", "department: police\n",
     "- code: fire-check", "unknown department 'police'"),
    ("unknown matter", "matters: [register, {matter: fire-check",
     "matters: [register, oops, {matter: fire-check", "matters: [register",
     "unknown matter 'oops'"),
    ("unknown question", "when: {big: \"yes\"}", "when: {size: \"yes\"}",
     "- when:", "undefined question 'size'"),
    ("condition on undefined option", "when: {big: \"yes\"}", "when: {big: huge}",
     "- when:", "undefined option 'huge'"),
    ("duplicate code", "  - code: fire-check\n", "  - code: register\n",
     "  - code: register", "duplicate matter code 'register'"),
    ("duplicate slug", "  - {slug: big-shop,",
     "  - {slug: big-shop, title: x, bundle: shop}\n  - {slug: big-shop,",
     "title: 我要开大店", "duplicate scenario slug 'big-shop'"),
    ("dependency cycle", "      - {matter: fire-check, requires: register}\n",
     "      - {matter: fire-check, requires: register}\n"
     "      - {matter: register, requires: fire-check}\n",
     "    dependencies:", "dependency cycle"),
    ("bad region code", "{code: \"371402\", name: 德城区", "{code: \"37140\", name: 德城区",
     "德城区", "not six digits"),
    ("region with no province", "{code: \"371400\", name: 德州市, parent: \"370000\"}",
     "{code: \"991400\", name: 德州市, parent: \"370000\"}", "德州市", "no province '99'"),
    ("non-positive limit", "statutory_limit: 3\n", "statutory_limit: -3\n",
     "statutory_limit: -3", "must be positive"),
    ("zero-day calendar limit", "statutory_limit: 10\n",
     "statutory_limit: {days: 0, unit: days}\n", "{days: 0", "positive number of days"),
    ("bundle with no matters", "matters: [register, {matter: fire-check, optional: true}]",
     "matters: []", "matters: []", "has no matters"),
    ("promised longer than statutory", "promised_limit: 1\n", "promised_limit: 5\n",
     "promised_limit: 5", "longer than the statutory"),
    ("unknown key", "    issues: licence\n", "    issue: licence\n",
     "issue: licence", "unknown key 'issue'"),
    ("no default option", "{key: \"yes\", label: 是, default: true}", "{key: \"yes\", label: 是}",
     "- key: big", "exactly one option"),
    ("undeclared dependency", "      - {matter: fire-check, requires: register}\n", "",
     "dependencies:", "declare the dependency fire-check → register"),
    ("unknown material", "materials: [id-card]", "materials: [id-card, passport]",
     "- code: register", "unknown material 'passport'"),
    ("scenario answer to unknown option", "answers: {big: \"yes\"}", "answers: {big: maybe}",
     "我要开大店", "no option 'maybe'"),
    ("YAML syntax", "    name: 开店\n", "    name: [开店\n", "", "YAML syntax"),
    ("unknown section", "scenarios:\n", "scenarioz:\n", "scenarioz:", "unknown section"),
    ("certificate type without holder", "holder: person, validity: long-term}",
     "validity: long-term}", "validity: long-term}", "missing 'holder'"),
    ("certificate type with unknown holder", "holder: person,", "holder: company,",
     "holder: company", "holder must be one of person, organisation"),
    ("certificate type with a bad validity", "validity: long-term}", "validity: forever}",
     "validity: forever", "validity must be long-term, register or"),
    ("certificate type with a zero term", "validity: long-term}", "validity: {years: 0}}",
     "validity: {years: 0}", "positive number of years"),
    ("certificate field outside the dictionary", "validity: long-term}",
     "validity: long-term, fields: [shop_name, founded]}", "founded",
     "unknown field 'founded'"),
    ("certificate field with a bad source", "validity: long-term}",
     "validity: long-term, fields: [{key: shop_name, source: guess}]}", "source: guess",
     "field source must be one of"),
    ("maintainer's note in a bundle description", "description: 开一家店。\n",
     "description: 开一家店。本事项清单待核实。\n", "  - slug: shop",
     "bundle 'shop': public text 'description' looks like a note for maintainers ('待核实')"),
    ("maintainer's note in a matter name", "    name: 消防检查\n", "    name: 消防检查 TODO\n",
     "  - code: fire-check",
     "matter 'fire-check': public text 'name' looks like a note for maintainers ('TODO')"),
    ("maintainer's note in an option label", "{key: \"no\", label: 否}",
     "{key: \"no\", label: 否（因为选项不能多选）}", "  - slug: shop",
     "option 'no': public text 'label' looks like a note for maintainers ('选项不能多选')"),
    ("maintainer's note in English", "    description: 开一家店。\n",
     "    description: 开一家店。\n    en: {description: \"Open a shop. Fixme check.\"}\n",
     "  - slug: shop", "public text 'en.description' looks like a note for maintainers "
     "('FIXME')"),
    ("maintainer's note in a material", "{key: plan, name: 消防预案}",
     "{key: plan, name: 消防预案（待确认）}", "消防预案",
     "material 'plan': public text 'name' looks like a note for maintainers ('待确认')"),
    ("slug kept for single matters", "  - slug: shop\n", "  - slug: matter-shop\n",
     "  - slug: matter-shop", "slugs starting with 'matter-' are kept for single-matter"),
]


@pytest.mark.parametrize(("kind", "old", "new", "needle", "fragment"), BROKEN,
                         ids=[b[0] for b in BROKEN])
def test_each_error_kind_is_reported_with_file_and_line(tmp_path, kind, old, new, needle,
                                                        fragment):
    problems = spoil(tmp_path, old, new)
    matching = [p for p in problems if fragment in p]
    assert matching, problems
    text = (tmp_path / "catalog" / "catalog.yaml").read_text(encoding="utf-8")
    assert matching[0].startswith("catalog/catalog.yaml:")
    if needle:
        assert f":{line_of(text, needle)}:" in matching[0], (matching[0], line_of(text, needle))


def test_every_problem_is_reported_not_only_the_first(tmp_path):
    target = tmp_path / "catalog"
    shutil.copytree(MINIMAL, target)
    path = target / "catalog.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("department: fire\n", "department: police\n")
    text = text.replace("statutory_limit: 3\n", "statutory_limit: -3\n")
    text = text.replace('when: {big: "yes"}', "when: {big: huge}")
    path.write_text(text, encoding="utf-8")
    problems = [str(p) for p in read_catalog(target).problems]
    assert any("police" in p for p in problems)
    assert any("must be positive" in p for p in problems)
    assert any("huge" in p for p in problems)


def test_yes_and_no_stay_text_not_booleans(tmp_path):
    problems = spoil(tmp_path, '{key: "no", label: 否}', "{key: no, label: 否}")
    assert problems == []


# -- 容缺受理 (accept_pending) and 告知承诺 (commitment) ------------------------------------

FIRE_LIMIT = ("    promised_limit: instant\n"
              "    materials: [licence, {material: plan, optional: true}]\n")
COMMITMENT = ("    commitment:\n      version: \"1\"\n      check_within: 20\n"
              "      text: |\n        本人承诺场所符合消防安全要求。\n")
PENDING = "    accept_pending: {materials: [id-card], within: 5}\n"
REGISTER = "    materials: [id-card]\n    fields: [name]\n"


def test_procedures_are_read_with_their_rules(tmp_path):
    target = tmp_path / "catalog"
    shutil.copytree(MINIMAL, target)
    path = target / "catalog.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace(FIRE_LIMIT, FIRE_LIMIT + COMMITMENT)
    text = text.replace(REGISTER, "    materials: [id-card, plan]\n    fields: [name]\n" + PENDING)
    path.write_text(text, encoding="utf-8")
    result = read_catalog(target)
    assert result.problems == []
    terms = result.catalog.matters["fire-check"].commitment
    assert (terms.version, terms.check_within) == ("1", 20)
    assert terms.text == "本人承诺场所符合消防安全要求。"
    assert terms.sha256 == commitment_hash("本人承诺场所符合消防安全要求。")
    rule = result.catalog.matters["register"].accept_pending
    assert (rule.materials, rule.within, rule.on_lapse) == (("id-card",), 5, "terminate")
    assert result.catalog.matters["register"].deferrable("id-card")
    assert not result.catalog.matters["register"].deferrable("plan")


PROCEDURE_PROBLEMS = [
    ("a 容缺 material the matter does not ask for",
     REGISTER, "    materials: [id-card, plan]\n    fields: [name]\n"
     "    accept_pending: {materials: [licence], within: 5}\n",
     "- code: register", "accept_pending names 'licence', which the matter does not ask for"),
    ("deferring every material", REGISTER, REGISTER + PENDING, "- code: register",
     "accept_pending may not defer every material"),
    ("a lapse rule that does not exist", REGISTER,
     "    materials: [id-card, plan]\n    fields: [name]\n"
     "    accept_pending: {materials: [id-card], within: 5, on_lapse: ignore}\n",
     "on_lapse: ignore", "'on_lapse' must be one of terminate, refer"),
    ("no period", REGISTER, "    materials: [id-card, plan]\n    fields: [name]\n"
     "    accept_pending: {materials: [id-card], within: 0}\n", "within: 0",
     "'within' must be 1 to 60 working days"),
    ("a commitment on a matter not decided at once", "    promised_limit: 1\n",
     "    promised_limit: 1\n" + COMMITMENT, "- code: register",
     "a commitment decides at once: it needs promised_limit: instant"),
    ("a commitment without its text", FIRE_LIMIT,
     FIRE_LIMIT + "    commitment: {version: \"1\", check_within: 20}\n",
     "commitment: {version", "commitment: missing 'text'"),
    ("a commitment with 容缺", FIRE_LIMIT,
     FIRE_LIMIT + COMMITMENT + "    accept_pending: {materials: [licence], within: 5}\n",
     "- code: fire-check", "accept_pending does not go with auto_decision or commitment"),
]


@pytest.mark.parametrize(("kind", "old", "new", "needle", "fragment"), PROCEDURE_PROBLEMS,
                         ids=[p[0] for p in PROCEDURE_PROBLEMS])
def test_procedure_rules_are_checked(tmp_path, kind, old, new, needle, fragment):
    test_each_error_kind_is_reported_with_file_and_line(tmp_path, kind, old, new, needle,
                                                        fragment)


def test_a_deferrable_material_another_member_issues_needs_no_dependency(tmp_path):
    """容缺: the fire check may be accepted before the licence exists, side by side."""
    problems = spoil(tmp_path, "      - {matter: fire-check, requires: register}\n", "")
    assert any("declare the dependency fire-check → register" in p for p in problems)
    target = tmp_path / "catalog"
    path = target / "catalog.yaml"
    text = path.read_text(encoding="utf-8").replace(
        FIRE_LIMIT, FIRE_LIMIT + "    accept_pending: {materials: [licence], within: 5}\n")
    path.write_text(text, encoding="utf-8")
    assert [str(p) for p in read_catalog(target).problems] == []


def test_every_matter_with_its_own_data_gets_an_implicit_one_matter_bundle():
    """单独申请: the loader adds these; the planner plans them like any bundle."""
    from onething.domain.catalog import Condition, MaterialRef
    from onething.domain.planner import make_plan

    catalog = read_catalog(MINIMAL).catalog
    singles = {b.slug: b for b in single_matter_bundles(catalog)}
    assert sorted(singles) == sorted(f"matter-{code}" for code in catalog.matters)
    fire = singles["matter-fire-check"]
    shop = catalog.bundles["shop"]
    assert (fire.name, fire.single_matter, fire.members, fire.questions, fire.category) == (
        catalog.matters["fire-check"].name, "fire-check", (BundleMember("fire-check"),),
        (shop.question("big"),), shop.category)
    # The shop's “big” question includes the fire plan: asked of fire-check alone too,
    # narrowed to its own material (including the matter means nothing here).
    assert fire.conditions == (Condition(when=(("big", ("yes",)),),
                                         include_materials=(MaterialRef("plan", "fire-check"),)),)
    assert singles["matter-register"].questions == ()
    catalog.bundles.update(singles)
    plan = make_plan(catalog, "matter-fire-check")
    assert [m.code for m in plan.matters] == ["fire-check"]
    assert plan.bundle_name == catalog.matters["fire-check"].name
    assert [m.key for m in plan.materials] == ["licence", "plan"]
    small = make_plan(catalog, "matter-fire-check", {"big": "no"})
    assert [m.key for m in small.materials] == ["licence"]


@pytest.mark.parametrize(("value", "problem"), [
    ("0", "material 'plan': max_pages must be from 1 to 50"),
    ("51", "material 'plan': max_pages must be from 1 to 50"),
    ("two", "'max_pages' must be a whole number"),
])
def test_max_pages_of_a_material_is_checked(tmp_path, value, problem):
    problems = spoil(tmp_path, "{key: plan, name: 消防预案}",
                     f"{{key: plan, name: 消防预案, max_pages: {value}}}")
    assert len(problems) == 1 and problems[0].endswith(problem), problems
    assert ":14:" in problems[0]


def test_max_pages_defaults_to_ten_and_reaches_the_plan(tmp_path):
    assert spoil(tmp_path, "{key: plan, name: 消防预案}",
                 "{key: plan, name: 消防预案, max_pages: 3}") == []
    catalog = read_catalog(tmp_path / "catalog").catalog
    assert catalog.materials["plan"].max_pages == 3
    assert catalog.materials["id-card"].max_pages == 10


def test_a_maintainer_note_is_kept_apart_and_never_checked_as_public(tmp_path):
    problems = spoil(tmp_path, "description: 开一家店。\n",
                     "description: 开一家店。\n    maintainer_note: 牵头部门待核实（TODO）。\n")
    assert problems == []
    catalog = read_catalog(tmp_path / "catalog").catalog
    assert catalog.bundles["shop"].maintainer_note == "牵头部门待核实（TODO）。"
    assert catalog.bundles["shop"].description == "开一家店。"


def test_the_former_name_uncertain_is_read_as_a_maintainer_note(tmp_path):
    assert spoil(tmp_path, "    promised_limit: 1\n",
                 "    promised_limit: 1\n    uncertain: 时限待核实。\n") == []
    catalog = read_catalog(tmp_path / "catalog").catalog
    assert catalog.matters["register"].maintainer_note == "时限待核实。"


def test_the_shipped_public_texts_carry_no_maintainer_note(shipped):
    catalog = shipped.catalog
    notes = [b.slug for b in catalog.bundles.values() if b.maintainer_note]
    # The data-quality note of issue 16 is the maintainers' now.
    utilities = shipped.catalog.bundles["utilities-connection"]
    assert "选项不能多选" in utilities.maintainer_note
    assert "选项不能多选" not in utilities.description
    assert (len(notes), sum(1 for m in catalog.matters.values() if m.maintainer_note)) == (
        19, 91)
def test_a_single_matter_asks_the_bundle_questions_that_decide_its_own_materials():
    """居住证 alone: the school bundle's housing question, its condition narrowed to the
    matter's own materials; the school's other questions (stage, household
    registration, residence permit) decide other matters and are not asked."""
    from onething.domain.catalog import Condition, MaterialRef
    from onething.domain.planner import make_plan

    catalog = read_catalog(MINIMAL.parent.parent.parent / "catalog").catalog
    singles = {b.slug: b for b in single_matter_bundles(catalog)}
    permit = singles["matter-residence-permit-application"]
    code = "residence-permit-application"
    assert [q.key for q in permit.questions] == ["housing"]
    assert permit.questions[0] == catalog.bundles["school-enrollment"].question("housing")
    assert permit.conditions == (Condition(
        when=(("housing", ("rent",)),),
        include_materials=(MaterialRef("rental-registration", code),),
        exclude_materials=(MaterialRef("real-estate-certificate", code),),
        note=catalog.bundles["school-enrollment"].conditions[3].note),)
    catalog.bundles.update(singles)
    keys = ["id-card", "id-photo", "residence-permit-form"]
    assert [m.key for m in make_plan(catalog, permit.slug).materials] == [
        *keys, "real-estate-certificate", "employment-proof"]
    assert [m.key for m in make_plan(catalog, permit.slug, {"housing": "rent"}).materials] == [
        *keys, "rental-registration", "employment-proof"]
    # hukou-migration asks “housing” too, with other options, but not about 居住证; a
    # matter in no bundle, or none of whose materials an answer changes, asks nothing.
    assert singles["matter-unnatural-death-proof"].questions == ()
    assert singles["matter-unnatural-death-proof"].conditions == ()


def test_a_question_key_given_twice_with_other_options_is_taken_from_the_first_bundle():
    from dataclasses import replace

    from onething.domain.catalog import (
        Bundle,
        BundleMember,
        Condition,
        MaterialRef,
        Option,
        Question,
        single_matter_questions,
    )

    catalog = read_catalog(MINIMAL.parent.parent.parent / "catalog").catalog
    matter = catalog.matters["residence-permit-application"]
    other = Question("housing", "住房？", (Option("a", "甲"), Option("b", "乙")))
    catalog.bundles["aaa-first"] = Bundle(
        slug="aaa-first", name="先", category="personal", description="",
        members=(BundleMember(matter.code),), questions=(other,),
        conditions=(Condition(when=(("housing", ("b",)),),
                              include_materials=(MaterialRef("rental-registration"),)),))
    questions, conditions = single_matter_questions(catalog, matter)
    assert questions == (other,)
    assert conditions == (Condition(
        when=(("housing", ("b",)),),
        include_materials=(MaterialRef("rental-registration", matter.code),)),)
    # The same question (same options) in two bundles is asked once, each condition kept.
    catalog.bundles["aaa-first"] = replace(
        catalog.bundles["aaa-first"],
        questions=(catalog.bundles["school-enrollment"].question("housing"),),
        conditions=(Condition(when=(("housing", ("rent",)),),
                              include_materials=(MaterialRef("rental-registration"),)),))
    questions, conditions = single_matter_questions(catalog, matter)
    assert [q.key for q in questions] == ["housing"] and len(conditions) == 2
