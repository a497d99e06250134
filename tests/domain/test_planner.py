import datetime as dt
import itertools

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from onething.domain.calendar import WorkingDayCalendar
from onething.domain.catalog import (
    Bundle,
    BundleMember,
    Catalog,
    Department,
    Dependency,
    Matter,
    TimeLimit,
    check_specs,
    find_cycle_in,
)
from onething.domain.planner import (
    DependencyCycleError,
    PlanningError,
    make_plan,
    plan_to_dict,
)

CAL = WorkingDayCalendar()


def stage_of(plan, code):
    return plan.matter(code).stage


def test_restaurant_default_plan_orders_licence_after_registration(shipped):
    plan = make_plan(shipped.catalog, "restaurant")
    codes = [m.code for m in plan.matters]
    assert codes.index("business-registration") < codes.index("food-business-licence")
    assert plan.matter("food-business-licence").depends_on == ("business-registration",)
    assert stage_of(plan, "food-business-licence") > stage_of(plan, "business-registration")
    assert "fire-safety-check-commitment" in codes
    assert plan.material_count_merged < plan.material_count_separate
    assert plan.parallel_days < plan.serial_days


def test_a_material_issued_inside_the_application_is_not_asked_for(shipped):
    plan = make_plan(shipped.catalog, "restaurant")
    assert "business-licence" not in [m.key for m in plan.materials]
    passed = {m.key: m for m in plan.provided_materials}
    assert passed["business-licence"].provided_by == "business-registration"
    assert "food-business-licence" in passed["business-licence"].needed_by


def test_holding_a_licence_drops_registration_and_asks_for_the_licence(shipped):
    plan = make_plan(shipped.catalog, "restaurant", {"has_business_licence": "yes"})
    codes = [m.code for m in plan.matters]
    assert "business-registration" not in codes
    licence = next(m for m in plan.materials if m.key == "business-licence")
    assert "food-business-licence" in licence.needed_by
    assert licence.certificate == "business-licence"  # can be reused later
    assert plan.matter("food-business-licence").depends_on == ()


def test_small_premises_need_no_fire_check_and_inspection_route_swaps_matter(shipped):
    small = make_plan(shipped.catalog, "restaurant", {"floor_area": "under-50"})
    assert not [m for m in small.matters if m.code.startswith("fire-safety")]
    inspected = make_plan(shipped.catalog, "restaurant", {"fire_route": "inspection"})
    codes = [m.code for m in inspected.matters]
    assert "fire-safety-check" in codes
    assert "fire-safety-check-commitment" not in codes


def test_condition_includes_a_conditional_material(shipped):
    hot = make_plan(shipped.catalog, "restaurant", {"menu": "hot-food"})
    pastry = make_plan(shipped.catalog, "restaurant", {"menu": "pastry"})
    assert "special-room-description" not in [m.key for m in hot.materials]
    assert "special-room-description" in [m.key for m in pastry.materials]


def test_each_datum_is_asked_once(shipped):
    plan = make_plan(shipped.catalog, "restaurant")
    keys = [f.key for f in plan.fields]
    assert len(keys) == len(set(keys))
    company = next(f for f in plan.fields if f.key == "company_name")
    assert len(company.used_by) > 1


def test_dates_follow_the_dependency_chain(shipped):
    plan = make_plan(shipped.catalog, "restaurant", start=dt.date(2025, 9, 30), calendar=CAL)
    registration = plan.matter("business-registration")
    food = plan.matter("food-business-licence")
    assert registration.due == dt.date(2025, 10, 9)  # 1 WD across National Day
    assert food.start == registration.due
    assert food.due == CAL.add_working_days(registration.due, food.promised_days).day
    assert plan.due == max(m.due for m in plan.matters)
    data = plan_to_dict(plan)
    assert data["due"] == plan.due.isoformat()
    assert all("start" in m and "due" in m for m in data["matters"])


def dates(plan):
    return {m.code: (m.start, m.start_provisional, m.due, m.due_provisional)
            for m in plan.matters}


