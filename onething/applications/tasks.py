"""Background work on cases (django-tasks, database worker).

* ``deem_accepted`` — 视为受理 (《行政许可法》第三十二条): cases whose acceptance
  limit has passed are accepted as of receipt. Queued hourly by
  ``onething deadlines deem-accepted`` (deploy/systemd/onething-deadlines.timer);
  running it twice is harmless.
* ``recompute_due_dates`` — after holiday data changed (``calendar_changed``),
  open cases whose dates involve the changed years are recomputed and their
  applicants told when the promised date moved. Queued on commit of the change, so
  entering a notice never waits for (or rolls back with) hundreds of cases.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import transaction
from django_tasks import task

log = logging.getLogger("onething.applications")


@task()
def deem_accepted() -> list[int]:
    from onething.applications.services import deem_overdue_cases_accepted

    deemed = deem_overdue_cases_accepted()
    if deemed:
        log.info("deemed accepted (视为受理): %s case(s): %s", len(deemed), deemed)
    return deemed


@task()
def recompute_due_dates(years: list[int]) -> int:
    from onething.applications.services import recompute_for_calendar

    changed = recompute_for_calendar(years)
    log.info("due dates recomputed for %s: %s case(s) changed", years, len(changed))
    return len(changed)


def on_calendar_changed(sender: object = None, *, years: Iterable[int] = (),
                        **kwargs: object) -> None:
    """Receiver of ``onething.catalog.signals.calendar_changed``."""
    wanted = sorted({int(y) for y in years})
    if wanted:
        transaction.on_commit(lambda: recompute_due_dates.enqueue(wanted))
