"""Writes for notifications: in-app messages plus SMS / e-mail outbox rows."""

from __future__ import annotations

from django.db import transaction

from onething.notifications.models import Delivery, Notification
from onething.notifications.tasks import deliver


def notify(*, user, message: str, dedupe_key: str, application=None) -> Notification:
    """Tell ``user`` something: in the portal, and by SMS when we have a mobile.

    Must run inside the transaction of the change it reports: the rows commit
    with it, and the delivery task is queued only after the commit.
    """
    note = Notification.objects.create(user=user, application=application, message=message)
    if user.mobile:
        delivery, created = Delivery.objects.get_or_create(
            dedupe_key=f"sms:{dedupe_key}",
            defaults={"channel": "sms", "recipient": user.mobile, "body": message},
        )
        if created:
            transaction.on_commit(lambda pk=delivery.pk: deliver.enqueue(pk))
    if user.email:
        delivery, created = Delivery.objects.get_or_create(
            dedupe_key=f"email:{dedupe_key}",
            defaults={"channel": "email", "recipient": user.email, "body": message},
        )
        if created:
            transaction.on_commit(lambda pk=delivery.pk: deliver.enqueue(pk))
    return note


def mark_notifications_read(user, ids=None) -> int:
    """Mark the user's messages read (all unread ones when ``ids`` is None)."""
    from django.utils import timezone

    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())


def send_sms(mobile: str, message: str, *, dedupe_key: str) -> bool:
    """Send one SMS to a number without an account (a queue ticket's holder), at most once
    per ``dedupe_key``; inside the caller's transaction like ``notify``. True if queued."""
    delivery, created = Delivery.objects.get_or_create(
        dedupe_key=f"sms:{dedupe_key}",
        defaults={"channel": "sms", "recipient": mobile, "body": message})
    if created:
        transaction.on_commit(lambda pk=delivery.pk: deliver.enqueue(pk))
    return created