def test_planning_across_the_year_end_flags_only_the_dates_reaching_into_2027(shipped):
    provisional = WorkingDayCalendar(provisional=True)
    D = dt.date
    plan = make_plan(shipped.catalog, "restaurant", start=D(2026, 12, 28),
                     calendar=provisional)
    assert dates(plan) == {
        "business-registration": (D(2026, 12, 28), False, D(2026, 12, 29), False),
        "food-worker-health-certificate": (D(2026, 12, 28), False, D(2027, 1, 5), True),
        "food-business-licence": (D(2026, 12, 29), False, D(2027, 1, 6), True),
        "fire-safety-check-commitment": (D(2026, 12, 29), False, D(2026, 12, 29), False),
        "outdoor-signboard": (D(2026, 12, 29), False, D(2027, 1, 4), True),
    }
    assert (plan.due, plan.provisional) == (D(2027, 1, 6), True)
    data = plan_to_dict(plan)
    food = next(m for m in data["matters"] if m["code"] == "food-business-licence")
    assert (food["start"], food["start_provisional"], food["due"], food["due_provisional"]) \
        == ("2026-12-29", False, "2027-01-06", True)
    assert (data["due"], data["provisional"]) == ("2027-01-06", True)


def test_a_start_after_a_provisional_due_is_provisional(shipped):
    provisional = WorkingDayCalendar(provisional=True)
    D = dt.date
    plan = make_plan(shipped.catalog, "restaurant", start=D(2026, 12, 31),
                     calendar=provisional)
    assert dates(plan) == {
        "business-registration": (D(2026, 12, 31), False, D(2027, 1, 4), True),
        "food-worker-health-certificate": (D(2026, 12, 31), False, D(2027, 1, 8), True),
        "food-business-licence": (D(2027, 1, 4), True, D(2027, 1, 11), True),
        "fire-safety-check-commitment": (D(2027, 1, 4), True, D(2027, 1, 4), True),
        "outdoor-signboard": (D(2027, 1, 4), True, D(2027, 1, 7), True),
    }


def test_a_plan_inside_published_years_is_not_provisional(shipped):
    plan = make_plan(shipped.catalog, "restaurant", start=dt.date(2026, 12, 1),
                     calendar=WorkingDayCalendar(provisional=True))
    assert not plan.provisional
    assert not any(m.start_provisional or m.due_provisional for m in plan.matters)


def test_invalid_answers_are_reported_together(shipped):
    with pytest.raises(PlanningError) as info:
        make_plan(shipped.catalog, "restaurant", {"menu": "sushi-bar", "pets": "dog"})
    assert len(info.value.problems) == 2
    text = " ".join(info.value.problems)
    assert "sushi-bar" in text and "pets" in text


def test_unknown_bundle_is_a_planning_error(shipped):
    with pytest.raises(PlanningError):
        make_plan(shipped.catalog, "no-such-thing")


def test_every_shipped_bundle_plans_under_every_combination_of_answers(shipped):
    catalog = shipped.catalog
    assert not shipped.problems
    combinations = 0
    for bundle in catalog.bundles.values():
        keys = [q.key for q in bundle.questions]
        for choice in itertools.product(*[[o.key for o in q.options] for q in bundle.questions]):
            answers = dict(zip(keys, choice, strict=True))
            plan = make_plan(catalog, bundle.slug, answers,
                             start=dt.date(2026, 3, 2), calendar=CAL)
            combinations += 1
            if not plan.matters:  # e.g. nothing to apply for: light vans, licence held
                assert plan.due is None and plan.materials == ()
                continue
            assert plan.parallel_days <= plan.serial_days
            assert plan.material_count_merged <= plan.material_count_separate
            for m in plan.matters:
                for prerequisite in m.depends_on:
                    assert plan.matter(prerequisite).due <= m.start
    assert combinations >= len(catalog.bundles)
    # The common case (all defaults) always leaves something to apply for.
    for bundle in catalog.bundles.values():
        assert make_plan(catalog, bundle.slug).matters, bundle.slug


# -- properties on random dependency graphs ------------------------------------


@st.composite
def bundles(draw):
    n = draw(st.integers(min_value=1, max_value=8))
    days = draw(st.lists(st.integers(min_value=0, max_value=15), min_size=n, max_size=n))
    # Edges only from a later matter to an earlier one: always acyclic.
    edges = draw(st.sets(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1))
                         .filter(lambda e: e[0] > e[1]), max_size=12))
    start = draw(st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2025, 12, 1)))
    return days, sorted(edges), start


