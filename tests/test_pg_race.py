"""The race harness itself (tests/pg_race.py): the calls really run at the same time,
each on a database connection of its own; exceptions come back in order; a call that
never ends fails the race instead of passing unnoticed."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from tests.pg_race import failures, race


def _session() -> object:
    """This thread's database session: the server's process id on PostgreSQL, the
    connection object on SQLite."""
    connection.ensure_connection()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            return cursor.fetchone()[0]
    return id(connection.connection)


@pytest.mark.django_db(transaction=True)
def test_the_calls_run_together_each_on_its_own_connection():
    together = threading.Barrier(3, timeout=10)  # passes only if all three run at once

    def call() -> object:
        session = _session()
        together.wait()
        return session

    outcomes = race(call, call, call)
    assert failures(outcomes) == [], outcomes
    assert len(set(outcomes)) == 3
    assert _session() not in outcomes  # not the test's own connection either


def test_results_and_exceptions_come_back_in_order():
    problem = ValueError("refused")

    def refuse() -> None:
        raise problem

    outcomes = race(lambda: 1, refuse, lambda: "three")
    assert outcomes == [1, problem, "three"]
    assert failures(outcomes) == [problem]


def test_a_call_that_does_not_end_fails_the_race():
    release = threading.Event()
    try:
        with pytest.raises(AssertionError, match=r"still running after 0\.3 s: \['race-1'\]"):
            race(lambda: "quick", lambda: release.wait(30), timeout=0.3)
    finally:
        release.set()
