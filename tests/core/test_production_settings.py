"""Production mode comes from the environment alone and passes Django's deploy checks."""

from __future__ import annotations

import secrets
import subprocess
import sys
import textwrap

import pytest

from .conftest import REPO, onething


@pytest.fixture
def production_env(clean_env):
    return {
        **clean_env,
        "ONETHING_PRODUCTION": "1",
        "ONETHING_SECRET_KEY": secrets.token_urlsafe(48),  # 64 characters
        "ONETHING_ALLOWED_HOSTS": "zwfw.example.gov.cn,testserver",
        "ONETHING_CSRF_TRUSTED_ORIGINS": "https://zwfw.example.gov.cn",
        "ONETHING_BEHIND_PROXY": "1",
        # A deployment's own plug-ins: the development ones fail `check --deploy`
        # (tests/deploy/test_checks.py).
        "ONETHING_SMS_BACKEND": "tests.deploy.backends.GatewaySmsBackend",
        "ONETHING_PAYMENT_BACKEND": "tests.deploy.backends.AcquirerPaymentBackend",
        "ONETHING_PUBLIC_URL": "https://zwfw.example.gov.cn",
    }


def run(args, env):
    return subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True, timeout=60)


def test_check_deploy_is_clean_in_production(production_env):
    result = run(onething("check", "--deploy", "--fail-level", "WARNING"), production_env)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNINGS" not in output


def test_check_deploy_is_clean_when_the_proxy_redirects_to_https(production_env):
    env = {**production_env, "ONETHING_SSL_REDIRECT": "0"}
    result = run(onething("check", "--deploy", "--fail-level", "WARNING"), env)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("missing", ["ONETHING_SECRET_KEY", "ONETHING_ALLOWED_HOSTS"])
def test_production_refuses_to_start_without(production_env, missing):
    env = {k: v for k, v in production_env.items() if k != missing}
    result = run(onething("check"), env)
    assert result.returncode != 0
    assert f"requires {missing}" in result.stderr


def test_production_refuses_debug(production_env):
    result = run(onething("check"), {**production_env, "ONETHING_DEBUG": "1"})
    assert result.returncode != 0
    assert "ONETHING_DEBUG" in result.stderr


def test_production_redirects_to_https_except_the_health_checks(production_env):
    # Load balancers probe nodes over plain http; everything else goes to https.
    script = textwrap.dedent("""
        import django
        django.setup()
        from django.conf import settings
        from django.test import Client
        client = Client()
        home = client.get("/")
        print(client.get("/healthz").status_code, client.get("/readyz").status_code,
              home.status_code, home["Location"], settings.SECURE_PROXY_SSL_HEADER[0],
              settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE)
    """)
    env = {**production_env, "DJANGO_SETTINGS_MODULE": "onething.settings"}
    result = run([sys.executable, "-c", script], env)
    assert result.returncode == 0, result.stderr
    # /readyz: the temporary database is not migrated, so unavailable, but not redirected.
    assert result.stdout.split() == ["200", "503", "301", "https://testserver/",
                                     "HTTP_X_FORWARDED_PROTO", "True", "True"]
