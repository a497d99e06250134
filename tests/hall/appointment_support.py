"""Run in a process of its own (tests/hall/test_appointment_races.py), with DATABASE_URL
like any onething command; waits at a barrier folder until N processes are there.

``python -m tests.hall.appointment_support USERNAME CATEGORY_ID SLOT NOW LABEL BARRIER N``
books the slot starting at SLOT (ISO) for USERNAME as of NOW (ISO) and prints
``{"won": code}`` or ``{"refused": errors}`` as JSON.

``python -m tests.hall.appointment_support change APPOINTMENT_ID SLOT NOW LABEL BARRIER N``
moves the appointment (改约, by its person) to the slot starting at SLOT, printing the same.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys

from tests.hall.ticket_support import _barrier


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onething.settings")
    import django

    django.setup()
    from pathlib import Path

    from onething.accounts.models import User
    from onething.hall.appointment_services import book_appointment, change_appointment
    from onething.hall.models import Appointment, ServiceCategory
    from onething.hall.services import HallError

    if argv[0] == "change":
        appointment_id, slot, now, label, barrier, processes = argv[1:]
        appointment = Appointment.objects.select_related("person").get(pk=int(appointment_id))
        _barrier(Path(barrier), label, int(processes))
        try:
            moved = change_appointment(appointment, actor=appointment.person,
                                       slot_starts=dt.datetime.fromisoformat(slot),
                                       now=dt.datetime.fromisoformat(now))
        except HallError as exc:
            print(json.dumps({"refused": exc.errors}, ensure_ascii=False))
        else:
            print(json.dumps({"won": moved.code}))
        return
    username, category_id, slot, now, label, barrier, processes = argv
    person = User.objects.get(username=username)
    category = ServiceCategory.objects.get(pk=int(category_id))
    _barrier(Path(barrier), label, int(processes))
    try:
        booked = book_appointment(category, person=person, actor=person, channel="api",
                                  slot_starts=dt.datetime.fromisoformat(slot),
                                  now=dt.datetime.fromisoformat(now))
    except HallError as exc:
        print(json.dumps({"refused": exc.errors}, ensure_ascii=False))
    else:
        print(json.dumps({"won": booked.code}))


if __name__ == "__main__":
    main(sys.argv[1:])
