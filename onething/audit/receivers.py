"""Sign-in and API-token events recorded through Django's signals, so that the code
that signs people in or issues tokens needs no audit calls of its own.

``user_logged_in`` / ``user_login_failed`` come from ``django.contrib.auth``: ``login()``
sends the first on every channel; ``authenticate()`` sends the second for password
sign-ins (workbench, admin); the SMS-code sign-ins (portal, kiosk) call ``login_failed``.
Tokens are named by the lazy reference ``"accounts.ApiToken"``: the audit app sits below
the apps that record into it and imports none of them.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from onething.audit.services import record_audit

API_TOKEN = "accounts.ApiToken"
CHANNELS = (("/kiosk/", "kiosk"), ("/workbench/", "workbench"), ("/admin/", "admin"),
            ("/api/", "api"))


def _channel(request: Any) -> str:
    path = getattr(request, "path", "") or ""
    for prefix, name in CHANNELS:
        if path.startswith(prefix):
            return name
    return "portal" if path else ""


def _client(request: Any) -> dict[str, str]:
    if request is None:
        return {}
    return {"channel": _channel(request), "ip": request.META.get("REMOTE_ADDR", "")}


@receiver(user_logged_in, dispatch_uid="audit_login_succeeded")
def _logged_in(sender: Any, request: Any = None, user: Any = None, **kwargs: Any) -> None:
    record_audit("auth.login_succeeded", actor=user, subject=user, details=_client(request))


def _record_failure(request: Any, claimed: str, reason: str) -> None:
    details = {**_client(request), "reason": reason}
    record_audit("auth.login_failed", actor=None, actor_label=claimed,
                 details={k: v for k, v in details.items() if v})


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def _login_failed(sender: Any, credentials: dict[str, Any] | None = None, request: Any = None,
                  **kwargs: Any) -> None:
    credentials = credentials or {}
    _record_failure(request, str(credentials.get("username") or ""),
                    str(credentials.get("reason") or ""))


def login_failed(request: Any, *, identifier: str, reason: str) -> None:
    """For sign-ins that do not go through ``authenticate()`` (SMS codes).

    Recorded directly, not through ``user_login_failed``: django-axes listens to that
    signal for staff passwords, and SMS tries have their own durable limits
    (onething/accounts/ratelimit.py)."""
    _record_failure(request, identifier, reason)


@receiver(pre_save, sender=API_TOKEN, dispatch_uid="audit_token_before")
def _token_before(sender: Any, instance: Any, **kwargs: Any) -> None:
    if instance.pk is None:
        instance._audit_was_revoked = False
    else:
        instance._audit_was_revoked = (sender.objects.filter(pk=instance.pk)
                                       .values_list("revoked_at", flat=True).first()
                                       is not None)


@receiver(post_save, sender=API_TOKEN, dispatch_uid="audit_token_after")
def _token_after(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    details = {"label": instance.label, "holder": instance.user.get_username()}
    if created:
        record_audit("token.issued", actor=getattr(instance, "issued_by", None),
                     subject=instance, details=details)
    if instance.revoked_at is not None and not getattr(instance, "_audit_was_revoked", True):
        record_audit("token.revoked", actor=getattr(instance, "revoked_by", None),
                     subject=instance, details=details)
