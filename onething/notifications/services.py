"""Writes for notifications: in-app messages plus SMS / e-mail outbox rows.

Every step is an in-site message. Whether it also goes out by SMS (and e-mail) is
decided by the policy in :mod:`onething.domain.messages` from what happened
(``happened``, an action) and the application's case statuses after it; the
outbound text comes from that module's templates, in the applicant's saved
language, signed with the centre's name and linking to the application.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from onething.domain import messages as policy
from onething.domain.cases import ACTION_LABELS, Action
from onething.notifications.messages import render_in
from onething.notifications.models import Delivery, Notification
from onething.notifications.tasks import deliver

# Who names the centre when ONETHING_SMS_SIGNATURE is unset: the hall app registers the
# main hall's name at start-up (onething/hall/receivers.py), so this app need not import it.
_centre_name_sources: list[Callable[[], str]] = []


def register_centre_name(source: Callable[[], str]) -> None:
    """Register a callable answering the centre's name for SMS signatures."""
    if source not in _centre_name_sources:
        _centre_name_sources.append(source)


def signature() -> str:
    """The SMS signature 【…】: ONETHING_SMS_SIGNATURE, else the main hall's name."""
    name = settings.ONETHING_SMS_SIGNATURE.strip()
    for source in _centre_name_sources:
        if name:
            break
        name = source().strip()
    return f"【{(name or '政务服务中心').strip('【】')}】"


def public_base() -> str:
    """The portal's public address for links sent out (ONETHING_PUBLIC_URL; a local
    address in development)."""
    return (getattr(settings, "ONETHING_PUBLIC_URL", "") or "http://localhost:8000").rstrip("/")


def application_link(application) -> str:
    """The absolute address of the application's page in the portal."""
    try:
        path = reverse("portal:application", args=[application.pk])
    except NoReverseMatch:  # a node serving the API alone
        path = f"/applications/{application.pk}/"
    return f"{public_base()}{path}"


def outbound_text(user, application, milestone: policy.Milestone, *, happened: str,
                  subject: str = "", detail: str = "") -> str:
    """The SMS / e-mail text of a milestone, from the templates."""
    language = policy.language_of(getattr(user, "language", "") or "")
    with translation.override(language):
        try:
            outcome = translation.gettext(ACTION_LABELS[Action(happened)])
        except (KeyError, ValueError):
            outcome = ""
    fields: dict[str, object] = {"signature": signature(), "matter": subject,
                                 "outcome": outcome, "detail": detail}
    if application is not None:
        fields.update(bundle=application.bundle.name, number=application.tracking_number,
                      cases=application.cases.count(), link=application_link(application))
    else:
        fields["link"] = public_base() + "/"
    return policy.render(milestone, language, fields)


def notify(*, user, dedupe_key: str, message: str = "", parts=None, application=None,
           happened: str = "", subject: str = "", detail: str = "") -> Notification:
    """Tell ``user`` something: always in the portal; by SMS (and e-mail) only at a
    milestone (:func:`onething.domain.messages.milestone_for` of ``happened``).

    ``message`` is the in-site text of this step, or ``parts`` (messages.py: template
    keys and parameters) rendered in the reader's language when read; ``subject``
    names the matter (or certificate) concerned and ``detail`` adds a fact for the
    outbound text. Must run inside the transaction of the change it reports: the rows
    commit with it, and the delivery task is queued only after the commit.
    """
    parts = [list(p) for p in parts or []]
    if parts and not message:
        message = render_in(settings.LANGUAGE_CODE, parts)
    note = Notification.objects.create(user=user, application=application,
                                       message=message[:500], parts=parts)
    statuses = (list(application.cases.values_list("status", flat=True))
                if application is not None else [])
    milestone = policy.milestone_for(happened, statuses) if happened else None
    if milestone is None:
        return note
    body = outbound_text(user, application, milestone, happened=happened, subject=subject,
                         detail=detail)
    queue_delivery(user, body, policy.sms_key(milestone, getattr(application, "pk", None),
                                              dedupe_key))
    return note


def queue_delivery(user, body: str, key: str) -> list[Delivery]:
    """Queue ``body`` to the user's mobile (SMS) and e-mail, once per ``key``: the outbox
    rows commit with the caller's transaction, the sending task is queued after it."""
    queued = []
    for channel, address in (("sms", user.mobile), ("email", user.email)):
        if not address:
            continue
        delivery, created = Delivery.objects.get_or_create(
            dedupe_key=f"{channel}:{key}",
            defaults={"channel": channel, "recipient": address, "body": body},
        )
        if created:
            transaction.on_commit(lambda pk=delivery.pk: deliver.enqueue(pk))
            queued.append(delivery)
    return queued


def unread_count(user) -> int:
    """How many of the user's in-site messages are unread (the header's badge)."""
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


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
