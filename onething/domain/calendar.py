"""The working-day calendar (工作日).

Administrative deadlines are counted in working days: not weekends, not
statutory holidays, but make-up working days (调休) count (《行政许可法》第八十二条).
Holiday dates come from the State Council's yearly notice and cannot be
computed, so they come from data:

* the ``chinese-calendar`` package for the years it knows;
* :class:`~onething.domain.catalog.CalendarYear` entries (the catalogue's
  ``calendar`` section and the database overrides kept in the admin), which
  add a year the package does not know or correct single dates.

A date in a year neither source knows raises :class:`CalendarDataMissing`
rather than guessing. A caller that must show *something* (a web page
planning into next year before its notice is out) may build the calendar
with ``provisional=True``: unknown years then count Monday–Friday and every
result computed that way is flagged :attr:`WorkingDayResult.provisional`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import chinese_calendar


class CalendarDataMissing(LookupError):
    """No holiday data for a date: the year's notice has not been entered."""

    def __init__(self, day: dt.date) -> None:
        self.day = day
        self.year = day.year
        super().__init__(
            f"{day.year}年的节假日安排尚未录入，无法计算工作日（{day.isoformat()}）。"
            f"请在管理后台或 catalog/calendar 中录入国务院办公厅公布的{day.year}年安排。 "
            f"(No holiday data for {day.year}: enter the State Council notice for that "
            "year in the admin or in the catalogue's calendar section.)"
        )


@dataclass(frozen=True)
class WorkingDayResult:
    day: dt.date
    provisional: bool = False


def _package_knows(day: dt.date) -> bool:
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        return False
    return True


_PACKAGE_YEARS = frozenset(y for y in range(1990, 2100) if _package_knows(dt.date(y, 6, 1)))


class WorkingDayCalendar:
    """Answers "is this a working day?" and counts working days.

    ``overrides`` maps a date to True (working day) or False (day off); it
    wins over the package. ``known_years`` are years fully described by
    overrides plus the weekend rule (a year whose notice was entered).
    """

    def __init__(
        self,
        overrides: Mapping[dt.date, bool] | None = None,
        known_years: Iterable[int] = (),
        *,
        provisional: bool = False,
    ) -> None:
        self._overrides = dict(overrides or {})
        self._known_years = frozenset(known_years) | _PACKAGE_YEARS
        self.provisional = provisional

    @classmethod
    def from_years(cls, years: Iterable[object], *, provisional: bool = False
                   ) -> WorkingDayCalendar:
        """Build from CalendarYear-like objects (``year``, ``holidays``, ``workdays``)."""
        overrides: dict[dt.date, bool] = {}
        known: set[int] = set()
        for entry in years:
            known.add(entry.year)  # type: ignore[attr-defined]
            for day in entry.holidays:  # type: ignore[attr-defined]
                overrides[day] = False
            for day in entry.workdays:  # type: ignore[attr-defined]
                overrides[day] = True
        return cls(overrides, known, provisional=provisional)

    def knows(self, day: dt.date) -> bool:
        return day.year in self._known_years

    @property
    def known_years(self) -> frozenset[int]:
        return self._known_years

    def _is_working_day(self, day: dt.date) -> tuple[bool, bool]:
        """(is working day, was guessed)."""
        if day in self._overrides:
            return self._overrides[day], False
        if day.year in _PACKAGE_YEARS:
            return chinese_calendar.is_workday(day), False
        if day.year in self._known_years:
            return day.weekday() < 5, False
        if self.provisional:
            return day.weekday() < 5, True
        raise CalendarDataMissing(day)

    def is_working_day(self, day: dt.date) -> bool:
        return self._is_working_day(day)[0]

    def check_day(self, day: dt.date) -> tuple[bool, bool]:
        """(is ``day`` a working day, was that guessed for an unpublished year)."""
        return self._is_working_day(day)

    def add_working_days(self, start: dt.date, days: int) -> WorkingDayResult:
        """The date on which a limit of ``days`` working days ends.

        Counting starts on the first working day *after* ``start`` (the day
        of receipt is not counted), so 5 working days from 2025-09-30 end on
        2025-10-14. ``days == 0`` (即办) ends on ``start`` itself, or on the
        next working day when ``start`` is a day off.
        """
        if days < 0:
            raise ValueError("days must not be negative")
        guessed = False
        day = start
        if days == 0:
            working, g = self._is_working_day(day)
            guessed |= g
            while not working:
                day += dt.timedelta(days=1)
                working, g = self._is_working_day(day)
                guessed |= g
            return WorkingDayResult(day, guessed)
        counted = 0
        while counted < days:
            day += dt.timedelta(days=1)
            working, g = self._is_working_day(day)
            guessed |= g
            if working:
                counted += 1
        return WorkingDayResult(day, guessed)

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 if end <= start)."""
        count = 0
        day = start
        while day < end:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count
