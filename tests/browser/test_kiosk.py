"""The kiosk in headless Chromium: a 无犯罪记录证明 in seconds, verified
through its QR link; a minute without a touch signs the resident out."""

import re
import time

import pytest
import segno

from onething.notifications.backends import MemorySmsBackend
from onething.registers.demo import load_demo_registers

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in(page, base, person):
    page.goto(f"{base}/kiosk/")
    page.get_by_role("link", name="开始办理").click()
    page.get_by_label("居民身份证号码（18位）").fill("")
    # Type on the on-screen keypad, as at a touch screen.
    pad = page.get_by_role("group", name="屏幕数字键盘")
    for char in person.id_number:
        pad.get_by_role("button", name=char, exact=True).click()
    assert page.get_by_label("居民身份证号码（18位）").input_value() == person.id_number
    page.get_by_role("button", name="获取短信验证码").click()
    page.wait_for_url("**/kiosk/code/")
    code = re.search(r"\d{6}", MemorySmsBackend.outbox[-1][1]).group(0)
    page.get_by_label("6 位短信验证码").fill(code)
    page.get_by_role("button", name="确认").click()
    page.wait_for_url("**/kiosk/menu/")


def test_certificate_at_the_kiosk_in_seconds_and_verified_by_qr(live_server, demo, new_page):
    load_demo_registers()
    base = live_server.url
    page = new_page(viewport={"width": 1080, "height": 1920})
    sign_in(page, base, demo.applicant)
    page.get_by_role("link", name=re.compile("开具无犯罪记录证明")).click()
    assert page.locator("input[type=file]").count() == 0
    page.get_by_label("就业").check()
    started = time.monotonic()
    page.get_by_role("button", name="确认并开具").click()
    page.get_by_role("heading", name="第三步：证明已出具").wait_for()
    elapsed = time.monotonic() - started
    assert elapsed < 10, elapsed  # “不到10秒钟，证明就出来了”
    main = page.locator("main").inner_text()
    number = re.search(r"编号 ([0-9A-Z-]+)", main).group(1)
    link = page.locator(".qr a")
    url = link.get_attribute("href")
    assert url == f"{base}/verify/{number}/"
    # The QR on the screen encodes exactly that address.
    shown = page.locator(".qr svg")
    assert shown.count() == 1
    expected = segno.make(url, error="m").svg_inline(scale=5, title="扫码核验证明真伪")
    assert re.search(r'd="([^"]+)"', shown.evaluate("e => e.outerHTML")).group(1) == \
        re.search(r'd="([^"]+)"', expected).group(1)
    assert page.get_by_role("button", name="打印证明").is_visible()
    # Signed out already: the menu sends back to the start.
    page.goto(f"{base}/kiosk/menu/")
    assert page.url == f"{base}/kiosk/"
    link_page = new_page()
    link_page.goto(url)
    assert "有效" in link_page.locator("main").inner_text()


def test_idle_kiosk_signs_out_by_itself(live_server, demo, new_page, settings):
    settings.ONETHING_KIOSK_IDLE_SECONDS = 3
    base = live_server.url
    page = new_page()
    sign_in(page, base, demo.applicant)
    page.get_by_role("status").filter(has_text="秒后自动退出").wait_for(timeout=5_000)
    page.wait_for_url(f"{base}/kiosk/?timeout=1", timeout=8_000)
    assert "已自动退出" in page.locator("main").inner_text()
    page.goto(f"{base}/kiosk/menu/")
    assert page.url == f"{base}/kiosk/"


def test_payment_needs_a_confirmation_and_the_next_task_signs_in_again(live_server, demo,
                                                                       new_page):
    """A phone-sized screen: the due, then what will be charged (amount, payer, method,
    the 沙箱 label), and only 确认支付 charges. The automatic sign-out after it does not
    hold the next task back: a fresh code comes at once."""
    from onething.payments.backends import SandboxPaymentBackend
    from onething.payments.models import Payment

    SandboxPaymentBackend.charges.clear()
    load_demo_registers()
    base = live_server.url
    page = new_page(viewport={"width": 390, "height": 844})
    sign_in(page, base, demo.applicant)
    page.get_by_role("link", name=re.compile("缴纳城乡居民社保费")).click()
    assert page.locator(".sandbox-label").inner_text().startswith("沙箱")
    page.get_by_role("button", name=re.compile("^缴费")).click()
    page.get_by_role("heading", name="请核对缴费信息").wait_for()
    details = re.sub(r"\s+", " ", page.locator(".certificate dl").inner_text())
    assert "张小明" in details and demo.applicant.id_number not in details
    assert "沙箱支付（模拟，不扣款）" in details and "400.00 元" in details
    assert page.locator(".sandbox-label").is_visible()
    assert Payment.objects.count() == 0  # nothing charged on the first tap
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_role("button", name="确认支付 400.00 元").click()
    page.get_by_role("heading", name="第三步：缴费成功").wait_for()
    payment = Payment.objects.get()
    assert payment.amount_fen == 40000 and payment.succeeded
    assert payment.transaction_id in page.locator("main").inner_text()
    page.get_by_role("button", name="完成，回到首页").click()
    page.wait_for_url(f"{base}/kiosk/?done=1")
    sent = len(MemorySmsBackend.outbox)
    sign_in(page, base, demo.applicant)  # seconds later, no minute to wait
    assert len(MemorySmsBackend.outbox) == sent + 1


def test_asking_again_keeps_the_code_already_sent(live_server, demo, new_page):
    """Back to the ID number within the resend minute: the code screen says a code is on
    its way and takes the one already sent."""
    base = live_server.url
    page = new_page(viewport={"width": 390, "height": 844})
    page.goto(f"{base}/kiosk/identify/")
    page.get_by_label("居民身份证号码（18位）").fill(demo.applicant.id_number)
    page.get_by_role("button", name="获取短信验证码").click()
    page.wait_for_url("**/kiosk/code/")
    first = re.search(r"\d{6}", MemorySmsBackend.outbox[-1][1]).group(0)
    page.get_by_role("link", name="没收到？重新输入身份证号码").click()
    page.get_by_label("居民身份证号码（18位）").fill(demo.applicant.id_number)
    page.get_by_role("button", name="获取短信验证码").click()
    page.wait_for_url("**/kiosk/code/")
    assert re.search(r"验证码已发送，请输入已收到的验证码；\d+ 秒后可以重新获取。",
                     page.get_by_role("status").first.inner_text())
    assert len(MemorySmsBackend.outbox) == 1
    page.get_by_label("6 位短信验证码").fill(first)
    page.get_by_role("button", name="确认").click()
    page.wait_for_url("**/kiosk/menu/")
