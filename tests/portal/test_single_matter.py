"""单独申请 on the portal and through the API: a matter applied for on its own goes
through its implicit one-matter bundle — one application, one case, titled by the matter."""

from __future__ import annotations

import datetime as dt
import json
import re
import zoneinfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from onething.accounts.services import issue_api_token
from onething.applications.models import Application, Case
from onething.catalog.models import Matter
from onething.catalog.selectors import plan_bundle
from tests.english import catalogue_data, chinese_left, english

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
CODE = "residence-permit-application"
SLUG = "matter-residence-permit-application"
MONDAY = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)
FORM = {"home_address": "德城区新华路8号", "work_unit": "德州市某某物流有限公司"}
PDF = b"%PDF-1.4 test file\n%%EOF\n"


def test_the_matter_page_offers_to_apply_on_its_own(client, demo):
    page = client.get(f"/matters/{CODE}/").content.decode()
    assert "<h1>居住证办理</h1>" in page
    assert f'<a class="button" href="/bundles/{SLUG}/apply/?housing=own">单独申请</a>' in page
    assert "德州市公安局德城分局" in page
    # It is also part of the school enrolment bundle, linked from here.
    assert '<a href="/bundles/school-enrollment/">' in page
    # The implicit bundle's own page is the matter page; it is no 一件事 of the list.
    response = client.get(f"/bundles/{SLUG}/")
    assert response.status_code == 302 and response["Location"] == f"/matters/{CODE}/"
    home = client.get("/").content.decode()
    assert "/bundles/matter-" not in home and "/bundles/restaurant/" in home
    assert client.get("/matters/no-such-matter/").status_code == 404
    # In English: the interface is English, the catalogue's content is data.
    english(client)
    page = client.get(f"/matters/{CODE}/")
    html = page.content.decode()
    texts = Matter.objects.filter(code=CODE).values_list("description", flat=True).get()
    data = catalogue_data() | {texts.strip()}
    assert page["Content-Language"] == "en" and chinese_left(html, data) == []
    assert (f'<a class="button" href="/bundles/{SLUG}/apply/?housing=own">Apply on its own</a>'
            in html)
    client.cookies.pop("django_language", None)
    api = client.get("/api/v1/bundles").json()
    assert len(api) == 19 and not any(b["slug"].startswith("matter-") for b in api)


@time_machine.travel(MONDAY, tick=False)
def test_an_applicant_applies_for_a_single_matter_online(client, demo):
    client.force_login(demo.applicant)
    url = f"/bundles/{SLUG}/apply/"
    form = client.get(url).content.decode()
    assert "<h1>单独申请：居住证办理</h1>" in form
    plan = plan_bundle(SLUG, {})
    data = {f.key: FORM.get(f.key, "") for f in plan.fields}
    data["idempotency_key"] = "single-1"
    for m in plan.materials:
        data[f"material-{m.key}"] = SimpleUploadedFile(f"{m.key}.pdf", PDF,
                                                       content_type="application/pdf")
    response = client.post(url, {k: v for k, v in data.items() if v != ""})
    assert response.status_code == 302, response.content.decode()[:2000]
    application = Application.objects.get()
    assert application.channel == "portal" and application.bundle.single_matter.code == CODE
    case = Case.objects.get()
    assert (case.matter.code, case.department.code, case.status) == (
        CODE, "dc-police", "submitted")
    assert application.plan["matters"][0]["due"] == "2026-03-11"
    # 我的申请 and the application page read the matter's name, not “…一件事”.
    mine = client.get("/applications/").content.decode()
    assert '<td data-label="办理事项">居住证办理</td>' in mine and "居住证办理一件事" not in mine
    detail = client.get(response["Location"]).content.decode()
    assert "<h1>居住证办理</h1>" in detail


@time_machine.travel(MONDAY, tick=False)
def test_the_api_takes_a_matter_code(client, demo):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {issue_api_token(demo.applicant, label='t')}"}
    plan = client.get(f"/api/v1/bundles/{SLUG}/plan").json()
    assert [m["code"] for m in plan["matters"]] == [CODE]
    materials = {}
    for m in plan["materials"]:
        upload = client.post("/api/v1/uploads", {"file": SimpleUploadedFile("a.pdf", PDF)},
                             **headers)
        materials[m["key"]] = upload.json()["id"]
    body = {"matter": CODE, "form_data": FORM, "materials": materials}

    def post(payload):
        return client.post("/api/v1/applications", json.dumps(payload),
                           content_type="application/json", **headers)

    neither = post({k: v for k, v in body.items() if k != "matter"})
    assert neither.status_code == 400 and neither.json()["errors"] == {
        "bundle": "required (or matter)"}
    both = post({**body, "bundle": "restaurant"})
    assert both.status_code == 400 and both.json()["errors"] == {
        "matter": "give either bundle or matter"}
    unknown = post({**body, "matter": "no-such-matter"})
    assert unknown.status_code == 404 and unknown.json()["code"] == "not_found"
    response = post(body)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["bundle"] == {"slug": SLUG, "name": "居住证办理", "single_matter": CODE}
    assert [c["matter"] for c in data["cases"]] == [{"code": CODE, "name": "居住证办理"}]
    assert Case.objects.get().department.code == "dc-police"


