"""The SMS gateway down at the kiosk: the resident is told on the screen, no 500."""

from __future__ import annotations

import logging

import pytest
from django.urls import reverse

from onething.kiosk import session as kiosk_session
from tests.portal.test_sms_gateway_down import BACKEND

pytestmark = pytest.mark.django_db


def test_kiosk_sign_in_with_the_gateway_down_explains(client, demo, settings, caplog):
    settings.ONETHING_SMS_BACKEND = BACKEND
    caplog.set_level(logging.WARNING, logger="onething.accounts")
    response = client.post(reverse("kiosk:identify"), {"id_number": demo.applicant.id_number})
    assert response.status_code == 400
    html = response.content.decode()
    assert "短信发送失败，验证码未能发出，请稍后再试；急需办理请到政务服务大厅窗口" in html
    assert kiosk_session.PENDING not in client.session  # not sent on to the code screen
    assert client.get(reverse("kiosk:code")).status_code == 302
    assert [r.levelname for r in caplog.records if r.name == "onething.accounts"] == ["WARNING"]
