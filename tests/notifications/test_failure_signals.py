"""Every failed delivery attempt shows at once: a WARNING with the backend's reason, and
the ``delivery_attempt_failures`` counter the metrics endpoint reads."""

from __future__ import annotations

import logging

import pytest

from onething.core import counters
from onething.notifications import backends
from onething.notifications.models import Delivery, DeliveryStatus
from onething.notifications.services import queue_delivery
from onething.notifications.tasks import MAX_ATTEMPTS

BACKEND = f"{__name__}.DownSmsBackend"


class DownSmsBackend(backends.SmsBackend):
    """The gateway answers every send with an error."""

    def send(self, mobile: str, text: str, *, message_id: str) -> None:
        raise ConnectionError("gateway 503 Service Unavailable")


@pytest.fixture
def down(settings):
    settings.ONETHING_SMS_BACKEND = BACKEND


def test_each_failed_attempt_is_a_warning_at_once_and_the_last_an_error(
        demo, down, caplog, django_capture_on_commit_callbacks):
    caplog.set_level(logging.INFO, logger="onething.notifications")
    with django_capture_on_commit_callbacks(execute=True):
        queue_delivery(demo.applicant, "您的申请已受理", "w:1")
    delivery = Delivery.objects.get(dedupe_key="sms:w:1")
    assert delivery.status == DeliveryStatus.FAILED
    records = [r for r in caplog.records if r.name == "onething.notifications"]
    assert [r.levelname for r in records] == ["WARNING"] * (MAX_ATTEMPTS - 1) + ["ERROR"]
    first = records[0].getMessage()
    assert first.startswith(f"delivery {delivery.pk} attempt 1 of {MAX_ATTEMPTS} failed via "
                            f"{BACKEND}: ConnectionError: gateway 503 Service Unavailable; "
                            "next attempt at ")
    assert records[-1].getMessage() == (
        f"delivery {delivery.pk} failed for good after {MAX_ATTEMPTS} attempts via {BACKEND}: "
        "ConnectionError: gateway 503 Service Unavailable")
    assert counters.values("delivery_attempt_failures") == [
        ({"backend": BACKEND, "channel": "sms"}, MAX_ATTEMPTS)]


def test_a_successful_delivery_counts_no_failure(demo, caplog,
                                                 django_capture_on_commit_callbacks):
    caplog.set_level(logging.WARNING, logger="onething.notifications")
    with django_capture_on_commit_callbacks(execute=True):
        queue_delivery(demo.applicant, "已办结", "w:2")
    assert Delivery.objects.get(dedupe_key="sms:w:2").status == DeliveryStatus.SENT
    assert [r for r in caplog.records if r.name == "onething.notifications"] == []
    assert counters.values("delivery_attempt_failures") == []
