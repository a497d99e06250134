"""Staff sign-in: lockout after failed passwords (django-axes), the TOTP second factor
(django-otp), idle timeout, absolute lifetime and browser-session cookies."""

from __future__ import annotations

import base64
import datetime as dt
import re
import sys
import textwrap
import time

import pytest
from axes.models import AccessAttempt
from django.utils import timezone
from django_otp.oath import TOTP, totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from onething.accounts.demo import DEMO_PASSWORD
from onething.notifications.backends import MemorySmsBackend
from onething.workbench import security
from tests.english import chinese_left, english

pytestmark = pytest.mark.django_db

LOGIN = "/workbench/login/"


def staff_login(client, username="demo-clerk", password=DEMO_PASSWORD, url=LOGIN, **extra):
    return client.post(url, {"username": username, "password": password}, **extra)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


# -- lockout -----------------------------------------------------------------------------


def test_five_wrong_passwords_lock_the_username_at_this_address(client, demo):
    for _ in range(4):
        response = staff_login(client, password="guess")
        assert response.status_code == 200 and "用户名或密码不正确" in response.content.decode()
    fifth = staff_login(client, password="guess")
    assert fifth.status_code == 429
    right = staff_login(client)  # the right password no longer helps
    html = right.content.decode()
    assert right.status_code == 429 and not signed_in(client)
    assert "<h1>登录已暂停</h1>" in html
    assert "该账号在这台电脑上连续 5 次密码错误，为防止密码被猜出，暂时不能登录。" in html
    assert "请在 15 分钟后再试。" in html
    # The same username from another address, and another username here, still sign in.
    assert staff_login(client, REMOTE_ADDR="10.3.3.3").status_code == 302
    client.post("/workbench/logout/")
    assert staff_login(client, username="demo-manager").status_code == 302


def test_the_lockout_ends_after_the_cool_off(client, demo, settings):
    for _ in range(5):
        staff_login(client, password="guess")
    assert staff_login(client).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=16))
    assert staff_login(client).status_code == 302 and signed_in(client)
    assert not AccessAttempt.objects.exists()  # success resets the count


def test_the_admin_login_is_locked_out_too(client, demo):
    for _ in range(5):
        client.post("/admin/login/", {"username": "demo-admin", "password": "guess"})
    locked = client.post("/admin/login/?next=/admin/",
                         {"username": "demo-admin", "password": DEMO_PASSWORD})
    assert locked.status_code == 429 and not signed_in(client)


def test_the_lockout_page_in_english(client, demo):
    english(client)
    for _ in range(5):
        staff_login(client, password="guess")
    response = staff_login(client)
    html = response.content.decode()
    assert response["Content-Language"] == "en" and chinese_left(html, whole_body=True) == []
    assert "<h1>Sign-in paused</h1>" in html
    assert ("The password for this account was entered wrongly 5 times in a row from this "
            "computer.") in html
    assert "Please try again in 15 minutes." in html


def test_applicants_still_sign_in_by_sms_code(client, demo):
    client.post("/login/", {"step": "mobile", "mobile": "13800000001"})
    code = re.search(r"\d{6}", MemorySmsBackend.outbox[-1][1]).group(0)
    done = client.post("/login/", {"step": "code", "mobile": "13800000001", "code": code})
    assert done.status_code == 302 and signed_in(client)
    assert client.session["_auth_user_backend"] == "django.contrib.auth.backends.ModelBackend"


# -- TOTP ---------------------------------------------------------------------------------


@pytest.fixture
def totp_required(settings):
    settings.ONETHING_STAFF_TOTP_REQUIRED = True


