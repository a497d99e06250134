"""``onething deliveries retry``: pending deliveries whose task was lost are queued again."""

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from onething.notifications.models import Delivery, DeliveryStatus
from onething.notifications.services import queue_delivery

pytestmark = pytest.mark.django_db

AN_HOUR_AGO = dt.timedelta(hours=1)


@pytest.fixture
def queued(demo, settings, django_capture_on_commit_callbacks):
    """Two deliveries, each with a READY task in the database queue, made an hour old."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        queue_delivery(demo.applicant, "一", "r:1")
        queue_delivery(demo.applicant, "二", "r:2")
    Delivery.objects.update(created_at=timezone.now() - AN_HOUR_AGO)
    return {d.dedupe_key: d for d in Delivery.objects.all()}


def tasks_of(delivery):
    return [t for t in DBTaskResult.objects.order_by("enqueued_at")
            if t.args_kwargs["args"] == [delivery.pk]]


def retry(seconds=600):
    from io import StringIO

    out = StringIO()
    call_command("deliveries", "retry", f"--stale-after={seconds}", stdout=out)
    return out.getvalue()


def test_deliveries_with_a_queued_task_are_left_alone(queued):
    assert "re-queued 0" in retry()
    assert DBTaskResult.objects.count() == 2


def test_a_task_left_running_by_a_lost_worker_is_failed_and_its_delivery_queued(queued):
    lost, busy = queued["sms:r:1"], queued["sms:r:2"]
    # A worker died an hour into r:1; another started r:2 a moment ago.
    DBTaskResult.objects.filter(pk=tasks_of(lost)[0].pk).update(
        status="RUNNING", started_at=timezone.now() - AN_HOUR_AGO)
    DBTaskResult.objects.filter(pk=tasks_of(busy)[0].pk).update(
        status="RUNNING", started_at=timezone.now())
    out = retry()
    assert f"re-queued 1 delivery(ies)): {lost.pk}" in out
    assert "1 个中断的任务已标记失败" in out
    assert [(t.status, t.exception_class_path) for t in tasks_of(lost)] == [
        ("FAILED", "onething.notifications.WorkerLost"), ("READY", "")]
    assert [t.status for t in tasks_of(busy)] == ["RUNNING"]
    assert "re-queued 0" in retry()  # the new task is live: nothing more


def test_a_delivery_whose_task_vanished_is_queued_once_old_enough(queued):
    missing = queued["sms:r:1"]
    DBTaskResult.objects.filter(pk=tasks_of(missing)[0].pk).delete()  # e.g. a crash before enqueue
    Delivery.objects.filter(pk=missing.pk).update(created_at=timezone.now())
    assert "re-queued 0" in retry()  # young: its task may still be on the way
    Delivery.objects.filter(pk=missing.pk).update(created_at=timezone.now() - AN_HOUR_AGO)
    assert f"re-queued 1 delivery(ies)): {missing.pk}" in retry()
    assert [t.status for t in tasks_of(missing)] == ["READY"]


def test_sent_and_failed_deliveries_are_never_queued_again(queued):
    DBTaskResult.objects.all().delete()
    Delivery.objects.filter(dedupe_key="sms:r:1").update(status=DeliveryStatus.SENT)
    Delivery.objects.filter(dedupe_key="sms:r:2").update(status=DeliveryStatus.FAILED)
    assert "re-queued 0" in retry(0)


def test_it_needs_the_database_task_backend(db):
    # The test settings run tasks immediately: there is no queue to inspect.
    with pytest.raises(CommandError, match="database task backend"):
        retry()


def test_a_lapsed_lease_makes_the_delivery_pending_and_queues_it_once(queued):
    """A worker died while sending r:1 (its task RUNNING, the lease lapsed a second
    ago); another is sending r:2 under a lease that still runs."""
    lapsed, held = queued["sms:r:1"], queued["sms:r:2"]
    now = timezone.now()
    Delivery.objects.filter(pk=lapsed.pk).update(
        status=DeliveryStatus.SENDING, attempts=1, lease_expires_at=now - dt.timedelta(seconds=1))
    Delivery.objects.filter(pk=held.pk).update(
        status=DeliveryStatus.SENDING, attempts=1, lease_expires_at=now + dt.timedelta(minutes=1))
    for delivery in (lapsed, held):
        DBTaskResult.objects.filter(pk=tasks_of(delivery)[0].pk).update(
            status="RUNNING", started_at=now - dt.timedelta(seconds=5))
    out = retry()  # --stale-after 600: the lease decides, not the task's age
    assert "lease lapsed: 1 queued again, 0 failed for good" in out
    assert f"re-queued 1 delivery(ies)): {lapsed.pk}" in out
    lapsed.refresh_from_db()
    held.refresh_from_db()
    assert (lapsed.status, lapsed.lease_expires_at, lapsed.last_error) == (
        DeliveryStatus.PENDING, None, "租约到期，发送进程已丢失 (lease lapsed: worker lost)")
    assert [(t.status, t.exception_class_path) for t in tasks_of(lapsed)] == [
        ("FAILED", "onething.notifications.WorkerLost"), ("READY", "")]
    assert held.status == DeliveryStatus.SENDING
    assert [t.status for t in tasks_of(held)] == ["RUNNING"]
    assert "re-queued 0" in retry()


def test_a_lease_lapsing_on_the_last_attempt_fails_the_delivery(queued):
    from onething.notifications.tasks import MAX_ATTEMPTS

    delivery = queued["sms:r:1"]
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENDING, attempts=MAX_ATTEMPTS,
        lease_expires_at=timezone.now() - dt.timedelta(seconds=1))
    out = retry()
    assert "lease lapsed: 0 queued again, 1 failed for good" in out
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
