"""Background work of the hall (django-tasks, database worker).

* ``mark_appointment_no_shows`` — 爽约: bookings not checked in by 15 minutes after
  their slot are marked no-show (appointment_services.mark_no_shows). Queued hourly by
  ``onething hall no-shows`` (deploy/systemd/onething-deadlines.service runs it with the
  deadlines); running it twice is harmless. Booking counts lapsed bookings not marked
  yet, so the no-show rule never waits for this task.
* ``remind_near_turn`` — the "about 3 ahead" SMS of a category's queue, queued by every
  call-next after it commits (ticket_services._remind_near): the call answers without
  reading the queue or writing messages; the dedupe key makes a repeat harmless.
"""

from __future__ import annotations

import logging

from django_tasks import task

log = logging.getLogger("onething.hall")


@task()
def mark_appointment_no_shows() -> list[int]:
    from onething.hall.appointment_services import mark_no_shows

    marked = mark_no_shows()
    if marked:
        log.info("appointments marked no-show (爽约): %s", len(marked))
    return marked


@task()
def remind_near_turn(category_id: int, day: str) -> None:
    import datetime as dt

    from onething.hall.ticket_services import _remind_near

    _remind_near(category_id, dt.date.fromisoformat(day))
