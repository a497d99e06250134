"""Deliveries: retried on failure, never sent twice, run by the real database worker."""

import pytest
from django.core.management import call_command

from onething.notifications import backends
from onething.notifications.models import Delivery, DeliveryStatus
from onething.notifications.services import queue_delivery
from onething.notifications.tasks import MAX_ATTEMPTS, deliver


class FlakySmsBackend(backends.SmsBackend):
    """Fails the first ``failures`` sends, then records messages."""

    failures = 1
    sent: list[tuple[str, str]] = []

    def send(self, mobile: str, text: str, *, message_id: str) -> None:
        if FlakySmsBackend.failures > 0:
            FlakySmsBackend.failures -= 1
            raise ConnectionError("gateway timeout")
        FlakySmsBackend.sent.append((message_id, text))


@pytest.fixture
def flaky(settings):
    settings.ONETHING_SMS_BACKEND = f"{__name__}.FlakySmsBackend"
    FlakySmsBackend.sent = []
    FlakySmsBackend.failures = 1
    return FlakySmsBackend


def test_a_failed_delivery_is_retried_and_sent_once(demo, flaky,
                                                    django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        queue_delivery(demo.applicant, "您的申请已受理", "t:1")
    delivery = Delivery.objects.get(dedupe_key="sms:t:1")
    # The immediate backend ran the first attempt (failed) and its retry (sent).
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.attempts == 2
    assert "ConnectionError" in delivery.last_error
    assert flaky.sent == [("sms:t:1", "您的申请已受理")]
    # Running it again, as a duplicate task would, sends nothing more.
    assert deliver.call(delivery.pk) == "sent"
    assert len(flaky.sent) == 1


def test_the_same_message_is_queued_once(demo, flaky, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        queue_delivery(demo.applicant, "一次", "t:2")
        queue_delivery(demo.applicant, "一次", "t:2")
    assert Delivery.objects.filter(dedupe_key="sms:t:2").count() == 1
    assert [m for m, _ in flaky.sent] == ["sms:t:2"]


def test_a_delivery_that_keeps_failing_stops_after_the_limit(demo, flaky,
                                                             django_capture_on_commit_callbacks):
    flaky.failures = 100
    with django_capture_on_commit_callbacks(execute=True):
        queue_delivery(demo.applicant, "失败", "t:3")
    delivery = Delivery.objects.get(dedupe_key="sms:t:3")
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == MAX_ATTEMPTS
    assert flaky.sent == []


@pytest.mark.django_db(transaction=True)
def test_the_database_worker_delivers_queued_messages(settings, flaky):
    """django-tasks-db's real worker picks the task from the database."""
    from onething.accounts.services import register_person
    from onething.domain.validators import id_check_character

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    flaky.failures = 0
    user = register_person(real_name="王芳", mobile="13900000009",
                           id_number="37140219900101124" + id_check_character("37140219900101124"))
    queue_delivery(user, "worker 测试", "t:4")  # autocommit: queued at once
    from django_tasks_db.models import DBTaskResult

    assert DBTaskResult.objects.count() == 1
    assert flaky.sent == []
    call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)
    assert flaky.sent == [("sms:t:4", "worker 测试")]
    assert Delivery.objects.get(dedupe_key="sms:t:4").status == DeliveryStatus.SENT


class SlowSmsBackend(backends.SmsBackend):
    """The first call hangs past the timeout; later calls are recorded."""

    calls: list[str] = []

    def send(self, mobile: str, text: str, *, message_id: str) -> None:
        SlowSmsBackend.calls.append(message_id)
        if len(SlowSmsBackend.calls) == 1:
            import time

            time.sleep(2)


def test_a_provider_call_is_cut_off_at_the_timeout_and_retried(demo, settings,
                                                               django_capture_on_commit_callbacks):
    settings.ONETHING_SMS_BACKEND = f"{__name__}.SlowSmsBackend"
    settings.ONETHING_SMS_TIMEOUT_SECONDS = 0.3
    SlowSmsBackend.calls = []
    with django_capture_on_commit_callbacks(execute=True):
        queue_delivery(demo.applicant, "超时", "t:5")
    delivery = Delivery.objects.get(dedupe_key="sms:t:5")
    assert SlowSmsBackend.calls == ["sms:t:5", "sms:t:5"]  # the same message id both times
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 2)
    assert delivery.last_error == "ProviderTimeout: no answer within 0.3 s"
    assert delivery.lease_expires_at is None


def test_a_delivery_being_sent_is_not_sent_by_a_second_task(demo, flaky):
    delivery = Delivery.objects.create(channel="sms", recipient="13900000001", body="租约",
                                       dedupe_key="sms:t:6", status=DeliveryStatus.SENDING,
                                       attempts=1)
    assert deliver.call(delivery.pk) == "sending"
    assert flaky.sent == []
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENDING, 1)


def test_the_lease_must_outlast_the_provider_timeout(monkeypatch):
    import importlib
    import sys

    from django.core.exceptions import ImproperlyConfigured

    monkeypatch.setenv("ONETHING_DELIVERY_LEASE_SECONDS", "15")
    monkeypatch.setenv("ONETHING_SMS_TIMEOUT_SECONDS", "15")
    monkeypatch.delitem(sys.modules, "onething.settings", raising=False)
    with pytest.raises(ImproperlyConfigured, match="LEASE_SECONDS must be longer"):
        importlib.import_module("onething.settings")
