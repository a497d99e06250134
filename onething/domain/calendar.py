"""The working-day calendar (工作日).

Administrative deadlines are counted in working days: not weekends, not
statutory holidays, but make-up working days (调休) count (《行政许可法》第八十二条).
Holiday dates come from the State Council's yearly notice and cannot be
computed, so they come from data:

* the ``chinese-calendar`` package for the years it knows;
* entered days (:class:`EnteredDay`: the catalogue's ``calendar`` section,
  the admin, ``onething holidays add``), which add a year the package does not
  know or correct single dates.

A date in a year neither source knows raises :class:`CalendarDataMissing`
rather than guessing. A caller that must show *something* (planning into next
year before its notice is out) builds the calendar with ``provisional=True``:
unknown years then follow the provisional schedule computed from the statutory
rules (:mod:`onething.domain.holidays`; Monday–Friday outside the years the
rules cover) and every result computed from such a day is flagged
:attr:`WorkingDayResult.provisional`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

import chinese_calendar

from onething.domain import holidays


class CalendarDataMissing(LookupError):
    """No holiday data for a date: the year's notice has not been entered."""

    def __init__(self, day: dt.date) -> None:
        self.day = day
        self.year = day.year
        super().__init__(
            f"{day.year}年的节假日安排尚未录入，无法计算工作日（{day.isoformat()}）。"
            f"请在管理后台、catalog/calendar 或用 onething holidays add 录入国务院办公厅"
            f"公布的{day.year}年安排。 "
            f"(No holiday data for {day.year}: enter the State Council notice for that "
            "year in the admin, in the catalogue's calendar section or with "
            "`onething holidays add`.)"
        )


@dataclass(frozen=True)
class WorkingDayResult:
    day: dt.date
    provisional: bool = False


class DaySource(StrEnum):
    """Where a day off or make-up working day comes from."""

    PACKAGE = "package"  # the chinese-calendar package
    CATALOG = "catalog"  # a catalogue file's calendar section
    ADMIN = "admin"  # entered in the admin
    COMMAND = "command"  # onething holidays add
    PROVISIONAL = "provisional"  # computed from the statutory rules (暂定)


SOURCE_LABELS: dict[DaySource, str] = {
    DaySource.PACKAGE: "chinese-calendar 数据包 (package)",
    DaySource.CATALOG: "目录文件 (catalogue)",
    DaySource.ADMIN: "管理后台 (admin)",
    DaySource.COMMAND: "命令行录入 (holidays add)",
    DaySource.PROVISIONAL: "暂定，按法定规则推算 (provisional)",
}


@dataclass(frozen=True)
class SpecialDay:
    """A day off (``working`` False) or a make-up working day (调休上班) in force."""

    day: dt.date
    working: bool
    name: str = ""
    source: DaySource = DaySource.ADMIN

    @property
    def provisional(self) -> bool:
        return self.source is DaySource.PROVISIONAL


class HolidayNotice(Protocol):
    """A year's notice: :class:`onething.domain.catalog.CalendarYear` and alike."""

    @property
    def year(self) -> int: ...

    @property
    def holidays(self) -> tuple[dt.date, ...]: ...

    @property
    def workdays(self) -> tuple[dt.date, ...]: ...


def _package_knows(day: dt.date) -> bool:
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        return False
    return True


_PACKAGE_YEARS = frozenset(y for y in range(1990, 2100) if _package_knows(dt.date(y, 6, 1)))
PACKAGE_VERSION: str = getattr(chinese_calendar, "__version__", "")


def calendar_package_knows(year: int) -> bool:
    """Whether the chinese-calendar package carries ``year``'s notice."""
    return year in _PACKAGE_YEARS

