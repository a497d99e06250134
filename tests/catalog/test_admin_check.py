"""Admin edits go through `catalog check`: a broken edit is refused and saves nothing.

Issue 16: a reversed bundle dependency created in the admin made planning crash with
RecursionError, and a promise in calendar days was accepted, then planned as working
days.
"""

from __future__ import annotations

import html
from typing import Any

import pytest

from onething.catalog import models, selectors
from onething.domain.planner import DependencyCycleError

pytestmark = pytest.mark.django_db

BUNDLE_URL = "/admin/catalog/bundle/{}/change/"
MATTER_URL = "/admin/catalog/matter/{}/change/"


def _value(bound: Any) -> Any:
    value = bound.value()
    if isinstance(value, bool):
        return "on" if value else None
    return "" if value is None else value


def change_form_data(response: Any) -> dict[str, Any]:
    """The POST the admin's change form would send unchanged: the entry and its inlines."""
    data: dict[str, Any] = {}

    def add_form(form: Any) -> None:
        for name in form.fields:
            value = _value(form[name])
            if value is not None:
                data[form[name].html_name] = value

    add_form(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        add_form(formset.management_form)
        for form in formset.forms:
            add_form(form)
    return data


def page_text(response: Any) -> str:
    return html.unescape(response.content.decode())


def restaurant() -> models.Bundle:
    return models.Bundle.objects.get(slug="restaurant")


def dependency_pairs(bundle: models.Bundle) -> list[tuple[str, str]]:
    return list(bundle.dependencies.order_by("id").values_list("matter__code", "requires__code"))


def test_a_reversed_dependency_is_refused_with_the_checkers_message(admin_client):
    bundle = restaurant()
    before = dependency_pairs(bundle)
    url = BUNDLE_URL.format(bundle.pk)
    data = change_form_data(admin_client.get(url))
    total = int(data["dependencies-TOTAL_FORMS"])
    ids = dict(
        models.Matter.objects.filter(
            code__in=["business-registration", "food-business-licence"]
        ).values_list("code", "pk")
    )
    # The reverse of food-business-licence → business-registration.
    data.update(
        {
            "dependencies-TOTAL_FORMS": str(total + 1),
            f"dependencies-{total}-matter": str(ids["business-registration"]),
            f"dependencies-{total}-requires": str(ids["food-business-licence"]),
            f"dependencies-{total}-receives": "",
            "description": "改过的说明。",
        }
    )
    response = admin_client.post(url, data)
    assert response.status_code == 200
    text = page_text(response)
    assert (
        "目录检查未通过：事项依赖成环，无法排定办理顺序 (catalogue check: bundle "
        "'restaurant': dependency cycle business-registration → food-business-licence → "
        "business-registration)"
    ) in text
    assert 'class="errornote"' in text
    # Nothing of the edit was kept: not the dependency, not the description.
    bundle.refresh_from_db()
    assert dependency_pairs(bundle) == before
    assert bundle.description != "改过的说明。"
    # The planner still plans the restaurant.
    plan = selectors.plan_bundle("restaurant")
    assert plan.matter("food-business-licence").depends_on == ("business-registration",)


def test_the_same_form_with_a_sound_edit_is_saved(admin_client):
    bundle = restaurant()
    url = BUNDLE_URL.format(bundle.pk)
    data = change_form_data(admin_client.get(url))
    data["description"] = "改过的说明。"
    response = admin_client.post(url, data)
    assert response.status_code == 302, page_text(response)[:2000]
    bundle.refresh_from_db()
    assert bundle.description == "改过的说明。"
    assert len(dependency_pairs(bundle)) == 5


def test_a_cycle_stored_without_the_admin_is_a_named_error_not_recursion():
    bundle = restaurant()
    matters = {
        m.code: m
        for m in models.Matter.objects.filter(
            code__in=["business-registration", "food-business-licence"]
        )
    }
    models.BundleDependency.objects.create(
        bundle=bundle,
        matter=matters["business-registration"],
        requires=matters["food-business-licence"],
    )
    with pytest.raises(DependencyCycleError) as raised:
        selectors.plan_bundle("restaurant")
    assert raised.value.cycle == [
        "business-registration",
        "food-business-licence",
        "business-registration",
    ]


def matter_post(admin_client: Any, code: str, **changes: str) -> tuple[Any, models.Matter]:
    matter = models.Matter.objects.get(code=code)
    url = MATTER_URL.format(matter.pk)
    data = change_form_data(admin_client.get(url))
    data.update(changes)
    return admin_client.post(url, data), matter


def test_a_promise_in_calendar_days_is_refused(admin_client):
    response, matter = matter_post(admin_client, "food-business-licence", promised_unit="days")
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert list(form.errors) == ["promised_unit"]
    matter.refresh_from_db()
    assert (matter.promised_unit, matter.promised_days) == ("working_days", 5)
    # The model refuses it too, with the rule's own message.
    matter.promised_unit = "days"
    with pytest.raises(Exception) as raised:
        matter.full_clean()
    assert (
        "承诺时限只能按工作日计算或为即办 (a promised limit is given in working days or 'instant')"
    ) in raised.value.message_dict["promised_unit"]


def test_a_promise_longer_than_the_statutory_limit_is_refused(admin_client):
    response, matter = matter_post(admin_client, "food-business-licence", promised_days="25")
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["promised_days"] == [
        "承诺时限（25个工作日）不得长于法定时限（10个工作日） (the promised limit is longer "
        "than the statutory limit)"
    ]
    matter.refresh_from_db()
    assert matter.promised_days == 5


def test_a_maintainers_note_typed_into_a_public_text_is_refused(admin_client):
    response, matter = matter_post(
        admin_client,
        "food-business-licence",
        description="食品经营许可。承诺时限待核实。",
        maintainer_note="这里可以写：承诺时限待核实。",
    )
    assert response.status_code == 200
    assert (
        "目录检查未通过：面向群众的文字像是维护说明，请写入“维护说明（内部）” (catalogue "
        "check: matter 'food-business-licence': public text 'description' looks like a "
        "note for maintainers ('待核实'); put it in maintainer_note)"
    ) in page_text(response)
    matter.refresh_from_db()
    assert "待核实" not in matter.description
    # In maintainer_note it is at home.
    response, matter = matter_post(
        admin_client, "food-business-licence", maintainer_note="承诺时限待核实。"
    )
    assert response.status_code == 302
    matter.refresh_from_db()
    assert matter.maintainer_note == "承诺时限待核实。"


def test_deleting_a_question_that_conditions_use_is_refused(admin_client):
    question = models.Question.objects.get(bundle__slug="restaurant", key="has_business_licence")
    url = f"/admin/catalog/question/{question.pk}/delete/"
    response = admin_client.post(url, {"post": "yes"})
    assert response.status_code == 302 and response["Location"] == url
    assert models.Question.objects.filter(pk=question.pk).exists()
    assert question.options.count() == 2
    shown = page_text(admin_client.get(url))
    assert (
        "目录检查未通过：情形条件引用了不存在的问题或选项 (catalogue check: bundle "
        "'restaurant': condition on undefined question 'has_business_licence')"
    ) in shown