def code_for(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    if not steps_ahead:
        return f"{totp(device.bin_key):06d}"
    generator = TOTP(device.bin_key)
    generator.time = time.time() + 30 * steps_ahead
    return f"{generator.token():06d}"


def test_first_sign_in_enrols_an_authenticator_then_each_sign_in_asks_a_code(
        client, demo, totp_required):
    assert staff_login(client).status_code == 302
    home = client.get("/workbench/")
    assert home.status_code == 302 and home.url == "/workbench/otp/?next=%2Fworkbench%2F"
    for path in ("/workbench/queue/", "/workbench/window/", "/", "/admin/"):
        assert client.get(path).url.startswith("/workbench/otp/?next="), path

    page = client.get(home.url).content.decode()
    device = TOTPDevice.objects.get(user=demo.clerk, confirmed=False)
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    assert "<h1>绑定身份验证器</h1>" in page and "<svg" in page
    assert " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)) in page
    assert "otpauth" not in page  # the URI is in the QR code only

    wrong = client.post("/workbench/otp/", {"token": f"{(int(code_for(device)) + 1) % 10**6:06d}",
                                            "next": "/workbench/"})
    assert wrong.status_code == 400 and "动态验证码不正确" in wrong.content.decode()
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0,
                                                   throttling_failure_timestamp=None)
    used = code_for(device)
    done = client.post("/workbench/otp/", {"token": used, "next": "/workbench/"})
    assert done.status_code == 302 and done.url == "/workbench/"
    assert client.get("/workbench/").url == "/workbench/window/"  # the clerk's landing page
    assert client.get("/workbench/window/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed

    client.post("/workbench/logout/")
    staff_login(client)
    page = client.get("/workbench/otp/").content.decode()
    assert "<h1>输入动态验证码</h1>" in page and "<svg" not in page and secret[:8] not in page
    assert client.get("/workbench/window/").url.startswith("/workbench/otp/")
    # The very code used above (not the current one: the 30 s step may have moved on).
    replay = client.post("/workbench/otp/", {"token": used})  # used already
    assert replay.status_code == 400
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0,
                                                   throttling_failure_timestamp=None)
    fresh = client.post("/workbench/otp/", {"token": code_for(device, steps_ahead=1)})
    assert fresh.status_code == 302 and client.get("/workbench/window/").status_code == 200


def test_the_second_factor_pages_in_english(client, demo, totp_required):
    english(client)
    staff_login(client)
    enrol = client.get("/workbench/otp/")
    html = enrol.content.decode()
    assert enrol["Content-Language"] == "en"
    assert chinese_left(html, {demo.clerk.display_name}, whole_body=True) == []
    assert "<h1>Set up an authenticator app</h1>" in html
    assert "If you cannot scan it, type this key into the app:" in html
    wrong = client.post("/workbench/otp/", {"token": "12345"}).content.decode()
    assert "The code is not correct." in wrong
    TOTPDevice.objects.filter(user=demo.clerk).update(confirmed=True)
    html = client.get("/workbench/otp/").content.decode()
    assert "<h1>Enter the one-time code</h1>" in html


def test_the_admin_site_needs_the_second_factor(client, demo, totp_required):
    admin = demo.manager.__class__.objects.get(username="demo-admin")
    device = TOTPDevice.objects.create(user=admin, name="phone", confirmed=True)
    assert staff_login(client, "demo-admin", url="/admin/login/?next=/admin/").status_code == 302
    assert client.get("/admin/").url == "/workbench/otp/?next=%2Fadmin%2F"
    assert client.get("/admin/accounts/apitoken/").url.startswith("/workbench/otp/")
    done = client.post("/workbench/otp/", {"token": code_for(device), "next": "/admin/"})
    assert done.url == "/admin/" and client.get("/admin/").status_code == 200


def test_repeated_wrong_codes_are_slowed_down(client, demo, totp_required):
    device = TOTPDevice.objects.create(user=demo.clerk, name="phone", confirmed=True)
    staff_login(client)
    wrong = f"{(int(code_for(device)) + 1) % 10**6:06d}"
    client.post("/workbench/otp/", {"token": wrong})
    throttled = client.post("/workbench/otp/", {"token": code_for(device)})
    assert throttled.status_code == 400 and "验证码错误次数过多" in throttled.content.decode()
    assert client.get("/workbench/window/").url.startswith("/workbench/otp/")


def test_applicants_need_no_second_factor(client, demo, totp_required):
    client.force_login(demo.applicant)
    assert client.get("/applications/").status_code == 200
    assert client.get("/workbench/otp/").url == "/workbench/login/"


def test_the_second_factor_is_off_by_default_outside_production(client, demo):
    staff_login(client)
    assert client.get("/workbench/window/").status_code == 200


def run_settings(env: dict[str, str], expression: str):
    import subprocess

    from tests.core.conftest import REPO

    script = textwrap.dedent(f"""
        import django
        django.setup()
        from django.conf import settings
        print({expression})
    """)
    env = {**env, "DJANGO_SETTINGS_MODULE": "onething.settings"}
    return subprocess.run([sys.executable, "-c", script], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=60)


