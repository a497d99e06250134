"""The API in the reader's language: Accept-Language (zh-Hans by default, or en) and
the ``lang`` query parameter; Content-Language says which (onething/api/language.py)."""

from __future__ import annotations

import pytest

from onething.accounts.services import issue_api_token
from onething.api.language import english_part
from onething.applications.choices import Channel
from onething.applications.services import submit_application
from tests.conftest import restaurant_submission

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.api.urls")]

API = "/api/v1"


def restaurant(response) -> dict:
    return next(b for b in response.json() if b["slug"] == "restaurant")


def test_the_bundles_in_chinese_by_default_and_in_english_when_asked(client, loaded_catalog):
    chinese = client.get(f"{API}/bundles")
    assert chinese["Content-Language"] == "zh-Hans"
    assert "Accept-Language" in chinese["Vary"]
    assert restaurant(chinese)["name"] == "开办餐饮店"
    english = client.get(f"{API}/bundles", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    assert english["Content-Language"] == "en"
    assert restaurant(english)["name"] == "Opening a restaurant"
    assert restaurant(english)["category"] == "enterprise"  # values stay as they are
    # Chinese asked for explicitly, and preferred by q-value.
    for header in ("zh-Hans", "zh-CN,en;q=0.5", "en;q=0.3, zh-cn;q=0.8"):
        answer = client.get(f"{API}/bundles", HTTP_ACCEPT_LANGUAGE=header)
        assert (answer["Content-Language"], restaurant(answer)["name"]) == (
            "zh-Hans",
            "开办餐饮店",
        ), header


def test_lang_overrides_the_header(client, loaded_catalog):
    english = client.get(f"{API}/bundles?lang=en", HTTP_ACCEPT_LANGUAGE="zh-Hans")
    assert (english["Content-Language"], restaurant(english)["name"]) == (
        "en",
        "Opening a restaurant",
    )
    chinese = client.get(f"{API}/bundles?lang=zh-Hans", HTTP_ACCEPT_LANGUAGE="en")
    assert (chinese["Content-Language"], restaurant(chinese)["name"]) == ("zh-Hans", "开办餐饮店")


@pytest.mark.parametrize(
    "header, query",
    [
        ("fr-FR,de;q=0.8", ""),
        ("", "?lang=fr"),
        ("en", "?lang=klingon"),
        ("*", ""),
        ("en;q=0", ""),
        ("x" * 600, ""),
        ("", "?lang="),
    ],
)
def test_an_unknown_language_is_chinese(client, loaded_catalog, header, query):
    answer = client.get(f"{API}/bundles{query}", HTTP_ACCEPT_LANGUAGE=header)
    assert answer.status_code == 200
    assert (answer["Content-Language"], restaurant(answer)["name"]) == ("zh-Hans", "开办餐饮店")


def test_the_plan_names_catalogue_texts_in_the_language(client, loaded_catalog):
    chinese = client.get(f"{API}/bundles/restaurant/plan").json()
    english = client.get(f"{API}/bundles/restaurant/plan", {"lang": "en"}).json()
    assert (chinese["bundle_name"], english["bundle_name"]) == (
        "开办餐饮店",
        "Opening a restaurant",
    )
    zh_matter, en_matter = chinese["matters"][0], english["matters"][0]
    assert (zh_matter["code"], en_matter["code"]) == ("business-registration",) * 2
    assert zh_matter["name"] == "经营主体设立登记（营业执照）"
    assert en_matter["name"] == "Business establishment registration (business licence)"
    assert (zh_matter["department_name"], en_matter["department_name"]) == (
        "德城区市场监督管理局",
        "Decheng District Administration for Market Regulation",
    )
    assert (zh_matter["promised_limit"], en_matter["promised_limit"]) == (
        "1个工作日",
        "1 working day",
    )
    zh_field = next(f for f in chinese["fields"] if f["key"] == "entity_type")
    en_field = next(f for f in english["fields"] if f["key"] == "entity_type")
    assert (zh_field["label"], en_field["label"]) == ("主体类型", "Type of business")
    # The accepted values stay Chinese; the labels show them.
    assert (
        zh_field["choices"]
        == en_field["choices"]
        == ["有限责任公司", "个人独资企业", "合伙企业", "个体工商户"]
    )
    assert zh_field["choice_labels"] == zh_field["choices"]
    assert en_field["choice_labels"] == [
        "Limited liability company",
        "Sole proprietorship",
        "Partnership",
        "Individual business",
    ]
    zh_material = next(m for m in chinese["materials"] if m["key"] == "registration-application")
    en_material = next(m for m in english["materials"] if m["key"] == "registration-application")
    assert (zh_material["name"], en_material["name"]) == (
        "经营主体登记申请书",
        "Business registration application",
    )


def test_error_messages_in_each_language(client, loaded_catalog):
    chinese = client.get(f"{API}/bundles/nope/plan")
    assert chinese.status_code == 404 and chinese["Content-Language"] == "zh-Hans"
    assert chinese.json()["message"] == "没有名为 nope 的一件事 (unknown bundle)"
    english = client.get(f"{API}/bundles/nope/plan", HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 404 and english["Content-Language"] == "en"
    assert english.json() == {"code": "not_found", "message": "unknown bundle", "errors": {}}
    # A path that is no endpoint, a wrong method, a missing token.
    assert client.get(f"{API}/nope?lang=en").json()["message"] == "not found"
    assert client.get(f"{API}/nope").json()["message"] == "未找到，或您无权查看 (not found)"
    wrong = client.delete(f"{API}/bundles?lang=en")
    assert (wrong.status_code, wrong.json()["message"]) == (405, "method not allowed; use GET")
    unauthorized = client.get(f"{API}/applications?lang=en")
    assert (unauthorized.status_code, unauthorized["Content-Language"]) == (401, "en")
    assert unauthorized.json()["message"] == "missing or invalid bearer token"
    assert client.get(f"{API}/applications").json()["message"] == (
        "请提供有效的接口令牌 (missing or invalid bearer token)"
    )
    # Per-field errors too.
    bad = client.get(f"{API}/bundles/restaurant/plan", {"answers": "[1]", "lang": "en"})
    assert bad.json() == {
        "code": "invalid_answers",
        "message": "must be an object",
        "errors": {"answers": "must be a JSON object"},
    }


def test_statuses_and_names_of_an_application_in_the_language(client, demo):
    application = submit_application(
        restaurant_submission(demo.applicant),
        actor=demo.applicant,
        applicant=demo.applicant,
        channel=Channel.PORTAL,
    )
    headers = {"HTTP_AUTHORIZATION": f"Bearer {issue_api_token(demo.applicant, label='t')}"}
    url = f"{API}/applications/{application.pk}"
    chinese = client.get(url, **headers).json()
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en", **headers).json()
    assert (chinese["status"], english["status"]) == ("in_progress", "in_progress")
    assert (chinese["status_label"], english["status_label"]) == ("办理中", "In progress")
    assert (chinese["bundle"]["name"], english["bundle"]["name"]) == (
        "开办餐饮店",
        "Opening a restaurant",
    )
    zh_case = next(c for c in chinese["cases"] if c["matter"]["code"] == "business-registration")
    en_case = next(c for c in english["cases"] if c["matter"]["code"] == "business-registration")
    assert (zh_case["status_label"], en_case["status_label"]) == ("待受理", "Awaiting acceptance")
    assert en_case["matter"]["name"] == "Business establishment registration (business licence)"
    assert (zh_case["department"]["name"], en_case["department"]["name"]) == (
        "德城区市场监督管理局",
        "Decheng District Administration for Market Regulation",
    )


def test_the_english_of_a_bilingual_message():
    assert english_part("未找到，或您无权查看 (not found)") == "not found"
    assert english_part("不支持此请求方法 (method not allowed; use GET (or HEAD))") == (
        "method not allowed; use GET (or HEAD)"
    )
    # Not the "中文 (English)" form: no English part.
    assert english_part("请求无效") == ""
    assert english_part("invalid (really)") == ""
    assert english_part("证照（副本）") == ""
    assert english_part("名称 (含 中文)") == ""


def test_the_openapi_document_names_the_language_parameters(client):
    document = client.get(f"{API}/openapi.json").json()
    assert "Accept-Language" in document["info"]["description"]
    for path in (
        "/api/v1/bundles",
        "/api/v1/bundles/{slug}/plan",
        "/api/v1/applications/{application_id}",
    ):
        operation = document["paths"][path]["get"]
        names = {(p["name"], p["in"]) for p in operation["parameters"]}
        assert {("lang", "query"), ("Accept-Language", "header")} <= names, path
        assert next(p for p in operation["parameters"] if p["name"] == "lang")["schema"][
            "enum"
        ] == ["zh-Hans", "en"]
        assert all("Content-Language" in r["headers"] for r in operation["responses"].values())
    field = document["components"]["schemas"]["PlanFieldOut"]["properties"]
    assert "choice_labels" in field


@pytest.mark.urls("onething.urls")  # the delivery summary links the portal's pages
def test_the_delivery_method_in_the_language(client, demo):
    application = submit_application(
        restaurant_submission(demo.applicant),
        actor=demo.applicant,
        applicant=demo.applicant,
        channel=Channel.PORTAL,
    )
    headers = {"HTTP_AUTHORIZATION": f"Bearer {issue_api_token(demo.applicant, label='t')}"}
    url = f"{API}/applications/{application.pk}/delivery"
    chinese = client.get(url, **headers).json()
    english = client.get(url, {"lang": "en"}, **headers).json()
    assert (chinese["method"], english["method"]) == ("pickup", "pickup")
    assert (chinese["method_label"], english["method_label"]) == ("窗口领取", "Collect at a window")
