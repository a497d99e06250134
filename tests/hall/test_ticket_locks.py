"""What a call-next holds while its transaction is open must not make another window's
call-next wait (issue 14, docs/benchmarks.md (g)). Real concurrent PostgreSQL
connections (tests/pg_race.py): one window's call stays uncommitted until the other
window's call has finished; both must go through at once. The audit trail's part of
this (no chain-head lock in the writer's transaction) is tests/audit/test_sealing.py."""

from __future__ import annotations

import threading

import pytest
from django.db import transaction

from onething.accounts.models import Role
from onething.accounts.services import create_staff
from onething.hall.models import Ticket
from onething.hall.services import start_shift
from onething.hall.ticket_services import call_next, take_ticket
from onething.notifications.models import Delivery
from tests.pg_race import failures, needs_postgresql, race

pytestmark = [needs_postgresql, pytest.mark.django_db(transaction=True)]


def test_two_windows_calling_in_one_category_do_not_wait_for_each_other(halls):
    county = halls.county
    county.opening_periods.all().delete()  # calls at the real time: round the clock
    category = county.categories.get(letter="A")  # windows 1-4 serve A
    tickets = [take_ticket(category, channel="kiosk") for _ in range(4)]
    tickets.append(take_ticket(category, channel="kiosk", mobile="13900000005"))
    windows, clerks = [], []
    for n in (1, 2):
        clerk = create_staff(username=f"lock-clerk-{n}", password="x", role=Role.CLERK)
        windows.append(county.windows.get(number=n))
        start_shift(windows[-1], actor=clerk)
        clerks.append(clerk)
    a_called, b_done = threading.Event(), threading.Event()

    def a() -> tuple[str, bool]:
        with transaction.atomic():
            ticket = call_next(windows[0], actor=clerks[0])
            a_called.set()
            # Both calls would remind A005 (3 or fewer ahead in either's view); the
            # reminder's dedupe row used to be written inside the call's transaction, so
            # B waited for A's commit here and this wait timed out.
            return ticket.code, b_done.wait(10)

    def b() -> str:
        assert a_called.wait(10)
        ticket = call_next(windows[1], actor=clerks[1])
        b_done.set()
        return ticket.code

    outcomes = race(a, b)
    assert failures(outcomes) == [], outcomes
    assert outcomes == [("A001", True), "A002"]
    reminders = list(Delivery.objects.values_list("recipient", flat=True))
    assert reminders == ["13900000005"]  # once, though both calls reminded it
    assert set(
        Ticket.objects.filter(pk__in=[tickets[0].pk, tickets[1].pk]).values_list(
            "status", flat=True
        )
    ) == {"called"}