@pytest.fixture
def production_env(tmp_path):
    import os
    import secrets

    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("ONETHING_", "DJANGO_")) and k != "DATABASE_URL"}
    return {**env, "ONETHING_DATA_DIR": str(tmp_path), "ONETHING_PRODUCTION": "1",
            "ONETHING_SECRET_KEY": secrets.token_urlsafe(48),
            "ONETHING_ALLOWED_HOSTS": "zwfw.example.gov.cn"}


def test_production_requires_the_second_factor(production_env):
    result = run_settings(production_env, "settings.ONETHING_STAFF_TOTP_REQUIRED")
    assert result.stdout.strip() == "True", result.stderr
    refused = run_settings({**production_env, "ONETHING_STAFF_TOTP_REQUIRED": "0"}, "1")
    assert refused.returncode != 0
    assert "ONETHING_STAFF_TOTP_REQUIRED cannot be off" in refused.stderr


# -- session lifetime ------------------------------------------------------------------------


def _shift(client, **seconds_ago: float) -> None:
    session = client.session
    for key, ago in seconds_ago.items():
        session[getattr(security, key.upper())] = time.time() - ago
    session.save()


def test_staff_sessions_end_when_the_browser_closes(client, demo):
    response = staff_login(client)
    cookie = response.cookies["sessionid"]
    assert cookie["expires"] == "" and cookie["max-age"] == ""
    assert client.session.get_expire_at_browser_close()


def test_applicants_keep_ordinary_sessions(client, demo, settings):
    client.post("/login/", {"step": "mobile", "mobile": "13800000001"})
    code = re.search(r"\d{6}", MemorySmsBackend.outbox[-1][1]).group(0)
    response = client.post("/login/", {"step": "code", "mobile": "13800000001", "code": code})
    assert response.cookies["sessionid"]["max-age"] == settings.SESSION_COOKIE_AGE
    assert not client.session.get_expire_at_browser_close()
    assert security.SEEN not in client.session
    assert client.get("/applications/").status_code == 200


def test_an_idle_staff_session_ends(client, demo):
    staff_login(client)
    _shift(client, seen=31 * 60, started=31 * 60)
    response = client.get("/workbench/queue/")
    assert response.status_code == 302
    assert response.url == "/workbench/login/?next=%2Fworkbench%2Fqueue%2F"
    assert not signed_in(client)
    page = client.get(response.url).content.decode()
    assert "您已较长时间未操作或登录已超时，为保护数据已自动退出，请重新登录。" in page


def test_activity_keeps_a_staff_session_alive(client, demo):
    staff_login(client)
    _shift(client, seen=29 * 60, started=5 * 3600)
    assert client.get("/workbench/window/").status_code == 200
    assert time.time() - client.session[security.SEEN] < 5  # the clock restarts
    _shift(client, seen=29 * 60)
    assert client.get("/workbench/window/").status_code == 200


def test_a_staff_session_ends_after_its_lifetime_however_busy(client, demo):
    staff_login(client)
    _shift(client, seen=10, started=12 * 3600 + 1)
    assert client.get("/workbench/").url == "/workbench/login/?next=%2Fworkbench%2F"
    assert not signed_in(client)


def test_timeouts_are_settings(client, demo, settings):
    settings.ONETHING_STAFF_IDLE_MINUTES = 5
    settings.ONETHING_STAFF_SESSION_HOURS = 1
    staff_login(client)
    _shift(client, seen=4 * 60, started=59 * 60)
    assert client.get("/workbench/window/").status_code == 200
    _shift(client, seen=6 * 60)
    assert client.get("/workbench/window/").url.startswith("/workbench/login/")
    staff_login(client)
    _shift(client, seen=0, started=61 * 60)
    assert client.get("/workbench/window/").url.startswith("/workbench/login/")


def test_an_idle_admin_session_goes_back_to_the_admin_login(client, demo):
    staff_login(client, "demo-admin", url="/admin/login/")
    assert client.get("/admin/").status_code == 200
    _shift(client, seen=31 * 60)
    assert client.get("/admin/").url == "/admin/login/?next=%2Fadmin%2F"


def test_a_session_from_before_these_rules_is_ended(client, demo):
    staff_login(client)
    session = client.session
    del session[security.STARTED]
    session.save()
    assert client.get("/workbench/window/").url.startswith("/workbench/login/")
    assert not signed_in(client)
