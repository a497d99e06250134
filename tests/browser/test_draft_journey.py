"""Forms that keep work, in a real browser (issue 15): 开办餐饮店 with all 15 materials
attached; one validation error keeps every attachment; the draft is saved, the citizen
signs out and in again, resumes it from 我的申请 and submits — on a desktop and on a
390 px phone."""

import re

import pytest

from onething.applications.models import Application, ApplicationDraft, ProvidedMaterial
from tests.browser.test_restaurant_journey import sign_in_citizen
from tests.conftest import RESTAURANT_FORM

pytestmark = pytest.mark.django_db(transaction=True)

ANSWERS = {"sells_tobacco": "yes"}  # with tobacco retail: 15 materials to upload
COMMITMENT = "我已阅读上述承诺书，承诺所述内容真实，愿意承担不实承诺的法律责任"


def fill_form(page, plan, applicant, **overrides):
    for field in plan.fields:
        box = page.locator(f"[name='{field.key}']")
        if box.count() == 0 or not box.is_editable():
            continue  # known from the verified account
        value = overrides.get(field.key, RESTAURANT_FORM.get(field.key, ""))
        if field.key == "legal_representative_id_number":
            value = applicant.id_number
        if box.evaluate("e => e.tagName") == "SELECT":
            box.select_option(value)
        elif value:
            box.fill(value)


@pytest.mark.parametrize("width", [1280, 390], ids=["desktop", "phone"])
def test_an_error_keeps_15_attachments_and_a_draft_resumes_after_signing_in_again(
        live_server, loaded_catalog, demo, new_page, tmp_path, width):
    from onething.catalog.selectors import plan_bundle

    plan = plan_bundle("restaurant", ANSWERS)
    assert len(plan.materials) == 15
    base = live_server.url
    page = new_page(viewport={"width": width, "height": 900})
    sign_in_citizen(page, base, demo.applicant.mobile)
    page.goto(f"{base}/bundles/restaurant/apply/?sells_tobacco=yes")

    # Every field filled, but a floor area of 30 m² against the answer "50 m² or more".
    fill_form(page, plan, demo.applicant, floor_area="30")
    inputs = page.locator("input[type=file]")
    assert inputs.count() == 15
    for i, material in enumerate(plan.materials):
        path = tmp_path / f"{material.key}.pdf"
        path.write_bytes(b"%PDF-1.4 " + material.key.encode() + b"\n%%EOF\n")
        inputs.nth(i).set_input_files(str(path))
    page.get_by_label(COMMITMENT).check()
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_load_state()

    summary = page.locator(".error-summary")
    assert "应不小于 50" in summary.inner_text()
    # All 15 files are still attached, each listed with its own 移除 button.
    removes = page.get_by_role("button", name=re.compile("^移除"))
    assert removes.count() == 15
    text = page.locator("main").inner_text()
    for material in plan.materials:
        assert f"{material.key}.pdf" in text
    assert Application.objects.count() == 0
    draft = ApplicationDraft.objects.get()
    assert len(draft.materials) == 15
    if width == 390:  # nothing runs off a phone's screen
        assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # Fix the area, keep it as a draft, leave.
    page.locator("[name='floor_area']").fill("80")
    page.get_by_role("button", name="保存草稿").click()
    page.wait_for_url(re.compile(rf".*/apply/\?draft={draft.pk}$"))
    assert "草稿已保存" in page.locator("main").inner_text()
    menu = page.locator("header").get_by_text("菜单", exact=True)
    if menu.is_visible():  # on a phone the header's links are folded into 菜单
        menu.click()
    page.get_by_role("button", name="退出").click()
    page.wait_for_load_state()

    # Back again: 我的申请 lists the draft apart from submitted applications.
    sign_in_citizen(page, base, demo.applicant.mobile)
    page.goto(f"{base}/applications/")
    drafts = page.locator("section[aria-labelledby=drafts-heading]")
    assert "草稿（尚未提交）" in drafts.inner_text()
    drafts.get_by_role("link", name="继续填写：开办餐饮店一件事").click()
    page.wait_for_url(re.compile(rf".*/apply/\?draft={draft.pk}$"))
    assert page.locator("[name='floor_area']").input_value() == "80"
    assert page.get_by_role("button", name=re.compile("^移除")).count() == 15
    assert page.get_by_label(COMMITMENT).is_checked()
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_url(re.compile(r".*/applications/\d+/$"))
    assert "申请已提交" in page.locator("main").inner_text()

    application = Application.objects.get()
    kept = {m.material_key: m.upload_id
            for m in ProvidedMaterial.objects.filter(application=application)}
    assert kept == {key: ids[0] for key, ids in draft.materials.items()}
    assert application.form_data["floor_area"] == "80"
    assert not ApplicationDraft.objects.exists()
