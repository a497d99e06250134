"""`onething check --deploy` flags every development default in production mode only."""

from __future__ import annotations

import secrets
import subprocess
import sys

import pytest
from django.core.checks import run_checks

from onething.accounts.demo import DEMO_PASSWORD, demo_usernames
from onething.accounts.models import Role, User
from onething.catalog.models import Department

GATEWAY = "tests.deploy.backends.GatewaySmsBackend"
ACQUIRER = "tests.deploy.backends.AcquirerPaymentBackend"


def onething_ids() -> list[str]:
    return sorted(m.id for m in run_checks(include_deployment_checks=True)
                  if m.id.startswith("onething."))


def by_id(check_id: str):
    [message] = [m for m in run_checks(include_deployment_checks=True) if m.id == check_id]
    return message


@pytest.fixture
def production(production_demo):
    """Production mode without the demo accounts."""
    remove_demo_accounts()
    return production_demo


@pytest.fixture
def production_demo(db, settings, tmp_path):
    """Production mode with every plug-in a deployment's own and an owner-only data dir;
    each test then puts one development default back. The test database has the demo
    accounts."""
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    settings.PRODUCTION = True
    settings.DATA_DIR = data
    settings.ONETHING_SMS_BACKEND = GATEWAY
    settings.ONETHING_PAYMENT_BACKEND = ACQUIRER
    settings.ONETHING_PUBLIC_URL = "https://zwfw.example.gov.cn"
    return settings


def remove_demo_accounts() -> None:
    User.objects.filter(username__in=demo_usernames()).delete()


def test_development_mode_keeps_its_defaults_without_a_word(demo, settings, tmp_path):
    data = tmp_path / "open"
    data.mkdir(mode=0o755)
    data.chmod(0o755)
    settings.PRODUCTION = False
    settings.DATA_DIR = data
    settings.ONETHING_SMS_BACKEND = "onething.notifications.backends.LogSmsBackend"
    settings.ONETHING_ID_CARD_READER = "onething.kiosk.readers.SandboxReader"
    assert onething_ids() == []


def test_production_without_development_defaults_is_clean(production):
    assert onething_ids() == []


@pytest.mark.parametrize("backend", ["onething.notifications.backends.LogSmsBackend",
                                     "onething.notifications.backends.MemorySmsBackend"])
def test_log_sms_backend_warns(db, production, backend):
    production.ONETHING_SMS_BACKEND = backend
    assert onething_ids() == ["onething.W001"]
    assert backend in by_id("onething.W001").msg
    assert "ONETHING_SMS_BACKEND" in by_id("onething.W001").hint


def test_sandbox_payment_backend_warns(db, production):
    production.ONETHING_PAYMENT_BACKEND = "onething.payments.backends.SandboxPaymentBackend"
    assert onething_ids() == ["onething.W002"]
    assert "沙箱支付" in by_id("onething.W002").msg
    assert "(production uses the sandbox payment backend" in by_id("onething.W002").msg


@pytest.mark.parametrize("url", ["", "http://localhost:8000", "http://127.0.0.1:8000",
                                 "http://[::1]/portal"])
def test_a_missing_or_local_public_address_warns(db, production, url):
    production.ONETHING_PUBLIC_URL = url
    assert onething_ids() == ["onething.W005"]
    message = by_id("onething.W005")
    assert message.msg.startswith("未设置门户的公网地址，短信中的链接指向 localhost")
    assert message.msg.endswith(f": {url or '(unset)'}")
    assert "https://zwfw.example.gov.cn" in message.hint


def test_the_public_address_comes_from_the_environment_and_is_checked(tmp_path):
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith(("ONETHING_", "DJANGO_"))}
    env["ONETHING_DATA_DIR"] = str(tmp_path)
    code = "from django.conf import settings; print(settings.ONETHING_PUBLIC_URL)"
    good = subprocess.run([sys.executable, "-c", "import django, os; os.environ.setdefault("
                           "'DJANGO_SETTINGS_MODULE', 'onething.settings'); django.setup(); "
                           + code], cwd=REPO, capture_output=True, text=True, timeout=60,
                          env={**env, "ONETHING_PUBLIC_URL": " https://zwfw.example.gov.cn/ "})
    assert good.stdout.strip() == "https://zwfw.example.gov.cn", good.stderr
    bad = subprocess.run([sys.executable, "-c", "import django, os; os.environ.setdefault("
                          "'DJANGO_SETTINGS_MODULE', 'onething.settings'); django.setup()"],
                         cwd=REPO, capture_output=True, text=True, timeout=60,
                         env={**env, "ONETHING_PUBLIC_URL": "zwfw.example.gov.cn"})
    assert bad.returncode != 0
    assert "ONETHING_PUBLIC_URL must be an http(s) address" in bad.stderr


def test_demonstration_id_card_reader_fails(db, production):
    production.ONETHING_ID_CARD_READER = "onething.kiosk.readers.SandboxReader"
    assert onething_ids() == ["onething.E003"]


