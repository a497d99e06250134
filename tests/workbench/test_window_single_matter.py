"""The any-matter window (无差别受理) finds any matter or bundle by name, pinyin or
initials and takes in a single matter on its own (单独申请) through the same pipeline."""

from __future__ import annotations

import datetime as dt
import io
import re
import zoneinfo

import pytest
import time_machine
from django.urls import reverse

from onething.accounts.models import User
from onething.applications.models import Application, Case
from onething.applications.services import transition_case
from onething.catalog.selectors import plan_bundle
from tests.conftest import PDF

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
CODE = "residence-permit-application"
SLUG = "matter-residence-permit-application"
MATTER_LINK = f'<a href="/workbench/window/?matter={CODE}">'
# Monday 2 March 2026, 10:00 in Shanghai: 7 working days → Wednesday 11 March.
MONDAY = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)
RESIDENCE_FORM = {"home_address": "德城区新华路8号", "work_unit": "德州市某某物流有限公司"}


def section(page: str, heading_id: str) -> str:
    match = re.search(rf'<section aria-labelledby="{heading_id}">(.*?)</section>', page, re.S)
    return match.group(1) if match else ""


@pytest.mark.parametrize("query", ["居住证", "juzhuzheng", "jzz", "JZZ", "居住證"])
def test_the_window_finds_the_residence_permit_by_name_pinyin_and_initials(client, demo, query):
    client.force_login(demo.clerk)
    page = client.get(reverse("workbench:window"), {"q": query}).content.decode()
    matters = section(page, "found-matters-heading")
    assert MATTER_LINK in matters
    department = '<span class="muted">承办部门：德州市公安局德城分局</span>'
    assert f"{MATTER_LINK}居住证办理</a> {department}" in matters
    # The search box keeps what was typed; results are links (keyboard and no JS).
    assert f'value="{query}"' in page


def test_results_are_grouped_into_bundles_and_single_matters(client, demo):
    client.force_login(demo.clerk)
    page = client.get(reverse("workbench:window"), {"q": "居住证"}).content.decode()
    bundles = section(page, "found-bundles-heading")
    matters = section(page, "found-matters-heading")
    # 居住证 is asked about in 义务教育入学 (a situation and an optional member) …
    assert '<a href="/workbench/window/?bundle=school-enrollment">' in bundles
    # … and applied for on its own as a single matter; no single matter among the bundles.
    assert "?matter=" not in bundles and "?bundle=" not in matters
    assert f"{MATTER_LINK}居住证办理</a>" in matters
    nothing = client.get(reverse("workbench:window"), {"q": "zzzzqqq"}).content.decode()
    assert "没有找到与“zzzzqqq”相关的一件事或事项" in nothing


OWNED = ["id-card", "id-photo", "residence-permit-form", "real-estate-certificate",
         "employment-proof"]
RENTED = ["id-card", "id-photo", "residence-permit-form", "rental-registration",
          "employment-proof"]


def test_choosing_a_matter_asks_only_the_questions_that_decide_its_materials(client, demo):
    client.force_login(demo.clerk)
    response = client.get(reverse("workbench:window"), {"matter": CODE})
    questions_url = reverse("workbench:window-questions", args=[SLUG])
    applicant_url = reverse("workbench:window-applicant", args=[SLUG])
    assert response.status_code == 302 and response["Location"] == questions_url
    # 居住证 alone asks the school bundle's housing question (it decides the tenancy
    # registration), none of the school's own (stage, household registration …).
    page = client.get(questions_url).content.decode()
    assert re.findall(r"<legend>(.*?)</legend>", page) == ["家庭在本区的住房情况是？"]
    assert 'name="a_housing" id="housing-own" value="own" checked' in page
    assert 'name="a_housing" id="housing-rent" value="rent">' in page
    page = client.get(applicant_url, {"a_housing": "rent"}).content.decode()
    assert "<title>居住证办理 · 确认申请人" in page
    assert "本次办理 1 个事项：居住证办理（德州市公安局德城分局）" in page
    assert f'<a href="{questions_url}?a_housing=rent">修改情形</a>' in page
    # A matter whose materials no answer changes still skips the questions.
    plain = "unnatural-death-proof"
    response = client.get(reverse("workbench:window"), {"matter": plain})
    plain_applicant = reverse("workbench:window-applicant", args=[f"matter-{plain}"])
    assert response["Location"] == plain_applicant
    questions = client.get(reverse("workbench:window-questions", args=[f"matter-{plain}"]))
    assert questions["Location"] == plain_applicant
    assert "重新选择要办的事" in client.get(plain_applicant).content.decode()
    # An unknown matter, or a single matter passed off as a bundle, is not chosen.
    page = client.get(
        reverse("workbench:window"), {"matter": "no-such-matter"}, follow=True
    ).content.decode()
    assert "这个事项不能单独申请" in page
    page = client.get(reverse("workbench:window"), {"bundle": SLUG}, follow=True).content.decode()
    assert "请选择一件事。" in page


