"""The SMS gateway down at sign-in: the page explains, no 500, a WARNING at once."""

from __future__ import annotations

import logging

import pytest

from onething.accounts.models import LoginCode
from onething.accounts.services import SMS_UNAVAILABLE
from onething.core import counters
from onething.notifications import backends
from onething.notifications.backends import MemorySmsBackend

pytestmark = pytest.mark.django_db

BACKEND = f"{__name__}.DownSmsBackend"


class DownSmsBackend(backends.SmsBackend):
    def send(self, mobile: str, text: str, *, message_id: str) -> None:
        raise TimeoutError("gateway did not answer in 10 s")


def test_sign_in_with_the_gateway_down_explains_and_logs_a_warning(client, demo, settings,
                                                                    caplog):
    settings.ONETHING_SMS_BACKEND = BACKEND
    caplog.set_level(logging.INFO, logger="onething.accounts")
    response = client.post("/login/", {"step": "mobile", "mobile": "13800000001"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "短信发送失败，验证码未能发出，请稍后再试" in html
    assert "the SMS could not be sent, so no code is on its way" in html
    assert 'role="alert"' in html and 'href="#field-mobile"' in html
    assert 'autocomplete="one-time-code"' not in html  # still the mobile step
    assert [(r.levelname, r.getMessage()) for r in caplog.records
            if r.name == "onething.accounts"] == [
        ("WARNING", f"sign-in code SMS not sent via {BACKEND}: TimeoutError: "
                    "gateway did not answer in 10 s")]
    assert counters.values("sign_in_sms_failures") == [({"backend": BACKEND}, 1)]
    # No code is left waiting: once the gateway is back, asking again sends one at once.
    assert LoginCode.objects.filter(mobile="13800000001").count() == 0
    settings.ONETHING_SMS_BACKEND = "onething.notifications.backends.MemorySmsBackend"
    again = client.post("/login/", {"step": "mobile", "mobile": "13800000001"})
    assert 'autocomplete="one-time-code"' in again.content.decode()
    assert MemorySmsBackend.outbox[-1][0] == "13800000001"


def test_the_message_is_bilingual():
    assert SMS_UNAVAILABLE.startswith("短信发送失败")
    assert "(the SMS could not be sent" in SMS_UNAVAILABLE
