"""Concurrent takes and calls from real processes sharing the PostgreSQL test database
(like tests/audit/test_concurrency.py): numbers stay distinct and gap-free, and each
ticket is called by exactly one window, none skipped. PostgreSQL only: on SQLite one
transaction writes at a time, so there is no race to lose."""

from __future__ import annotations

import json

import pytest

from onething.accounts.models import Role
from onething.accounts.services import create_staff
from onething.domain.tickets import TicketStatus
from onething.hall.models import Ticket
from onething.hall.services import start_shift
from onething.hall.ticket_services import take_ticket
from tests.production.test_workers import (  # noqa: F401  (fixtures)
    ON_POSTGRESQL,
    TIMEOUT,
    shared,
)

pytestmark = [
    pytest.mark.skipif(not ON_POSTGRESQL, reason="races between processes: PostgreSQL only"),
    pytest.mark.django_db(transaction=True),
]
PROCESSES = 4


def _run_all(shared, procs) -> list[list[int]]:  # noqa: F811
    results = []
    for proc in procs:
        out, _ = proc.communicate(timeout=TIMEOUT)
        assert proc.returncode == 0, out
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def test_concurrent_takes_give_distinct_gap_free_numbers(shared, halls, tmp_path):  # noqa: F811
    # The processes take at the real time: round the clock (no published hours) here.
    halls.county.opening_periods.all().delete()
    category = halls.county.categories.get(letter="A")
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    each = 25
    procs = [shared.start("tests.hall.ticket_support", "take", str(category.pk), str(each),
                          f"p{n}", str(barrier), str(PROCESSES)) for n in range(PROCESSES)]
    numbers = _run_all(shared, procs)
    assert all(len(got) == each and got == sorted(got) for got in numbers)
    assert sorted(n for got in numbers for n in got) == list(range(1, PROCESSES * each + 1))
    assert sorted(Ticket.objects.filter(category=category).values_list("number", flat=True)) \
        == list(range(1, PROCESSES * each + 1))


def test_each_ticket_is_called_by_exactly_one_window(shared, halls, tmp_path):  # noqa: F811
    county = halls.county
    county.opening_periods.all().delete()  # calls at the real time (see above)
    category = county.categories.get(letter="A")
    tickets = [take_ticket(category, channel="kiosk").pk for _ in range(80)]
    windows = [county.windows.get(number=n) for n in (1, 2, 3, 4)]  # all serve A
    for n, window in enumerate(windows):
        clerk = create_staff(username=f"race-clerk-{n}", password="x", role=Role.CLERK)
        start_shift(window, actor=clerk)
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    procs = [shared.start("tests.hall.ticket_support", "call", f"race-clerk-{n}",
                          str(window.pk), f"w{n}", str(barrier), str(PROCESSES))
             for n, window in enumerate(windows)]
    called = _run_all(shared, procs)
    every = [pk for got in called for pk in got]
    assert sorted(every) == sorted(tickets)  # each once, none skipped
    assert all(got for got in called), [len(got) for got in called]  # all windows worked
    rows = {t.pk: t for t in Ticket.objects.filter(pk__in=tickets)}
    for window, got in zip(windows, called, strict=True):
        assert {rows[pk].window_id for pk in got} == {window.pk}
    assert {(t.status, t.calls) for t in rows.values()} == {(TicketStatus.DONE, 1)}
