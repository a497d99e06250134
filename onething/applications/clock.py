"""The case clock (办理时限): a case's due dates from its rows and the calendar.

``onething.domain.deadlines.due_dates`` does the arithmetic; this module reads
what it needs — the acceptance date, the limits the case was filed under, its
non-counting periods (``CaseSuspension``) and extensions (``CaseExtension``) —
and sets the four due-date fields of the case. It never saves: the effects in
``transitions`` and ``services.recompute_due_dates`` save inside the transaction
that holds the case's lock.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Sum
from django.utils import timezone

from onething.applications.models import Case, CaseSuspension
from onething.catalog import selectors as catalog_selectors
from onething.domain.calendar import WorkingDayCalendar
from onething.domain.catalog import TimeLimit
from onething.domain.deadlines import DueDates, Period, due_dates

#: The fields ``refresh_due_dates`` may change.
DUE_FIELDS = ("promised_due_date", "statutory_due_date", "due_provisional",
              "statutory_due_provisional")


def calendar() -> WorkingDayCalendar:
    """The working-day calendar, provisional for years whose notice is not entered yet."""
    return catalog_selectors.working_day_calendar(provisional=True)


def limit(unit: str, days: int) -> TimeLimit:
    return TimeLimit("instant") if unit == "instant" else TimeLimit(unit, days)


def extension_days(case: Case) -> int:
    return int(case.extensions.aggregate(total=Sum("days"))["total"] or 0)


def open_suspension(case: Case) -> CaseSuspension | None:
    return case.suspensions.filter(ended_at__isnull=True).first()


def compute_due_dates(case: Case, *, today: dt.date | None = None,
                      working_days: WorkingDayCalendar | None = None) -> DueDates | None:
    """The case's due dates from its facts, or None before acceptance."""
    if case.accepted_at is None:
        return None
    periods = [Period(start, end) for start, end
               in case.suspensions.values_list("started_on", "ended_on")]
    return due_dates(timezone.localdate(case.accepted_at),
                     promised=limit(case.promised_unit, case.promised_days),
                     statutory=limit(case.statutory_unit, case.statutory_days),
                     calendar=working_days or calendar(), suspensions=periods,
                     extension_days=extension_days(case),
                     today=today or timezone.localdate())


def refresh_due_dates(case: Case, *, today: dt.date | None = None,
                      working_days: WorkingDayCalendar | None = None) -> list[str]:
    """Set the case's due dates from its facts; return the fields that changed (unsaved).

    Idempotent: a second call with the same facts changes nothing.
    """
    dates = compute_due_dates(case, today=today, working_days=working_days)
    if dates is None:
        return []
    wanted = {"promised_due_date": dates.promised.day,
              "statutory_due_date": dates.statutory.day,
              "due_provisional": dates.promised.provisional,
              "statutory_due_provisional": dates.statutory.provisional}
    changed = [name for name, value in wanted.items() if getattr(case, name) != value]
    for name in changed:
        setattr(case, name, wanted[name])
    return changed
