"""Run in processes of their own (tests/hall/test_ticket_races.py), with DATABASE_URL
like any onething command; each waits at a barrier folder until N processes are there.

``python -m tests.hall.ticket_support take CATEGORY_ID COUNT LABEL BARRIER N`` takes COUNT
tickets (each in its own transaction, as kiosks do) and prints their numbers as JSON.
``python -m tests.hall.ticket_support call USERNAME WINDOW_ID LABEL BARRIER N`` presses
"next" at the window until nobody waits, serving each ticket called, and prints the
called tickets' ids as JSON.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path


def _barrier(folder: Path, label: str, processes: int) -> None:
    (folder / label).touch()
    deadline = time.monotonic() + 120
    while len(list(folder.iterdir())) < processes and time.monotonic() < deadline:
        time.sleep(0.01)


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onething.settings")
    import django

    django.setup()
    from onething.accounts.models import User
    from onething.hall.models import ServiceCategory, Window
    from onething.hall.ticket_services import call_next, finish, start_serving, take_ticket

    action, first, second, label, barrier, processes = argv
    _barrier(Path(barrier), label, int(processes))
    if action == "take":
        category = ServiceCategory.objects.get(pk=int(first))
        numbers = [take_ticket(category, channel="kiosk").number for _ in range(int(second))]
        print(json.dumps(numbers))
        return
    clerk = User.objects.get(username=first)
    window = Window.objects.get(pk=int(second))
    called = []
    while (ticket := call_next(window, actor=clerk)) is not None:
        called.append(ticket.pk)
        start_serving(ticket, actor=clerk)
        finish(ticket, actor=clerk)
    print(json.dumps(called))


if __name__ == "__main__":
    main(sys.argv[1:])