def synthetic(days, edges):
    catalog = Catalog()
    catalog.departments["d"] = Department("d", "部门", "371402")
    for i, d in enumerate(days):
        limit = TimeLimit("working_days", d) if d else TimeLimit("instant")
        catalog.matters[f"m{i}"] = Matter(f"m{i}", f"事项{i}", "licence", "d",
                                          TimeLimit("working_days", 30), limit)
    catalog.bundles["b"] = Bundle(
        slug="b", name="测试", category="personal", description="",
        members=tuple(BundleMember(f"m{i}") for i in range(len(days))),
        dependencies=tuple(Dependency(f"m{a}", f"m{b}") for a, b in edges),
    )
    return catalog


@settings(max_examples=150, deadline=None)
@given(bundles())
def test_bundle_due_is_never_before_any_matter_due(case):
    days, edges, start = case
    plan = make_plan(synthetic(days, edges), "b", start=start, calendar=CAL)
    assert all(plan.due >= m.due for m in plan.matters)
    assert plan.parallel_days <= plan.serial_days
    assert plan.serial_days == sum(days)


@settings(max_examples=150, deadline=None)
@given(bundles(), st.data())
def test_removing_a_dependency_never_lengthens_the_plan(case, data):
    days, edges, start = case
    assume(edges)
    dropped = data.draw(st.sampled_from(edges))
    before = make_plan(synthetic(days, edges), "b", start=start, calendar=CAL)
    after = make_plan(synthetic(days, [e for e in edges if e != dropped]), "b",
                      start=start, calendar=CAL)
    assert after.parallel_days <= before.parallel_days
    assert after.due <= before.due
    for m in after.matters:
        assert m.due <= before.matter(m.code).due


@settings(max_examples=100, deadline=None)
@given(bundles())
def test_parallel_days_is_the_longest_dependency_chain(case):
    days, edges, _ = case
    plan = make_plan(synthetic(days, edges), "b")
    path = plan.critical_path
    assert sum(days[int(code[1:])] for code in path) == plan.parallel_days
    for earlier, later in itertools.pairwise(path):
        assert earlier in plan.matter(later).depends_on


def test_a_matter_needing_the_document_type_it_issues_asks_for_the_old_one():
    from onething.domain.catalog import CertificateType, Material, MaterialRequirement

    catalog = synthetic([1, 2], [(1, 0)])
    catalog.certificate_types["register"] = CertificateType("register", "户口簿")
    catalog.materials["register"] = Material("register", "户口簿", certificate="register")
    catalog.matters["m0"] = Matter("m0", "出生登记", "registration", "d",
                                   TimeLimit("working_days", 30), TimeLimit("working_days", 1),
                                   materials=(MaterialRequirement("register"),),
                                   issues="register")
    catalog.matters["m1"] = Matter("m1", "医保参保", "registration", "d",
                                   TimeLimit("working_days", 30), TimeLimit("working_days", 2),
                                   materials=(MaterialRequirement("register"),))
    plan = make_plan(catalog, "b")
    assert [m.key for m in plan.materials] == ["register"]  # the old register, from the applicant
    assert plan.provided_materials == ()

    catalog.matters["m0"] = Matter("m0", "出生登记", "registration", "d",
                                   TimeLimit("working_days", 30), TimeLimit("working_days", 1),
                                   issues="register")
    plan = make_plan(catalog, "b")
    assert plan.materials == ()
    assert plan.provided_materials[0].provided_by == "m0"


# -- 容缺受理 and 告知承诺 in the plan ---------------------------------------------------------


def _two_matters(first_rule, second_rule):
    return {m.key: m for m in make_plan(*_catalog_and_slug(first_rule, second_rule)).materials}


def test_a_material_may_follow_only_when_every_matter_needing_it_lets_it():
    both = _two_matters(5, 3)
    assert both["plan"].deferrable and both["plan"].supply_within == 3  # the shorter period
    assert not both["form"].deferrable
    assert not _two_matters(5, None)["plan"].deferrable
    data = plan_to_dict(make_plan(*_catalog_and_slug(5, 3)))
    [plan_entry] = [m for m in data["materials"] if m["key"] == "plan"]
    assert (plan_entry["deferrable"], plan_entry["supply_within"]) == (True, 3)


