"""Background delivery of notifications (django-tasks, database worker)."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from onething.core import counters
from onething.notifications import backends
from onething.notifications.models import Delivery, DeliveryStatus

log = logging.getLogger("onething.notifications")

MAX_ATTEMPTS = 6


def backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(30 * 2 ** (attempts - 1), 3600))


def backend_path(channel: str) -> str:
    """The configured sender of a channel, as the metrics and logs name it."""
    return settings.ONETHING_SMS_BACKEND if channel == "sms" else settings.EMAIL_BACKEND


def record_failed_attempt(delivery: Delivery, reason: str, *, final: bool) -> None:
    """Every failed attempt shows at once: a WARNING with the backend's reason (the last
    one an ERROR) and one more in the ``delivery_attempt_failures`` counter."""
    backend = backend_path(delivery.channel)
    counters.increment("delivery_attempt_failures", channel=delivery.channel, backend=backend)
    if final:
        log.error("delivery %s failed for good after %s attempts via %s: %s",
                  delivery.pk, delivery.attempts, backend, reason)
    else:
        log.warning("delivery %s attempt %s of %s failed via %s: %s; next attempt at %s",
                    delivery.pk, delivery.attempts, MAX_ATTEMPTS, backend, reason,
                    delivery.next_attempt_at.isoformat() if delivery.next_attempt_at else "-")


def _retry(delivery_id: int, run_after: dt.datetime | None) -> None:
    """Queue the next attempt; backends that cannot defer run it at once."""
    if deliver.get_backend().supports_defer:
        deliver.using(run_after=run_after).enqueue(delivery_id)
    else:
        deliver.enqueue(delivery_id)


@task()
def deliver(delivery_id: int) -> str:
    """Send one delivery once. Safe to run twice or concurrently."""
    with transaction.atomic():
        delivery = (Delivery.objects.select_for_update(skip_locked=True)
                    .filter(pk=delivery_id).first())
        if delivery is None:
            return "locked-or-missing"
        if delivery.status != DeliveryStatus.PENDING:
            return delivery.status
        delivery.attempts += 1
        try:
            if delivery.channel == "sms":
                backends.sms_backend().send(delivery.recipient, delivery.body,
                                            message_id=delivery.dedupe_key)
            else:
                backends.send_email(delivery.recipient, delivery.body,
                                    message_id=delivery.dedupe_key)
        except Exception as exc:  # a provider failure of any kind: retry later
            delivery.last_error = f"{type(exc).__name__}: {exc}"[:500]
            if delivery.attempts >= MAX_ATTEMPTS:
                delivery.status = DeliveryStatus.FAILED
                delivery.save(update_fields=["attempts", "last_error", "status"])
                record_failed_attempt(delivery, delivery.last_error, final=True)
                return "failed"
            delivery.next_attempt_at = timezone.now() + backoff(delivery.attempts)
            delivery.save(update_fields=["attempts", "last_error", "next_attempt_at"])
            record_failed_attempt(delivery, delivery.last_error, final=False)
            transaction.on_commit(lambda: _retry(delivery_id, delivery.next_attempt_at))
            return "retry"
        delivery.status = DeliveryStatus.SENT
        delivery.sent_at = timezone.now()
        delivery.save(update_fields=["attempts", "status", "sent_at", "last_error"])
        return "sent"
