"""The 审批样板间 pages in a real browser: answers change the plan without JavaScript."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_choosing_answers_changes_the_plan(live_server, loaded_catalog, new_page):
    page = new_page()
    page.goto(f"{live_server.url}/")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    page.get_by_role("link", name="开办餐饮店").first.click()
    assert page.get_by_role("heading", name="开办餐饮店一件事").is_visible()
    assert page.get_by_text("经营主体设立登记（营业执照）").first.is_visible()
    page.get_by_label("已有营业执照").check()
    page.get_by_role("button", name="按我的情况生成清单").click()
    page.wait_for_url("**has_business_licence=yes**")
    assert page.get_by_label("已有营业执照").is_checked()
    assert page.locator("th", has_text="经营主体设立登记（营业执照）").count() == 0