def _catalog_and_slug(first, second):
    from onething.domain.catalog import AcceptPending, MaterialRequirement

    def matter(code, rule):
        return Matter(code=code, name=code, kind="licence", department="d",
                      statutory_limit=TimeLimit("working_days", 10),
                      promised_limit=TimeLimit("working_days", 5),
                      materials=(MaterialRequirement("plan"), MaterialRequirement("form")),
                      accept_pending=AcceptPending(("plan",), rule) if rule else None)

    return Catalog(departments={"d": Department("d", "部门", "371402")},
                   matters={"a": matter("a", first), "b": matter("b", second)},
                   bundles={"x": Bundle("x", "事", "enterprise", "",
                                        (BundleMember("a"), BundleMember("b")))}), "x"


def test_the_restaurant_plan_carries_the_fire_commitment(shipped):
    plan = make_plan(shipped.catalog, "restaurant")
    [commitment] = plan.commitments
    terms = shipped.catalog.matters["fire-safety-check-commitment"].commitment
    assert (commitment.matter, commitment.version, commitment.sha256, commitment.check_within) \
        == ("fire-safety-check-commitment", "2026-01", terms.sha256, 20)
    assert make_plan(shipped.catalog, "restaurant", {"fire_route": "inspection"}).commitments \
        == ()
    assert plan_to_dict(plan)["commitments"][0]["text"] == terms.text


# -- a broken catalogue (an admin edit that skipped the checker) never recurses -----------


def test_a_reversed_dependency_raises_the_named_error_not_recursion():
    # m1 needs m0 and, reversed by hand, m0 needs m1.
    catalog = synthetic([3, 5], [(1, 0), (0, 1)])
    with pytest.raises(DependencyCycleError) as raised:
        make_plan(catalog, "b", start=dt.date(2026, 3, 2), calendar=CAL)
    assert raised.value.cycle == ["m0", "m1", "m0"]
    assert raised.value.problems == [
        "一件事 b 的事项依赖成环：m0 → m1 → m0，无法排定办理顺序 "
        "(bundle 'b' has a dependency cycle: m0 → m1 → m0)"]
    assert isinstance(raised.value, PlanningError)  # callers' existing handling applies


def test_a_cycle_through_a_matter_that_does_not_apply_does_not_stop_the_plan():
    catalog = synthetic([3, 5, 2], [(1, 0), (2, 1), (1, 2)])
    bundle = catalog.bundles["b"]
    # m2 is optional and no condition includes it: the cycle m1 → m2 → m1 is not planned.
    catalog.bundles["b"] = Bundle(
        slug="b", name="测试", category="personal", description="",
        members=(BundleMember("m0"), BundleMember("m1"), BundleMember("m2", optional=True)),
        dependencies=bundle.dependencies)
    plan = make_plan(catalog, "b")
    assert [m.code for m in plan.matters] == ["m0", "m1"]
    assert plan.parallel_days == 8


def test_a_long_chain_and_a_long_cycle_never_exhaust_the_stack():
    n = 3000  # deeper than Python's default recursion limit (1000)
    chain = {f"m{i}": [f"m{i - 1}"] for i in range(1, n)}
    assert find_cycle_in(chain) is None
    chain["m0"] = [f"m{n - 1}"]
    cycle = find_cycle_in(chain)
    assert cycle is not None and len(cycle) == n + 1 and cycle[0] == cycle[-1] == "m0"
    catalog = synthetic([1] * 1200, [(i, i - 1) for i in range(1, 1200)] + [(0, 1199)])
    with pytest.raises(DependencyCycleError):
        make_plan(catalog, "b")


def test_the_rows_checker_names_the_cycle_and_a_promise_in_calendar_days():
    catalog = synthetic([3, 5], [(1, 0), (0, 1)])
    matter = catalog.matters["m0"]
    catalog.matters["m0"] = Matter(matter.code, matter.name, "licence", "d",
                                   TimeLimit("working_days", 30), TimeLimit("days", 3))
    assert [p.message for p in check_specs(catalog)] == [
        "matter 'm0': a promised limit is given in working days or 'instant'",
        "bundle 'b': dependency cycle m0 → m1 → m0",
    ]