def test_a_plugin_that_does_not_import_fails(db, production):
    production.ONETHING_SMS_BACKEND = "onething.notifications.backends.NoSuchBackend"
    assert onething_ids() == ["onething.E004"]


def test_demo_accounts_and_their_published_password(demo, production_demo):
    departments = Department.objects.count()
    assert departments > 10
    assert onething_ids() == ["onething.E001", "onething.W003"]
    # Two applicants, clerk, assistant, manager, administrator and one reviewer per
    # department.
    assert by_id("onething.W003").msg.startswith(
        f"生产环境中仍有 {6 + departments} 个演示账号 ({6 + departments} demo account(s) ")
    # Every demo staff account still has the password printed in the README.
    assert by_id("onething.E001").msg.startswith(
        f"{4 + departments} 个工作人员账号仍使用公开的演示密码")
    assert ("demo-admin, demo-assistant, demo-clerk, demo-manager, reviewer-"
            in by_id("onething.E001").msg)


def test_changed_passwords_leave_only_the_warning(demo, production_demo):
    for user in User.objects.exclude(role=Role.APPLICANT):
        user.set_password(secrets.token_urlsafe(16))
        user.save()
    assert onething_ids() == ["onething.W003"]


def test_a_renamed_administrator_with_the_demo_password_still_fails(production):
    User.objects.create_user("zhang.admin", password=DEMO_PASSWORD, role=Role.ADMIN,
                             is_staff=True, is_superuser=True)
    assert onething_ids() == ["onething.E001"]
    assert by_id("onething.E001").msg.endswith("): zhang.admin")


def test_deactivated_demo_accounts_are_still_reported(production):
    User.objects.create_user("demo-admin", password=DEMO_PASSWORD, role=Role.ADMIN,
                             is_active=False)
    # An inactive account cannot sign in: no error, but it is still a demo account.
    assert onething_ids() == ["onething.W003"]
    assert by_id("onething.W003").msg.endswith("): demo-admin")


@pytest.mark.parametrize(("mode", "ids"), [(0o700, []), (0o750, []),
                                           (0o755, ["onething.E002"]),
                                           (0o701, ["onething.E002"]),
                                           (0o777, ["onething.E002"])])
def test_data_directory_open_to_others_fails(db, production, mode, ids):
    production.DATA_DIR.chmod(mode)
    assert onething_ids() == ids
    if ids:
        assert f"{mode:04o}" in by_id("onething.E002").msg
        assert f"chmod 0700 {production.DATA_DIR}" in by_id("onething.E002").hint


# -- the real command, production settings from the environment -------------------------

REPO = __import__("pathlib").Path(__file__).resolve().parents[2]


def check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "onething", "check", "--deploy"], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def production_env(tmp_path):
    import os

    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("ONETHING_", "DJANGO_")) and k != "DATABASE_URL"}
    return {**env, "ONETHING_DATA_DIR": str(tmp_path / "data"), "ONETHING_PRODUCTION": "1",
            "ONETHING_SECRET_KEY": secrets.token_urlsafe(48),
            "ONETHING_ALLOWED_HOSTS": "zwfw.example.gov.cn", "ONETHING_BEHIND_PROXY": "1"}


def test_check_deploy_flags_the_development_defaults(production_env, tmp_path):
    (tmp_path / "data").mkdir(mode=0o755)
    (tmp_path / "data").chmod(0o755)
    result = check_deploy(production_env)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output  # errors fail the command
    assert "?: (onething.E002) 数据目录对其他用户开放（权限 0755）" in output
    assert "?: (onething.W001) 生产模式仍使用开发用短信插件" in output
    assert "?: (onething.W002) 生产模式仍使用沙箱支付" in output
    assert "?: (onething.W005) 未设置门户的公网地址" in output


def test_a_new_data_directory_is_owner_only(production_env, tmp_path):
    result = check_deploy({**production_env, "ONETHING_SMS_BACKEND": GATEWAY,
                           "ONETHING_PAYMENT_BACKEND": ACQUIRER,
                           "ONETHING_PUBLIC_URL": "https://zwfw.example.gov.cn"})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "onething." not in result.stdout + result.stderr
    assert (tmp_path / "data").stat().st_mode & 0o777 == 0o700


def test_an_unreachable_database_is_reported_not_skipped(production_env):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**production_env, "ONETHING_SMS_BACKEND": GATEWAY,
           "ONETHING_PAYMENT_BACKEND": ACQUIRER, "ONETHING_PUBLIC_URL": "https://zwfw.example.gov.cn",
           "DATABASE_URL": f"postgres://onething@127.0.0.1:{port}/onething"}
    result = check_deploy(env)
    output = result.stdout + result.stderr
    assert "?: (onething.W004) 无法连接数据库，未能检查演示账号和默认密码" in output
    assert [line for line in output.splitlines() if "(onething." in line] == [
        line for line in output.splitlines() if "(onething.W004)" in line]
