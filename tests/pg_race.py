"""Races on real concurrent database connections, for the PostgreSQL tests
(``scripts/test-postgres.sh``, ``make test-postgres``).

``race(a, b, …)`` runs each callable in a thread of its own — Django gives every thread
its own connection, so each is a separate PostgreSQL session — holds them at a barrier
until all have started, lets them go at once, and returns what each returned or the
exception it raised, in the order given. Each thread closes its connection when done
(a thread's connection is not closed by the test's teardown, and an open one keeps the
test database from being flushed or dropped).

Races between processes rather than threads (several ``call next`` workers, say) use
``tests/production/test_workers.shared`` instead (tests/hall/test_ticket_races.py).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from django.db import connection

ON_POSTGRESQL = connection.vendor == "postgresql"
needs_postgresql = pytest.mark.skipif(
    not ON_POSTGRESQL, reason="real concurrent connections (test-postgres.sh)"
)
START_TIMEOUT = 10.0  # seconds for every thread to reach the barrier
TIMEOUT = 60.0  # seconds for all of them to finish


def race(*calls: Callable[[], object], timeout: float = TIMEOUT) -> list[object]:
    """Run ``calls`` at once, each on its own connection; their results or exceptions."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[object] = [None] * len(calls)

    def run(index: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait(START_TIMEOUT)
            outcomes[index] = call()
        except BaseException as exc:  # returned to the test, which decides
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(i, call), name=f"race-{i}", daemon=True)
        for i, call in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    stuck = [thread.name for thread in threads if thread.is_alive()]
    assert not stuck, f"still running after {timeout:g} s: {stuck}"
    return outcomes


def failures(outcomes: list[object]) -> list[BaseException]:
    """The outcomes that are exceptions."""
    return [o for o in outcomes if isinstance(o, BaseException)]