@time_machine.travel(MONDAY, tick=False)
def test_a_renting_applicant_gives_the_tenancy_registration_at_the_window(client, demo):
    assert [m.key for m in plan_bundle(SLUG, {}).materials] == OWNED
    assert [m.key for m in plan_bundle(SLUG, {"housing": "own"}).materials] == OWNED
    plan = plan_bundle(SLUG, {"housing": "rent"})
    assert [m.key for m in plan.materials] == RENTED
    client.force_login(demo.clerk)
    form_url = (reverse("workbench:window-form", args=[SLUG])
                + f"?a_housing=rent&applicant={demo.applicant.pk}")
    page = client.get(form_url).content.decode()
    assert re.findall(r'type="file" name="file-([a-z-]+)"', page) == RENTED
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page).group(1)
    response = client.post(form_url, window_post(plan, key))
    assert response.status_code == 302, response.content.decode()[:3000]
    application = Application.objects.get()
    assert application.answers == {"housing": "rent"}
    assert [m["key"] for m in application.plan["materials"]] == RENTED
    assert sorted(application.materials.values_list("material_key", flat=True)) == sorted(RENTED)


def window_post(plan, key):
    data = {f.key: RESIDENCE_FORM.get(f.key, "") for f in plan.fields}
    data["idempotency_key"] = key
    for material in plan.materials:
        upload = io.BytesIO(PDF)
        upload.name = f"{material.key}.pdf"
        data[f"file-{material.key}"] = upload
    return data


@time_machine.travel(MONDAY, tick=False)
def test_a_single_matter_taken_in_at_the_window_makes_one_case(client, demo):
    client.force_login(demo.clerk)
    form_url = reverse("workbench:window-form", args=[SLUG]) + f"?applicant={demo.applicant.pk}"
    page = client.get(form_url).content.decode()
    assert "<h1>居住证办理：一表申请</h1>" in page
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page).group(1)
    plan = plan_bundle(SLUG, {})
    assert [m.code for m in plan.matters] == [CODE]
    assert [m.key for m in plan.materials] == [
        "id-card",
        "id-photo",
        "residence-permit-form",
        "real-estate-certificate",
        "employment-proof",
    ]
    assert page.count('type="file"') == 5

    response = client.post(form_url, window_post(plan, key))
    assert response.status_code == 302, response.content.decode()[:3000]
    application = Application.objects.get()
    assert application.bundle.slug == SLUG and application.bundle.single_matter.code == CODE
    assert application.channel == "window" and application.applicant == demo.applicant
    case = Case.objects.get()
    assert case.application == application and case.matter.code == CODE
    assert case.department.code == "dc-police" and case.status == "submitted"
    assert (case.promised_unit, case.promised_days) == ("working_days", 7)
    assert (case.statutory_unit, case.statutory_days) == ("days", 15)
    assert application.plan["bundle_name"] == "居住证办理"
    assert application.plan["matters"][0]["due"] == "2026-03-11"

    # The receipt: titled by the matter, due in 7 working days.
    receipt = client.get(response["Location"]).content.decode()
    assert "<dd>居住证办理</dd>" in receipt and "一件事</dd>" not in receipt
    assert '<td data-label="预计办结">2026年3月11日（预计）</td>' in receipt

    # Accepted the same day, the case is due 11 March (promised) and 17 March (15 days).
    reviewer = User.objects.get(username="reviewer-dc-police")
    client.force_login(reviewer)
    page = client.get(reverse("workbench:case", args=[case.pk])).content.decode()
    assert "<div><dt>单独申请的事项</dt><dd>居住证办理</dd></div>" in page
    transition_case(case.pk, "accept", actor=reviewer)
    case.refresh_from_db()
    assert case.promised_due_date == dt.date(2026, 3, 11)
    assert case.statutory_due_date == dt.date(2026, 3, 17)
