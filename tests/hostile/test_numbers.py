"""Numbers at the boundary: no NaN, infinity, exponent or absurd magnitude; the
catalogue's bounds per number field; the value agrees with the situation answer
tied to it (floor area vs the area question). SQLite and PostgreSQL."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse

from onething.applications.models import Application
from onething.applications.services import SubmissionError, check_form, submit_application
from onething.catalog.selectors import plan_bundle
from onething.domain.catalog import read_catalog
from onething.domain.validators import ValidationProblem, check_number
from tests.api.test_api import API, assert_error, bearer, post_json, submission
from tests.conftest import REPO, restaurant_submission

pytestmark = pytest.mark.django_db

MINIMAL = REPO / "tests" / "fixtures" / "minimal"


# -- the validator -----------------------------------------------------------------------


@pytest.mark.parametrize(("text", "code"), [
    ("NaN", "not_a_number"), ("nan", "not_a_number"), ("Infinity", "not_a_number"),
    ("-inf", "not_a_number"), ("1e999", "not_a_number"), ("1E5", "not_a_number"),
    ("-1e-999", "not_a_number"), ("0x10", "not_a_number"), ("1,000", "not_a_number"),
    ("", "not_a_number"), ("十", "not_a_number"), ("1.", "not_a_number"), (".5", "not_a_number"),
    ("9" * 16, "magnitude"), ("1" + "0" * 400, "magnitude"),
])
def test_check_number_refuses_non_numbers_and_absurd_magnitudes(text, code):
    with pytest.raises(ValidationProblem) as info:
        check_number(text)
    assert info.value.code == code


@pytest.mark.parametrize(("text", "bounds", "code", "message"), [
    ("0", {"minimum": 0.01}, "minimum", "不能小于 0.01 (must be at least 0.01)"),
    ("-3", {"minimum": 0}, "minimum", "不能小于 0 (must be at least 0)"),
    ("100001", {"maximum": 100000}, "maximum", "不能大于 100000 (must be at most 100000)"),
    ("12.5", {"decimals": 0}, "decimals", "应为整数 (must be a whole number)"),
    ("80.123", {"decimals": 2}, "decimals", "最多 2 位小数 (at most 2 decimal places)"),
])
def test_check_number_applies_bounds(text, bounds, code, message):
    with pytest.raises(ValidationProblem) as info:
        check_number(text, **bounds)
    assert (info.value.code, info.value.message) == (code, message)


@pytest.mark.parametrize(("text", "value"), [
    ("80", Decimal("80")), ("８０.５", Decimal("80.5")), (" 12 ", Decimal("12")),
    ("12.50", Decimal("12.50")), ("999999999999999", Decimal("999999999999999")),
])
def test_check_number_accepts_plain_decimals(text, value):
    assert check_number(text, minimum=0, decimals=2) == value


# -- the API: JSON numbers -----------------------------------------------------------------


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999", "-1e999",
                                     "1E400"])
def test_api_refuses_non_finite_json_numbers(client, demo, literal):
    headers = bearer(demo.applicant)
    data = submission(client, headers, demo.applicant)
    text = json.dumps({**data, "form_data": {**data["form_data"], "floor_area": "MARK"}})
    response = post_json(client, "/applications", text.replace('"MARK"', literal), headers)
    assert_error(response, 400, "invalid_number")
    assert not Application.objects.exists()


@pytest.mark.parametrize(("value", "message"), [
    ("NaN", "“经营场所建筑面积（平方米）”应为数字 (must be a number, e.g. 12 or 45.5)"),
    ("Infinity", "“经营场所建筑面积（平方米）”应为数字 (must be a number, e.g. 12 or 45.5)"),
    ("1e999", "“经营场所建筑面积（平方米）”应为数字 (must be a number, e.g. 12 or 45.5)"),
    (10**30, "“经营场所建筑面积（平方米）”数值过大 (number too large)"),
    ("0", "“经营场所建筑面积（平方米）”不能小于 0.01 (must be at least 0.01)"),
    (-80, "“经营场所建筑面积（平方米）”不能小于 0.01 (must be at least 0.01)"),
    ("100000.01", "“经营场所建筑面积（平方米）”不能大于 100000 (must be at most 100000)"),
    (80.125, "“经营场所建筑面积（平方米）”最多 2 位小数 (at most 2 decimal places)"),
    (["80"], "“经营场所建筑面积（平方米）”应为文本，不能是列表或对象 (must be text)"),
])
def test_api_refuses_floor_areas_out_of_bounds(client, demo, value, message):
    headers = bearer(demo.applicant)
    data = submission(client, headers, demo.applicant)
    body = assert_error(post_json(client, "/applications", {
        **data, "form_data": {**data["form_data"], "floor_area": value}}, headers), 400,
        "invalid_submission")
    assert body["errors"] == {"floor_area": message}
    assert not Application.objects.exists()


@pytest.mark.parametrize(("field", "value", "message"), [
    ("seat_count", "12.5", "“就餐座位数”应为整数 (must be a whole number)"),
    ("seat_count", "10001", "“就餐座位数”不能大于 10000 (must be at most 10000)"),
    ("staff_count", "0", "“从业人员人数”不能小于 1 (must be at least 1)"),
    ("registered_capital", "-1", "“注册资本（万元）”不能小于 0 (must be at least 0)"),
    ("registered_capital", "100000000.5", "“注册资本（万元）”不能大于 100000000 "
                                          "(must be at most 100000000)"),
])
def test_every_bounded_field_of_the_restaurant_form(client, demo, field, value, message):
    headers = bearer(demo.applicant)
    data = submission(client, headers, demo.applicant)
    body = assert_error(post_json(client, "/applications", {
        **data, "form_data": {**data["form_data"], field: value}}, headers), 400,
        "invalid_submission")
    assert body["errors"] == {field: message}


# -- situation answer vs number field ------------------------------------------------------


AREA = "“经营场所建筑面积（平方米）”"
ASKED = "与情形“经营场所建筑面积有多大？”所选的"


@pytest.mark.parametrize(("answer", "area", "message"), [
    ("50-plus", "30", f"{AREA}填写为 30，{ASKED}“50平方米及以上”不符，应不小于 50 "
                      "(floor_area = 30 contradicts the answer '50-plus' to 'floor_area': "
                      "must be at least 50)"),
    ("50-plus", "49.99", f"{AREA}填写为 49.99，{ASKED}“50平方米及以上”不符，应不小于 50 "
                         "(floor_area = 49.99 contradicts the answer '50-plus' to "
                         "'floor_area': must be at least 50)"),
    ("under-50", "50", f"{AREA}填写为 50，{ASKED}“50平方米以下”不符，应小于 50 "
                       "(floor_area = 50 contradicts the answer 'under-50' to 'floor_area': "
                       "must be below 50)"),
    ("under-50", "80", f"{AREA}填写为 80，{ASKED}“50平方米以下”不符，应小于 50 "
                       "(floor_area = 80 contradicts the answer 'under-50' to 'floor_area': "
                       "must be below 50)"),
])
def test_floor_area_must_agree_with_the_area_answer(client, demo, answer, area, message):
    headers = bearer(demo.applicant)
    data = submission(client, headers, demo.applicant, {"floor_area": answer})
    body = assert_error(post_json(client, "/applications", {
        **data, "form_data": {**data["form_data"], "floor_area": area}}, headers), 400,
        "invalid_submission")
    assert body["errors"] == {"floor_area": message}
    assert not Application.objects.exists()


@pytest.mark.parametrize(("answer", "area"), [("50-plus", "50"), ("50-plus", "80"),
                                              ("under-50", "49.99"), ("under-50", "30")])
def test_floor_area_agreeing_with_the_answer_is_accepted(client, demo, answer, area):
    headers = bearer(demo.applicant)
    data = submission(client, headers, demo.applicant, {"floor_area": answer})
    response = post_json(client, "/applications", {
        **data, "form_data": {**data["form_data"], "floor_area": area}}, headers)
    assert response.status_code == 201, response.content
    assert Application.objects.get().form_data["floor_area"] == area


def test_the_service_refuses_the_contradiction_for_every_channel(demo):
    sub = restaurant_submission(demo.applicant, answers={"floor_area": "50-plus"})
    sub = type(sub)(**{**sub.__dict__, "form_data": {**sub.form_data, "floor_area": "30"}})
    with pytest.raises(SubmissionError) as info:
        submit_application(sub, actor=demo.applicant, applicant=demo.applicant)
    assert info.value.code == "invalid_submission" and list(info.value.errors) == ["floor_area"]


def test_check_form_without_a_tie_only_applies_bounds():
    plan = plan_bundle("restaurant", {"floor_area": "under-50"})
    field = next(f for f in plan.fields if f.key == "floor_area")
    assert (field.minimum, field.maximum, field.decimals) == (0.01, 100000, 2)
    assert (field.answered.at_least, field.answered.below) == (None, 50)
    clean, errors = check_form(plan, {"floor_area": "３０"})
    assert clean["floor_area"] == "30" and "floor_area" not in errors


def test_the_portal_form_shows_the_contradiction_with_status_400(client, demo):
    client.force_login(demo.applicant)
    url = reverse("portal:apply", args=["restaurant"]) + "?floor_area=50-plus"
    response = client.post(url, {"floor_area": "30", "company_name": "甜心", "idempotency_key":
                                 "k-portal"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "与情形“经营场所建筑面积有多大？”所选的“50平方米及以上”不符" in page
    assert not Application.objects.exists()


# -- the plan endpoint exposes what each field accepts -----------------------------------------


def test_plan_lists_choices_and_number_bounds(client, demo):
    plan = client.get(f"{API}/bundles/restaurant/plan", {"answer": "floor_area=50-plus"}).json()
    fields = {f["key"]: f for f in plan["fields"]}
    assert fields["entity_type"]["choices"] == ["有限责任公司", "个人独资企业", "合伙企业",
                                                "个体工商户"]
    area = fields["floor_area"]
    assert (area["min"], area["max"], area["decimals"]) == (0.01, 100000, 2)
    assert area["answered"] == {"question": "floor_area", "option": "50-plus",
                                "at_least": 50, "below": None}
    assert (fields["seat_count"]["min"], fields["seat_count"]["decimals"]) == (0, 0)
    assert fields["company_name"]["choices"] is None and fields["company_name"]["min"] is None


def test_openapi_documents_field_choices_and_bounds(client):
    schema = client.get(f"{API}/openapi.json").json()
    plan_field = schema["components"]["schemas"]["PlanFieldOut"]["properties"]
    assert {"choices", "min", "max", "decimals", "answered"} <= set(plan_field)
    ok = schema["paths"][f"{API}/bundles/{{slug}}/plan"]["get"]["responses"]["200"]
    assert ok["content"]["application/json"]["schema"]["$ref"].endswith("/PlanOut")
    submission_in = schema["components"]["schemas"]["SubmissionIn"]
    assert submission_in["additionalProperties"] is False


# -- the catalogue: bounds and ties are checked with file:line ---------------------------------


def _broken(tmp_path: Path, old: str, new: str) -> list[str]:
    copy = tmp_path / "catalog"
    shutil.copytree(MINIMAL, copy)
    path = copy / "catalog.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return [str(p) for p in read_catalog(copy).problems]


FIELD = "  - {key: name, label: 名称}\n"
QUESTION = ("      - key: big\n        text: 面积是否较大？\n        options:\n"
            "          - {key: \"yes\", label: 是, default: true}\n"
            "          - {key: \"no\", label: 否}\n")


@pytest.mark.parametrize(("old", "new", "problem"), [
    (FIELD, "  - {key: name, label: 名称, min: 1}\n",
     "catalog/catalog.yaml:16: 'min' applies only to fields of type number, not text"),
    (FIELD, "  - {key: name, label: 名称, type: number, min: 10, max: 1}\n",
     "catalog/catalog.yaml:16: 'max' (1) is below 'min' (10)"),
    (FIELD, "  - {key: name, label: 名称, type: number, decimals: 9}\n",
     "catalog/catalog.yaml:16: 'decimals' must be 0 to 6 (digits after the point; 0 for whole "
     "numbers)"),
    (FIELD, "  - {key: name, label: 名称, type: number, min: 0.5, decimals: 0}\n",
     "catalog/catalog.yaml:16: 'min' (0.5) has more than 0 decimal places"),
    (FIELD, "  - {key: name, label: 名称, type: number, max: .nan}\n",
     "catalog/catalog.yaml:16: 'max' must be a finite number"),
    (FIELD, "  - {key: name, label: 名称, type: number, max: 一百}\n",
     "catalog/catalog.yaml:16: 'max' must be a finite number"),
    (QUESTION, QUESTION.replace("options:", "field: nowhere\n        options:"),
     "catalog/catalog.yaml:45: bundle 'shop': question 'big': unknown field 'nowhere'"),
    (QUESTION, QUESTION.replace("options:", "field: name\n        options:"),
     "catalog/catalog.yaml:45: bundle 'shop': question 'big': field 'name' is of type text, "
     "not number"),
    (QUESTION, QUESTION.replace("default: true}", "default: true, at_least: 50}"),
     "catalog/catalog.yaml:43: bundle 'shop': question 'big': options yes give a range but "
     "the question names no 'field'"),
    (QUESTION, QUESTION.replace("label: 否}", "label: 否, at_least: 50, below: 10}"),
     "catalog/catalog.yaml:47: option 'no': 'below' (10) must be greater than 'at_least' (50)"),
])
def test_catalog_check_reports_bad_bounds_and_ties(tmp_path, old, new, problem):
    assert problem in _broken(tmp_path, old, new)


def test_a_tie_needs_a_range_on_every_option(tmp_path):
    problems = _broken(
        tmp_path, FIELD + "  - {key: shop_name, label: 店名}\n",
        FIELD + "  - {key: shop_name, label: 店名}\n"
        "  - {key: area, label: 面积, type: number, min: 1}\n")
    assert problems == []
    copy = tmp_path / "catalog" / "catalog.yaml"
    copy.write_text(copy.read_text(encoding="utf-8").replace(
        QUESTION, QUESTION.replace("options:", "field: area\n        options:")
        .replace("default: true}", "default: true, at_least: 50}")), encoding="utf-8")
    assert [str(p) for p in read_catalog(tmp_path / "catalog").problems] == [
        "catalog/catalog.yaml:46: bundle 'shop': question 'big': option 'no' needs 'at_least' "
        "or 'below' (the range of 'area' it stands for)"]


def test_onething_catalog_check_prints_the_problem(tmp_path):
    _broken(tmp_path, FIELD, "  - {key: name, label: 名称, type: number, min: 10, max: 1}\n")
    proc = subprocess.run([sys.executable, "-m", "onething", "catalog", "check",
                           str(tmp_path / "catalog")], capture_output=True, text=True, cwd=REPO,
                          timeout=60)
    assert proc.returncode != 0
    assert "catalog/catalog.yaml:16: 'max' (1) is below 'min' (10)" in proc.stderr


def test_the_shipped_number_fields_all_carry_bounds(shipped):
    numbers = {k: f for k, f in shipped.catalog.fields.items() if f.type == "number"}
    assert len(numbers) == 10
    for key, definition in numbers.items():
        assert definition.minimum is not None and definition.maximum is not None, key
        assert definition.decimals is not None, key
    area = shipped.catalog.fields["floor_area"]
    assert 0 < area.minimum < 1 and area.maximum == 100000
    question = shipped.catalog.bundles["restaurant"].question("floor_area")
    assert question.field == "floor_area"
    assert [(o.key, o.at_least, o.below) for o in question.options] == [
        ("under-50", None, 50), ("50-plus", 50, None)]
