"""Logs never hold full ID numbers, mobile numbers or sign-in codes outside the
development mode that prints them (ONETHING_LOG_SMS_CODES, on for `make run`'s demo).

The records go through the real logging configuration (settings.LOGGING applied with
dictConfig): the filter on its handler masks each record before any handler (the
console, pytest's caplog) sees it.
"""

from __future__ import annotations

import io
import logging
import logging.config

import pytest
from django.conf import settings as django_settings

from onething.domain.redaction import mask_message_codes, mask_personal_text
from onething.notifications.backends import LogSmsBackend
from tests.core.test_production_settings import production_env, run  # noqa: F401

from .conftest import onething

ID_NUMBER = "11010519491231002X"
MOBILE = "13800138000"


@pytest.fixture
def console(settings):
    """The configured console handler, writing into a string; logging as configured."""
    settings.ONETHING_LOG_SMS_CODES = False
    logging.config.dictConfig(django_settings.LOGGING)
    handler = next(h for h in logging.getLogger().handlers
                   if h.name == "console")
    stream = io.StringIO()
    handler.setStream(stream)
    yield stream
    logging.config.dictConfig(django_settings.LOGGING)


def test_every_record_is_masked_on_the_configured_handlers(console, caplog):
    caplog.set_level(logging.INFO)
    log = logging.getLogger("onething.test")
    log.info("user m%s registered with %s, mobile %s", MOBILE, ID_NUMBER, "+86 139-1234-5678")
    try:
        raise ValueError(f"bad row for {ID_NUMBER.lower()} / 86{MOBILE}")
    except ValueError:
        log.exception("import failed for %s", MOBILE)
    text = console.getvalue()
    assert ID_NUMBER not in text and ID_NUMBER.lower() not in text and MOBILE not in text
    assert "user m138****8000 registered with 110105********002X, mobile +86 139-****-5678" \
        in text
    assert "ValueError: bad row for 110105********002x / 86138****8000" in text
    assert "import failed for 138****8000" in text
    # caplog's handler comes after the configured one and sees the masked record.
    assert [r.getMessage() for r in caplog.records] == [
        "user m138****8000 registered with 110105********002X, mobile +86 139-****-5678",
        "import failed for 138****8000"]


def test_masking_keeps_longer_numbers_and_hides_standalone_ones():
    assert mask_personal_text(f"{ID_NUMBER}，{MOBILE}。+8613912345678 86 13912345678") == (
        "110105********002X，138****8000。+86139****5678 86 139****5678")
    assert mask_personal_text("手机 139 1234 5678") == "手机 139 **** 5678"
    # Part of a longer number: a tracking number, a timestamp, a USCC stay as they are.
    for text in ("DC2026120213800138000", "1380013800012", "913714020000000000X1",
                 "91371402MA0000009X"):
        assert mask_personal_text(text) == text
    assert mask_personal_text("12345678901") == "12345678901"  # no mobile prefix 12
    assert mask_message_codes("【onething】您的登录验证码是 482913，5分钟内有效。") == (
        "【onething】您的登录验证码是 ******，5分钟内有效。")


def test_sms_codes_reach_the_log_only_in_the_demo_mode(console, settings, caplog):
    caplog.set_level(logging.INFO, logger="onething.sms")
    text = "【onething】您的登录验证码是 482913，5分钟内有效。"
    LogSmsBackend().send(MOBILE, text, message_id="m-1")
    assert "482913" not in console.getvalue()
    assert "SMS to 138****8000 [m-1]: 【onething】您的登录验证码是 ******，5分钟内有效。" \
        in console.getvalue()
    settings.ONETHING_LOG_SMS_CODES = True  # `make run`: the demo signs in with these codes
    LogSmsBackend().send(MOBILE, text, message_id="m-2")
    log = logging.getLogger("onething.test")
    log.info("development keeps %s", ID_NUMBER)
    assert "SMS to 138****8000 [m-2]: 【onething】您的登录验证码是 482913" in console.getvalue()
    assert f"development keeps {ID_NUMBER}" in console.getvalue()


def test_the_demo_mode_is_on_by_default_only_outside_production(
        clean_env, production_env):  # noqa: F811  (the imported fixture)
    script = "from django.conf import settings; print(settings.ONETHING_LOG_SMS_CODES)"
    development = run(onething("shell", "-c", script), clean_env)
    assert development.stdout.strip().splitlines()[-1] == "True", development.stderr
    production = run(onething("shell", "-c", script), production_env)
    assert production.stdout.strip().splitlines()[-1] == "False", production.stderr
    turned_off = run(onething("shell", "-c", script),
                     {**clean_env, "ONETHING_LOG_SMS_CODES": "0"})
    assert turned_off.stdout.strip().splitlines()[-1] == "False"
    refused = run(onething("check"), {**production_env, "ONETHING_LOG_SMS_CODES": "1"})
    assert refused.returncode != 0
    assert "ONETHING_LOG_SMS_CODES must be off when ONETHING_PRODUCTION=1" in refused.stderr


def test_gunicorn_access_lines_are_masked(settings, capsys):
    from gunicorn.config import Config

    from onething.core.gunicorn_logger import GunicornLogger

    settings.ONETHING_LOG_SMS_CODES = False
    config = Config()
    config.set("accesslog", "-")
    config.set("errorlog", "-")
    logger = GunicornLogger(config)
    logger.access_log.info(f'127.0.0.1 "GET /login/?mobile={MOBILE} HTTP/1.1" 200')
    logger.error_log.warning(f"worker saw {ID_NUMBER}")
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert '"GET /login/?mobile=138****8000 HTTP/1.1" 200' in text
    assert "worker saw 110105********002X" in text and MOBILE not in text
