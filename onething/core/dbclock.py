"""The database's clock: one time for every machine of a deployment.

Web nodes, the task worker and the sweeper run on different machines. A deadline
written by one and checked by another (a sign-in code's expiry, a resend limit, a
delivery's lease) must be measured on one clock, or a node whose clock runs a
minute fast lets codes expire early and takes over leases still held. ``db_now()``
asks the database (``SELECT statement_timestamp()`` on PostgreSQL, one round
trip); with SQLite the database lives on this machine, so its clock is this machine's.

NTP is still required (docs/operations.md): ``/readyz`` reports a node whose clock
is further than ``ONETHING_CLOCK_SKEW_SECONDS`` from the database's.
"""

from __future__ import annotations

import datetime as dt

from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone


def db_now(using: str = DEFAULT_DB_ALIAS) -> dt.datetime:
    """The current time (aware, UTC) by the database server's clock."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return timezone.now()
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement_timestamp()")
        (value,) = cursor.fetchone()
    return value.astimezone(dt.UTC)


def clock_skew(using: str = DEFAULT_DB_ALIAS) -> dt.timedelta:
    """How far this machine's clock is ahead of the database's (negative: behind).

    Measured around one query: the database's answer is compared with the middle
    of the round trip, so network latency does not count as skew.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        return dt.timedelta(0)
    before = timezone.now()
    with connection.cursor() as cursor:
        # clock_timestamp(): the real time now, not the transaction's start.
        cursor.execute("SELECT clock_timestamp()")
        (value,) = cursor.fetchone()
    after = timezone.now()
    return before + (after - before) / 2 - value
