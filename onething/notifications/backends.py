"""Pluggable senders. Set ONETHING_SMS_BACKEND to a dotted path of a subclass
of :class:`SmsBackend`; the default writes messages to the log (development)."""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

from onething.domain.redaction import mask_message_codes
from onething.domain.validators import mask_mobile

log = logging.getLogger("onething.sms")


class SmsBackend(ABC):
    """Send one SMS through a provider.

    ``send`` is called outside any database transaction, while the delivery is
    leased to this worker (``ONETHING_DELIVERY_LEASE_SECONDS``). Two rules make
    a message arrive once:

    - ``message_id`` is the delivery's ``dedupe_key``, the same on every attempt
      of one message. Pass it to the provider as its message / request id: the
      provider MUST deduplicate by it, because a worker that dies after the
      provider accepted a message but before recording it leaves the message to
      be sent again once the lease lapses.
    - Finish within ``self.timeout`` seconds (``ONETHING_SMS_TIMEOUT_SECONDS``,
      shorter than the lease): pass it to the HTTP client. A call still running
      then counts as failed and is retried later with the same ``message_id``.

    Raise any exception when the provider refuses or cannot be reached; the
    delivery is retried with backoff (six attempts).
    """

    def __init__(self) -> None:
        self.timeout: float = settings.ONETHING_SMS_TIMEOUT_SECONDS

    @abstractmethod
    def send(self, mobile: str, text: str, *, message_id: str) -> None: ...


class LogSmsBackend(SmsBackend):
    """Development: the text goes to the log (the mobile number masked). The text keeps
    its sign-in code only while ``ONETHING_LOG_SMS_CODES`` is on (the demo's way in);
    otherwise codes and personal numbers in it are masked."""

    def send(self, mobile: str, text: str, *, message_id: str) -> None:
        shown = text if settings.ONETHING_LOG_SMS_CODES else mask_message_codes(text)
        log.info("SMS to %s [%s]: %s", mask_mobile(mobile), message_id, shown)


class MemorySmsBackend(SmsBackend):
    """Tests: messages are kept in ``outbox``."""

    outbox: list[tuple[str, str, str]] = []

    def send(self, mobile: str, text: str, *, message_id: str) -> None:
        MemorySmsBackend.outbox.append((mobile, text, message_id))


def sms_backend() -> SmsBackend:
    return import_string(settings.ONETHING_SMS_BACKEND)()


def send_email(address: str, text: str, *, message_id: str) -> None:
    send_mail("onething 办件通知", text, None, [address])
