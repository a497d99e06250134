"""Background delivery of notifications (django-tasks, database worker).

One attempt is three steps, so that no transaction and no row lock is held
while the provider is called:

1. claim: a short transaction marks the delivery ``sending`` with a lease that
   ends ``ONETHING_DELIVERY_LEASE_SECONDS`` from now (database clock) and commits;
2. send: the provider is called outside any transaction, bounded by
   ``ONETHING_SMS_TIMEOUT_SECONDS`` (shorter than the lease);
3. record: a second short transaction marks it sent, or pending with the next
   attempt queued, or failed for good.

A worker that dies during step 2 leaves the delivery ``sending``; once the lease
has lapsed ``onething deliveries retry`` makes it pending and queues it again.
The provider may then see the same message id twice and must drop the repeat.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable

from django.conf import settings
from django.db import connections, transaction
from django_tasks import task

from onething.core import counters
from onething.core.dbclock import db_now
from onething.notifications import backends
from onething.notifications.models import Delivery, DeliveryStatus

log = logging.getLogger("onething.notifications")

MAX_ATTEMPTS = 6


class ProviderTimeout(TimeoutError):
    """The provider did not answer within ONETHING_SMS_TIMEOUT_SECONDS."""


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


def lease_length() -> dt.timedelta:
    return dt.timedelta(seconds=settings.ONETHING_DELIVERY_LEASE_SECONDS)


def _retry(delivery_id: int, run_after: dt.datetime | None) -> None:
    """Queue the next attempt; backends that cannot defer run it at once."""
    if deliver.get_backend().supports_defer:
        deliver.using(run_after=run_after).enqueue(delivery_id)
    else:
        deliver.enqueue(delivery_id)


def call_with_timeout(send: Callable[[], None], timeout: float) -> None:
    """Run ``send`` and wait at most ``timeout`` seconds for it.

    Backends should pass the timeout to their HTTP client themselves
    (``SmsBackend.timeout``); this bounds the ones that do not. A call cut off
    here may still reach the provider later: it counts as failed and is retried
    with the same message id, which the provider deduplicates.
    """
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            send()
        except BaseException as exc:  # handed to the waiting thread
            outcome.append(exc)
        else:
            outcome.append(None)
        finally:
            connections.close_all()  # this thread's own, if the backend used the database

    thread = threading.Thread(target=run, name="delivery-send", daemon=True)
    thread.start()
    thread.join(timeout)
    if not outcome:
        raise ProviderTimeout(f"no answer within {timeout:g} s")
    if outcome[0] is not None:
        raise outcome[0]


def _claim(delivery_id: int) -> Delivery | str:
    """Step 1: take the lease, committed before anything is sent."""
    with transaction.atomic():
        delivery = (Delivery.objects.select_for_update(skip_locked=True)
                    .filter(pk=delivery_id).first())
        if delivery is None:
            return "locked-or-missing"
        if delivery.status != DeliveryStatus.PENDING:
            # sent, failed, or "sending": another worker holds the lease.
            return delivery.status
        delivery.attempts += 1
        delivery.status = DeliveryStatus.SENDING
        delivery.lease_expires_at = db_now() + lease_length()
        delivery.save(update_fields=["attempts", "status", "lease_expires_at"])
    return delivery


def _send(delivery: Delivery) -> None:
    """Step 2: one provider call, outside any transaction."""
    timeout = settings.ONETHING_SMS_TIMEOUT_SECONDS
    if delivery.channel == "sms":
        backend = backends.sms_backend()
        call_with_timeout(lambda: backend.send(delivery.recipient, delivery.body,
                                               message_id=delivery.dedupe_key), timeout)
    else:
        call_with_timeout(lambda: backends.send_email(delivery.recipient, delivery.body,
                                                      message_id=delivery.dedupe_key), timeout)


@task()
def deliver(delivery_id: int) -> str:
    """Send one delivery once. Safe to run twice or concurrently."""
    claimed = _claim(delivery_id)
    if isinstance(claimed, str):
        return claimed
    delivery = claimed
    try:
        _send(delivery)
    except Exception as exc:  # a provider failure of any kind: retry later
        error = f"{type(exc).__name__}: {exc}"[:500]
        return _record_failure(delivery, error)
    # Step 3. Only while still ours: after a lapsed lease the sweeper may have
    # handed the delivery on; then whoever holds it records the outcome.
    Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING,
                            attempts=delivery.attempts).update(
        status=DeliveryStatus.SENT, sent_at=db_now(), lease_expires_at=None)
    return "sent"


def _record_failure(delivery: Delivery, error: str) -> str:
    with transaction.atomic():
        mine = Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING,
                                       attempts=delivery.attempts)
        if delivery.attempts >= MAX_ATTEMPTS:
            mine.update(status=DeliveryStatus.FAILED, last_error=error, lease_expires_at=None)
            record_failed_attempt(delivery, error, final=True)
            return "failed"
        next_attempt_at = db_now() + backoff(delivery.attempts)
        delivery.next_attempt_at = next_attempt_at
        record_failed_attempt(delivery, error, final=False)
        if mine.update(status=DeliveryStatus.PENDING, last_error=error, lease_expires_at=None,
                       next_attempt_at=next_attempt_at):
            transaction.on_commit(lambda: _retry(delivery.pk, next_attempt_at))
    return "retry"