# The package names its holidays in English.
_PACKAGE_NAMES: dict[str, str] = {
    "New Year's Day": holidays.NEW_YEAR,
    "Spring Festival": holidays.SPRING_FESTIVAL,
    "Tomb-sweeping Day": holidays.TOMB_SWEEPING,
    "Labour Day": holidays.LABOUR_DAY,
    "Dragon Boat Festival": holidays.DRAGON_BOAT,
    "Mid-autumn Festival": holidays.MID_AUTUMN,
    "National Day": holidays.NATIONAL_DAY,
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def _package_days(year: int) -> list[SpecialDay]:
    days: list[SpecialDay] = []
    table: Mapping[dt.date, str]
    for working, table in ((False, chinese_calendar.holidays),
                           (True, chinese_calendar.workdays)):
        for day, name in table.items():
            if day.year == year:
                days.append(SpecialDay(day, working, _PACKAGE_NAMES.get(name, name),
                                       DaySource.PACKAGE))
    return days


def _provisional_working_day(day: dt.date) -> bool:
    if day.weekday() >= 5:
        return False
    if holidays.rules_apply(day.year):
        return not holidays.provisional_schedule(day.year).is_day_off(day)
    return True


class WorkingDayCalendar:
    """Answers "is this a working day?" and counts working days.

    ``overrides`` maps a date to True (working day) or False (day off) and
    ``entered`` gives such dates with their name and source; both win over the
    package. ``known_years`` are years fully described by entered days plus
    the weekend rule (a year whose notice was entered): for them the package's
    data is not used. With ``provisional``,
    a year nothing describes follows the provisional schedule and results
    touching it are flagged.
    """

    def __init__(
        self,
        overrides: Mapping[dt.date, bool] | None = None,
        known_years: Iterable[int] = (),
        *,
        provisional: bool = False,
        entered: Iterable[SpecialDay] = (),
    ) -> None:
        self._entered: dict[dt.date, SpecialDay] = {
            day: SpecialDay(day, working) for day, working in (overrides or {}).items()
        }
        self._entered.update((d.day, d) for d in entered)
        # A notice entered for a whole year replaces the package's data for it.
        self._entered_years = frozenset(known_years)
        self._known_years = self._entered_years | _PACKAGE_YEARS
        self.provisional = provisional

    @classmethod
    def from_years(cls, years: Iterable[HolidayNotice], *, provisional: bool = False,
                   source: DaySource = DaySource.CATALOG) -> WorkingDayCalendar:
        """Build from whole years' notices (``year``, ``holidays``, ``workdays``)."""
        entered: list[SpecialDay] = []
        known: set[int] = set()
        for notice in years:
            known.add(notice.year)
            entered += [SpecialDay(day, False, source=source) for day in notice.holidays]
            entered += [SpecialDay(day, True, source=source) for day in notice.workdays]
        return cls(known_years=known, provisional=provisional, entered=entered)

    def knows(self, day: dt.date) -> bool:
        return day.year in self._known_years

    @property
    def known_years(self) -> frozenset[int]:
        return self._known_years

    def _is_working_day(self, day: dt.date) -> tuple[bool, bool]:
        """(is working day, was guessed)."""
        entered = self._entered.get(day)
        if entered is not None:
            return entered.working, False
        if day.year in self._entered_years:
            return day.weekday() < 5, False
        if day.year in _PACKAGE_YEARS:
            return bool(chinese_calendar.is_workday(day)), False
        if self.provisional:
            return _provisional_working_day(day), True
        raise CalendarDataMissing(day)

    def is_provisional(self, day: dt.date) -> bool:
        """Whether the answer for ``day`` is the provisional schedule's (raises if unknown)."""
        return self._is_working_day(day)[1]

    def special_days(self, year: int) -> tuple[SpecialDay, ...]:
        """The days off and make-up working days in force in ``year``, by date.

        A year whose notice was entered lists the entered days; a package year
        the package's days (holiday blocks include their weekend days), with
        single entered days replacing or adding to them. A year nothing
        describes lists the provisional schedule when the calendar is
        provisional and raises :class:`CalendarDataMissing` otherwise.
        """
        days: dict[dt.date, SpecialDay] = {}
        if year in self._entered_years:
            pass  # a notice entered for the whole year: its days only
        elif year in _PACKAGE_YEARS:
            days.update((d.day, d) for d in _package_days(year))
        elif not self.provisional:
            raise CalendarDataMissing(dt.date(year, 1, 1))
        elif holidays.rules_apply(year):
            days.update(
                (off.day, SpecialDay(off.day, False, off.name, DaySource.PROVISIONAL))
                for off in holidays.provisional_schedule(year).days_off)
        days.update((day, entered) for day, entered in self._entered.items()
                    if day.year == year)
        return tuple(days[day] for day in sorted(days))

    def is_working_day(self, day: dt.date) -> bool:
        return self._is_working_day(day)[0]

    def is_listed_day_off(self, day: dt.date) -> bool:
        """Whether ``day`` is a listed day off — a holiday or a day off moved by 调休,
        the weekend days of a holiday block included — rather than an ordinary weekend
        or a working day. A year nothing describes: the provisional schedule's days off
        when the calendar is provisional, else none."""
        entered = self._entered.get(day)
        if entered is not None:
            return not entered.working
        if day.year in self._entered_years:
            return False
        if day.year in _PACKAGE_YEARS:
            return day in chinese_calendar.holidays
        if self.provisional and holidays.rules_apply(day.year):
            return any(off.day == day
                       for off in holidays.provisional_schedule(day.year).days_off)
        return False

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


FIRST_NOTICE_YEAR = 2000
LAST_NOTICE_YEAR = 2099


def notice_problems(year: int, holidays: Iterable[dt.date],
                    workdays: Iterable[dt.date]) -> list[str]:
    """What is wrong with a year's notice ("中文 (English)" each); [] when it is fine.

    A notice lists the year's days off (a holiday block may include its weekend
    days) and its make-up working days (调休上班), which are Saturdays or Sundays.
    """
    off, worked = sorted(set(holidays)), sorted(set(workdays))
    problems: list[str] = []
    if not FIRST_NOTICE_YEAR <= year <= LAST_NOTICE_YEAR:
        problems.append(f"年份 {year} 不在 {FIRST_NOTICE_YEAR}–{LAST_NOTICE_YEAR} 之间 "
                        f"(year {year} is not between {FIRST_NOTICE_YEAR} and "
                        f"{LAST_NOTICE_YEAR})")
    outside = [d for d in (*off, *worked) if d.year != year]
    if outside:
        listed = "、".join(d.isoformat() for d in sorted(outside))
        problems.append(f"日期不在 {year} 年内：{listed} "
                        f"(dates not in {year}: {', '.join(d.isoformat() for d in outside)})")
    clash = sorted(set(off) & set(worked))
    if clash:
        listed = ", ".join(d.isoformat() for d in clash)
        problems.append(f"日期既是放假日又是调休上班日：{listed} "
                        f"(dates both holiday and working day: {listed})")
    weekdays = [d for d in worked if d.weekday() < 5]
    if weekdays:
        listed = ", ".join(d.isoformat() for d in weekdays)
        problems.append(f"调休上班日应为星期六或星期日，这些日期本来就是工作日：{listed} "
                        f"(make-up working days are Saturdays or Sundays; these are "
                        f"weekdays: {listed})")
    if not off:
        problems.append(f"没有列出 {year} 年的放假日期 (no holidays listed for {year})")
    return problems


class DateListInvalid(ValueError):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("；".join(problems))


_SEPARATORS = re.compile(r"[\s,，、;；]+")


def parse_date_list(text: str) -> list[dt.date]:
    """Dates and ranges as typed by a person: ``2027-01-01, 2027-02-05..2027-02-11``.

    Separated by commas (also 、，；) or whitespace; a range ``A..B`` includes both
    ends. Raises :class:`DateListInvalid` naming every bad item.
    """
    days: list[dt.date] = []
    problems: list[str] = []
    for part in _SEPARATORS.split(text.strip()):
        if not part:
            continue
        first_text, dots, last_text = part.partition("..")
        try:
            first = dt.date.fromisoformat(first_text)
            last = dt.date.fromisoformat(last_text) if dots else first
        except ValueError:
            problems.append(f"“{part}”不是日期 YYYY-MM-DD 或日期范围 YYYY-MM-DD..YYYY-MM-DD "
                            f"('{part}' is not a date or a range of dates)")
            continue
        if last < first:
            problems.append(f"日期范围 {part} 的结束早于开始 (range {part} ends before it starts)")
            continue
        days += [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    if problems:
        raise DateListInvalid(problems)
    return days
