"""The whole journey in a real browser: a citizen applies once for 开办餐饮店,
every department's reviewer accepts and approves in the workbench, dependent
cases start by themselves, and the citizen sees the application complete."""

import re

import pytest

from onething.accounts.demo import DEMO_PASSWORD
from onething.notifications.backends import MemorySmsBackend
from tests.conftest import RESTAURANT_FORM

pytestmark = pytest.mark.django_db(transaction=True)

DEPARTMENTS = ["dc-samr", "dc-health", "dc-fire", "dc-urban-management"]


def sign_in_citizen(page, base, mobile):
    page.goto(f"{base}/login/")
    page.get_by_label("手机号码").fill(mobile)
    page.get_by_role("button", name="获取验证码").click()
    sms = [text for number, text, _ in MemorySmsBackend.outbox if number == mobile]
    code = re.search(r"\d{6}", sms[-1]).group(0)
    page.get_by_label("短信验证码").fill(code)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/applications/**")


def sign_in_reviewer(page, base, username):
    page.goto(f"{base}/workbench/login/")
    page.fill("[name=username]", username)
    page.fill("[name=password]", DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/workbench/**")


def work_the_queue(page, base) -> int:
    """Accept, approve and conclude every case in this reviewer's queue."""
    done = 0
    while True:
        page.goto(f"{base}/workbench/queue/")
        links = page.locator("a[href*='/workbench/cases/']")
        if links.count() == 0:
            return done
        links.first.click()
        post_check = page.get_by_role("button", name="事后核查：承诺属实", exact=True)
        if post_check.count():  # 告知承诺: decided at release, checked afterwards
            post_check.click()
        else:
            page.get_by_role("button", name="受理", exact=True).click()
            page.get_by_role("button", name="准予", exact=True).click()
        page.get_by_role("button", name="办结", exact=True).click()
        assert "已办结" in page.locator("main").inner_text()
        done += 1


def test_apply_once_and_watch_every_department_decide(live_server, loaded_catalog, demo,
                                                      new_page, files):
    from onething.catalog.selectors import plan_bundle

    base = live_server.url
    citizen = new_page()
    sign_in_citizen(citizen, base, demo.applicant.mobile)

    citizen.goto(f"{base}/bundles/restaurant/")
    citizen.get_by_role("link", name="在线申请").click()
    citizen.wait_for_url("**/apply/**")
    plan = plan_bundle("restaurant")
    for field in plan.fields:
        box = citizen.locator(f"[name='{field.key}']")
        if box.count() == 0 or not box.is_editable():
            continue  # known from the verified account
        value = RESTAURANT_FORM.get(field.key, "")
        if field.key == "legal_representative_id_number":
            value = demo.applicant.id_number
        if box.evaluate("e => e.tagName") == "SELECT":
            box.select_option(value)
        elif value:
            box.fill(value)
    uploads = citizen.locator("input[type=file]")
    assert uploads.count() == len(plan.materials)
    for i in range(uploads.count()):
        uploads.nth(i).set_input_files(files(f"m{i}.pdf"))
    # 告知承诺: the 消防 check is decided on the commitment the applicant signs here.
    assert "三、不实承诺的法律责任" in citizen.locator(".commitment-text").inner_text()
    citizen.get_by_label("我已阅读上述承诺书，承诺所述内容真实，愿意承担不实承诺的法律责任").check()
    citizen.get_by_role("button", name="提交申请").click()
    citizen.wait_for_url(re.compile(r".*/applications/\d+/$"))
    page_text = citizen.locator("main").inner_text()
    # Every department's case is visible at once, side by side.
    for name in ("德城区市场监督管理局", "德城区卫生健康局", "德城区消防救援大队",
                 "德城区综合行政执法局"):
        assert name in page_text
    application_url = citizen.url

    # Reviewers decide; the business licence releases the dependent cases.
    for _round in range(2):
        for code in DEPARTMENTS:
            reviewer = new_page()
            sign_in_reviewer(reviewer, base, f"reviewer-{code}")
            work_the_queue(reviewer, base)
            reviewer.context.close()

    citizen.goto(application_url)
    status = citizen.locator("main").inner_text()
    assert "已办结" in status
    assert re.search(r"BL-\d{8}-[0-9A-Z]{8}", status)  # the signed business-licence number
