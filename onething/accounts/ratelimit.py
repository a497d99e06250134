"""Durable rate limits for sign-in: counted requests are rows in the database.

Several web nodes serve the same site, so counters cannot live in process memory. A
request is first recorded (committed on its own, so that a failing request still
counts), then the rows in each window are counted; a request over a limit removes its
own row again, so that hammering does not extend the wait. Two racing requests can both
be refused, never both admitted beyond the limit.

Numbers and addresses are stored as keyed hashes (HMAC with SECRET_KEY): the table
says how often, not who.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest

from onething.accounts.models import RateLimitHit
from onething.core.dbclock import db_now

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Limit:
    count: int
    window: dt.timedelta


class RateLimited(Exception):
    def __init__(self, retry_after: int) -> None:
        self.retry_after = max(1, retry_after)
        super().__init__(f"rate limited for {self.retry_after} s")


def keyed(value: str) -> str:
    """A stable, non-reversible key for a number or an address."""
    return hmac.new(settings.SECRET_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()


def client_address(request: HttpRequest | None) -> str:
    """The client as the web server saw it (REMOTE_ADDR); see docs/security.md for
    deployments behind a proxy."""
    if request is None:
        return ""
    return (request.META.get("REMOTE_ADDR") or "").strip()


def hit(scope: str, value: str, limits: list[Limit]) -> None:
    """Count one request for ``value`` in ``scope``; RateLimited when a limit is passed.

    Must not run inside the caller's transaction: the row has to stay even when the
    caller's request fails (``durable`` raises if a caller wraps this in atomic()).
    """
    limits = [limit for limit in limits if limit.count > 0]
    if not value or not limits:
        return
    if any(limit.window > DAY for limit in limits):
        raise ValueError("rate-limit windows are at most a day")
    key = keyed(f"{scope}:{value}")
    now = db_now()  # the database clock: all nodes count one window
    with transaction.atomic(durable=True):
        # Rows older than a day count for nothing any more (indexed on ``at``).
        RateLimitHit.objects.filter(at__lt=now - DAY).delete()
        mine = RateLimitHit.objects.create(scope=scope, key=key, at=now)
    wait = 0
    for limit in limits:
        earlier = list(RateLimitHit.objects.filter(scope=scope, key=key,
                                                   at__gt=now - limit.window)
                       .exclude(pk=mine.pk).order_by("at").values_list("at", flat=True))
        if len(earlier) >= limit.count:
            # Wait until enough earlier requests have left the window.
            frees_at = earlier[len(earlier) - limit.count] + limit.window
            wait = max(wait, math.ceil((frees_at - now).total_seconds()))
    if wait:
        with transaction.atomic(durable=True):
            RateLimitHit.objects.filter(pk=mine.pk).delete()
        raise RateLimited(wait)
