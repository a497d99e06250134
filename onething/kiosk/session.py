"""The kiosk's short sessions: idle sign-out and sign-out after each task.

A kiosk session is an ordinary sign-in marked ``kiosk`` with the time of the
last request; a request after ONETHING_KIOSK_IDLE_SECONDS without one ends
it (the page's own timer normally gets there first).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from onething.core.dbclock import db_now

KIOSK = "kiosk"
SEEN = "kiosk_seen"
PENDING = "kiosk_pending"  # the ID number awaiting its SMS code
PENDING_AT = "kiosk_pending_at"
CARD = "kiosk_card"  # what the ID card reader read, before the SMS code
CARD_READ = "kiosk_card_read"  # the user whose card was read this session
RESEND_AT = "kiosk_resend_at"  # when a new code may be asked for (a code is on its way)

View = Callable[..., HttpResponse]


def clock() -> float:
    """Seconds since the epoch by the database's clock: the next touch may reach
    another web node, whose own clock may differ (onething/core/dbclock.py)."""
    return db_now().timestamp()


def idle_seconds() -> int:
    return settings.ONETHING_KIOSK_IDLE_SECONDS


def expired(request: HttpRequest, now: float | None = None) -> bool:
    seen = request.session.get(SEEN)
    now = clock() if now is None else now
    return seen is None or now - float(seen) > idle_seconds()


def touch(request: HttpRequest) -> None:
    request.session[SEEN] = clock()


def start(request: HttpRequest) -> None:
    request.session[KIOSK] = True
    touch(request)


def end(request: HttpRequest) -> None:
    """Sign out completely: nothing of this resident stays on the kiosk."""
    logout(request)  # flushes the session


def kiosk_login_required(view: View) -> View:
    """The resident is signed in at the kiosk and has touched it recently."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        user = request.user
        if not (user.is_authenticated and request.session.get(KIOSK)):
            end(request)
            return redirect("kiosk:start")
        if expired(request):
            end(request)
            return redirect("/kiosk/?timeout=1")
        touch(request)
        return view(request, *args, **kwargs)

    return wrapped


def pending_fresh(request: HttpRequest) -> bool:
    at = request.session.get(PENDING_AT)
    return at is not None and clock() - float(at) <= max(idle_seconds(), 300)
