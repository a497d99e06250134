"""The any-matter window applies for a single matter found by typing “居住证” (issue 15),
in a real browser under the site's Content-Security-Policy; and the axe audit of the
window's search page and the portal's matter page in Chinese, elder mode and English."""

from __future__ import annotations

import pytest

from onething.applications.models import Application, Case
from tests.browser.test_axe import DESKTOP
from tests.browser.test_restaurant_journey import sign_in_reviewer

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_window_applies_for_a_single_matter_found_by_typing(live_server, demo, new_page,
                                                                 files):
    base = live_server.url
    page = new_page(viewport=DESKTOP)
    sign_in_reviewer(page, base, "demo-clerk")
    page.goto(f"{base}/workbench/window/")
    search = page.get_by_label("申请人要办什么？")
    search.fill("居住证")
    search.press("Enter")  # the keyboard alone: no mouse, no script needed
    matters = page.locator("section[aria-labelledby=found-matters-heading]")
    matters.wait_for()
    assert matters.get_by_role("heading").inner_text() == "单个事项（单独申请）"
    matters.get_by_role("link", name="居住证办理").click()

    # The one question that decides its materials (renting: the tenancy registration).
    page.wait_for_url("**/workbench/window/matter-residence-permit-application/")
    assert page.locator("legend").all_inner_texts() == ["家庭在本区的住房情况是？"]
    page.get_by_label("租住").check()
    page.get_by_role("button", name="下一步：确认申请人").click()
    page.wait_for_url("**/workbench/window/matter-residence-permit-application/applicant/"
                      "?a_housing=rent")
    assert "本次办理 1 个事项：居住证办理（德州市公安局德城分局）" in page.inner_text("main")
    page.get_by_label("手机号码或居民身份证号码").fill(demo.applicant.mobile)
    page.get_by_role("button", name="查找").click()
    page.get_by_role("link", name=f"为{demo.applicant.display_name}办理").click()

    page.wait_for_url("**/form/?a_housing=rent&applicant=*")
    assert page.locator("h1").inner_text() == "居住证办理：一表申请"
    page.get_by_label("实际居住地址").fill("德城区新华路8号")
    page.get_by_label("工作单位").fill("德州市某某物流有限公司")
    inputs = page.locator("input[type=file]")
    assert inputs.count() == 5
    text = page.inner_text("main")
    assert "住房租赁合同及登记备案证明" in text and "不动产权证书" not in text
    for i in range(inputs.count()):
        inputs.nth(i).set_input_files(files(f"m{i}.pdf"))
    page.get_by_role("button", name="提交并打印收件回执").click()

    page.wait_for_url("**/workbench/applications/*/receipt/")
    application = Application.objects.get()
    assert application.bundle.single_matter.code == "residence-permit-application"
    case = Case.objects.get()
    assert (case.matter.code, case.department.code, case.status) == (
        "residence-permit-application", "dc-police", "submitted")
    assert application.answers == {"housing": "rent"}
    assert "rental-registration" in {m["key"] for m in application.plan["materials"]}
    text = page.inner_text("main")
    assert "收件回执" in text and application.tracking_number in text
    assert "居住证办理" in text and "一件事" not in text.replace("选择一件事或事项", "")


@pytest.mark.parametrize("cookies", [{}, {"onething_elder": "1"}, {"django_language": "en"}],
                         ids=["chinese", "elder-mode", "english"])
def test_window_search_and_matter_pages_pass_the_audit(live_server, demo, new_page, cookies):
    from tests.browser.test_axe import AXE, Audit

    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run scripts/ensure-axe.sh (make test does)")
    audit = Audit()
    base = live_server.url
    page = new_page(viewport=DESKTOP, bypass_csp=True)  # axe is injected as a script
    sign_in_reviewer(page, base, "demo-clerk")
    page.context.add_cookies([{"name": k, "value": v, "url": base} for k, v in cookies.items()])
    page.goto(f"{base}/workbench/window/")
    audit.check(page, "window: search")
    page.goto(f"{base}/workbench/window/?q=jzz")
    audit.check(page, "window: search results")
    page.goto(f"{base}/workbench/window/?q=zzzzqqq")
    audit.check(page, "window: nothing found")
    page.goto(f"{base}/workbench/window/matter-residence-permit-application/applicant/")
    audit.check(page, "window: single matter, the applicant")
    page.goto(f"{base}/workbench/window/matter-residence-permit-application/form/"
              f"?applicant={demo.applicant.pk}")
    audit.check(page, "window: single matter, the form")

    public = new_page(viewport=DESKTOP, bypass_csp=True)
    public.context.add_cookies([{"name": k, "value": v, "url": base}
                                for k, v in cookies.items()])
    public.goto(f"{base}/matters/residence-permit-application/")
    audit.check(public, "portal: matter page")
    public.goto(f"{base}/search/?q=jzz")
    audit.check(public, "portal: search with a matter")
    audit.assert_clean()
    assert audit.pages == 7