def test_the_matter_page_links_to_booking_where_a_hall_category_serves_it(client, halls):
    """居住证 (公安) is served by the county centre's E 户政出入境, which takes appointments:
    the page links to booking there, the category chosen; a matter no category serves
    (生育登记, 卫健) has no such link, nor one whose category stops taking appointments."""
    police = halls.county.categories.get(letter="E")
    link = (f'<a href="/halls/{halls.county.pk}/appointments/?category={police.pk}">'
            "网上预约：德城区政务服务中心 E 户政出入境</a>")
    page = client.get(f"/matters/{CODE}/").content.decode()
    assert link in page
    assert page.count("/appointments/?category=") == 1
    assert '<h2 id="booking-heading">预约到大厅办理</h2>' in page
    other = client.get("/matters/fertility-registration/").content.decode()
    assert "booking-heading" not in other and "/appointments/" not in other.split(
        "<main")[1].split("</main>")[0]
    english(client)
    html = client.get(f"/matters/{CODE}/").content.decode()
    assert (f'<a href="/halls/{halls.county.pk}/appointments/?category={police.pk}">'
            "Book online: 德城区政务服务中心 E 户政出入境</a>") in html
    texts = Matter.objects.filter(code=CODE).values_list("description", "maintainer_note").get()
    data = catalogue_data() | {t.strip() for t in texts} | {"德城区政务服务中心", "户政出入境"}
    assert chinese_left(html, data) == []
    client.cookies.pop("django_language", None)
    police.bookable = False
    police.save()
    assert "/appointments/?category=" not in client.get(f"/matters/{CODE}/").content.decode()
OWNED = ["id-card", "id-photo", "residence-permit-form", "real-estate-certificate",
         "employment-proof"]
RENTED = ["id-card", "id-photo", "residence-permit-form", "rental-registration",
          "employment-proof"]


def test_the_matter_page_asks_about_renting_and_lists_the_tenancy_registration(client, demo):
    """居住证 alone: the housing question of the school bundle decides its materials."""
    page = client.get(f"/matters/{CODE}/").content.decode()
    assert re.findall(r"<legend>(.*?)</legend>", page) == ["家庭在本区的住房情况是？"]
    assert 'name="housing" id="housing-own" value="own" checked' in page
    renting = client.get(f"/matters/{CODE}/", {"housing": "rent"}).content.decode()
    assert 'name="housing" id="housing-rent" value="rent" checked' in renting
    assert f'<a class="button" href="/bundles/{SLUG}/apply/?housing=rent">单独申请</a>' in renting
    assert "住房租赁合同及登记备案证明" in renting
    assert "住房租赁合同及登记备案证明" not in page
    assert "不动产权证书（房屋所有权证）" in page and "不动产权证书（房屋所有权证）" not in renting
    wrong = client.get(f"/matters/{CODE}/", {"housing": "castle"})
    assert wrong.status_code == 200 and "回答有误，已按常见情形显示" in wrong.content.decode()
    # The implicit bundle's page passes the answers on to the matter page.
    response = client.get(f"/bundles/{SLUG}/", {"housing": "rent"})
    assert response["Location"] == f"/matters/{CODE}/?housing=rent"


@time_machine.travel(MONDAY, tick=False)
def test_a_renting_applicant_applies_online_with_the_tenancy_registration(client, demo):
    client.force_login(demo.applicant)
    url = f"/bundles/{SLUG}/apply/"
    owned = client.get(url).content.decode()
    assert re.findall(r'type="file" id="material-([a-z-]+)"', owned) == OWNED
    form = client.get(url, {"housing": "rent"}).content.decode()
    assert re.findall(r'type="file" id="material-([a-z-]+)"', form) == RENTED
    assert '<input type="hidden" name="answer-housing" value="rent">' in form
    assert "<dt>家庭在本区的住房情况是？</dt><dd>租住</dd>" in form
    plan = plan_bundle(SLUG, {"housing": "rent"})
    data = {f.key: FORM.get(f.key, "") for f in plan.fields}
    data["idempotency_key"] = "single-rent"
    data["answer-housing"] = "rent"
    for m in plan.materials:
        data[f"material-{m.key}"] = SimpleUploadedFile(f"{m.key}.pdf", PDF,
                                                       content_type="application/pdf")
    response = client.post(url, {k: v for k, v in data.items() if v != ""})
    assert response.status_code == 302, response.content.decode()[:2000]
    application = Application.objects.get()
    assert application.answers == {"housing": "rent"}
    assert [m["key"] for m in application.plan["materials"]] == RENTED


@time_machine.travel(MONDAY, tick=False)
def test_the_api_plans_and_takes_a_single_matter_with_its_answers(client, demo):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {issue_api_token(demo.applicant, label='t')}"}
    plan = client.get(f"/api/v1/bundles/{SLUG}/plan", {"answer": "housing=rent"}).json()
    assert [m["key"] for m in plan["materials"]] == RENTED
    default = client.get(f"/api/v1/bundles/{SLUG}/plan").json()
    assert [m["key"] for m in default["materials"]] == OWNED
    materials = {}
    for key in RENTED:
        upload = client.post("/api/v1/uploads", {"file": SimpleUploadedFile("a.pdf", PDF)},
                             **headers)
        materials[key] = upload.json()["id"]

    def post(payload):
        return client.post("/api/v1/applications", json.dumps(payload),
                           content_type="application/json", **headers)

    # Without the answer the tenancy registration is no material of the plan (and the
    # title certificate is missing).
    owned = post({"matter": CODE, "form_data": FORM, "materials": materials,
                  "idempotency_key": "k-1"})
    assert owned.status_code == 400
    assert "materials.real-estate-certificate" in owned.json()["errors"]
    response = post({"matter": CODE, "answers": {"housing": "rent"}, "form_data": FORM,
                     "materials": materials, "idempotency_key": "k-2"})
    assert response.status_code == 201, response.content
    application = Application.objects.get()
    assert application.answers == {"housing": "rent"}
    assert [m["key"] for m in application.plan["materials"]] == RENTED
