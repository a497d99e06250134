"""A provisional holiday schedule from the statutory rules (暂定节假日安排).

The days off of a year come from the State Council's yearly notice (国务院办公厅
关于某年部分节假日安排的通知), usually published in October or November for the
next year. Until it is out, deadlines that reach into that year can only be
estimated. This module estimates them from what the law itself fixes, the
《全国年节及纪念日放假办法》 as amended by 国务院令第795号 (in force since
2025-01-01), which gives every citizen 13 days:

* 元旦 1 day (January 1);
* 春节 4 days: 除夕 (the last day of the twelfth lunar month) and 初一 to 初三;
* 清明节 1 day: the day of the 清明 solar term;
* 劳动节 2 days (May 1–2);
* 端午节 1 day (the fifth day of the fifth lunar month);
* 中秋节 1 day (the fifteenth day of the eighth lunar month);
* 国庆节 3 days (October 1–3).

Holidays for part of the population (妇女节, 青年节 …) do not change deadlines
and are left out.

The law also says a holiday of all citizens that falls on a Saturday or Sunday
is made up on a working day (适逢星期六、星期日，应当在工作日补假). The notice
chooses where, and usually moves weekend days around (调休) to build longer
breaks; that cannot be foreseen. The provisional rule is therefore the plainest
reading of the law:

* every statutory day is off;
* a statutory day that falls on a Saturday or Sunday, or on a date another
  statutory holiday already takes (中秋 on 国庆), gives one compensating day
  off (补休): the first Monday–Friday after it that is not already off;
* there are no make-up working days (no 调休 上班).

Lunar dates come from ``lunardate`` and the 清明 date from the
``chinese-calendar`` package's solar terms (both checked against an
astronomical calendar for 2025–2099). Pure Python: no Django.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from dataclasses import dataclass

import chinese_calendar
from lunardate import LunarDate

# 国务院令第795号: the 13-day rule applies to holidays from this year on.
RULES_IN_FORCE_FROM = 2025
# lunardate's tables end with lunar year 2099; chinese-calendar's solar terms with 2100.
LAST_COMPUTABLE_YEAR = 2099

NEW_YEAR = "元旦"
SPRING_FESTIVAL = "春节"
TOMB_SWEEPING = "清明节"
LABOUR_DAY = "劳动节"
DRAGON_BOAT = "端午节"
MID_AUTUMN = "中秋节"
NATIONAL_DAY = "国庆节"

HOLIDAY_NAMES_EN: dict[str, str] = {
    NEW_YEAR: "New Year's Day",
    SPRING_FESTIVAL: "Spring Festival",
    TOMB_SWEEPING: "Tomb-sweeping Day",
    LABOUR_DAY: "Labour Day",
    DRAGON_BOAT: "Dragon Boat Festival",
    MID_AUTUMN: "Mid-autumn Festival",
    NATIONAL_DAY: "National Day",
}

COMPENSATION_SUFFIX = "（补休）"


class RulesNotApplicable(ValueError):
    """The statutory rules cannot give a schedule for this year."""

    def __init__(self, year: int) -> None:
        self.year = year
        super().__init__(
            f"{year}年不在可按法定规则推算的年份范围内（{RULES_IN_FORCE_FROM}–"
            f"{LAST_COMPUTABLE_YEAR}年） (no provisional schedule for {year}: the current "
            f"rules cover {RULES_IN_FORCE_FROM}–{LAST_COMPUTABLE_YEAR})"
        )


@dataclass(frozen=True)
class StatutoryHoliday:
    """One statutory day of a holiday (春节 has four)."""

    day: dt.date
    name: str


@dataclass(frozen=True)
class ProvisionalDayOff:
    """A day off of the provisional schedule.

    ``in_lieu_of`` is set on a compensating day (补休): the statutory day (on a
    weekend, or shared with another holiday) that it makes up for.
    """

    day: dt.date
    name: str
    in_lieu_of: dt.date | None = None

    @property
    def compensating(self) -> bool:
        return self.in_lieu_of is not None


@dataclass(frozen=True)
class ProvisionalSchedule:
    """The days off of one year estimated from the rules; no make-up working days."""

    year: int
    days_off: tuple[ProvisionalDayOff, ...]

    def is_day_off(self, day: dt.date) -> bool:
        return day in self._dates

    @functools.cached_property
    def _dates(self) -> frozenset[dt.date]:
        return frozenset(d.day for d in self.days_off)


def rules_apply(year: int) -> bool:
    """Whether :func:`provisional_schedule` can estimate ``year``."""
    return RULES_IN_FORCE_FROM <= year <= LAST_COMPUTABLE_YEAR


def lunar_to_solar(year: int, month: int, day: int) -> dt.date:
    """The Gregorian date of a lunar date (non-leap month) of lunar year ``year``."""
    solar: dt.date = LunarDate(year, month, day).to_solar_date()
    return solar


def qingming(year: int) -> dt.date:
    """The day of the 清明 solar term (April 4 or 5, rarely 6)."""
    april = chinese_calendar.get_solar_terms(dt.date(year, 4, 1), dt.date(year, 4, 30))
    for day, name in april:
        if name == "清明":
            found: dt.date = day
            return found
    raise RulesNotApplicable(year)  # pragma: no cover - every April has 清明


def statutory_holidays(year: int) -> tuple[StatutoryHoliday, ...]:
    """The 13 statutory days of ``year`` under the rules in force since 2025, by date."""
    if not rules_apply(year):
        raise RulesNotApplicable(year)
    new_year = lunar_to_solar(year, 1, 1)
    days = [
        StatutoryHoliday(dt.date(year, 1, 1), NEW_YEAR),
        # 除夕 is the day before 初一, whether the twelfth month has 29 or 30 days.
        *(StatutoryHoliday(new_year + dt.timedelta(days=offset), SPRING_FESTIVAL)
          for offset in range(-1, 3)),
        StatutoryHoliday(qingming(year), TOMB_SWEEPING),
        StatutoryHoliday(dt.date(year, 5, 1), LABOUR_DAY),
        StatutoryHoliday(dt.date(year, 5, 2), LABOUR_DAY),
        StatutoryHoliday(lunar_to_solar(year, 5, 5), DRAGON_BOAT),
        StatutoryHoliday(lunar_to_solar(year, 8, 15), MID_AUTUMN),
        *(StatutoryHoliday(dt.date(year, 10, day), NATIONAL_DAY) for day in (1, 2, 3)),
    ]
    return tuple(sorted(days, key=lambda h: h.day))


@functools.lru_cache(maxsize=64)
def provisional_schedule(year: int) -> ProvisionalSchedule:
    """The year's days off estimated from the statutory rules (see the module doc)."""
    holidays = statutory_holidays(year)
    days_off: dict[dt.date, ProvisionalDayOff] = {}
    owed: list[StatutoryHoliday] = []
    for holiday in holidays:
        if holiday.day in days_off:
            owed.append(holiday)  # two holidays on one date: the second is made up
            continue
        days_off[holiday.day] = ProvisionalDayOff(holiday.day, holiday.name)
        if holiday.day.weekday() >= 5:
            owed.append(holiday)
    # Statutory weekdays are all placed first, so a compensating day never
    # takes the place of a later holiday's own date.
    for holiday in owed:
        day = holiday.day + dt.timedelta(days=1)
        while day.weekday() >= 5 or day in days_off:
            day += dt.timedelta(days=1)
        days_off[day] = ProvisionalDayOff(day, holiday.name + COMPENSATION_SUFFIX,
                                          in_lieu_of=holiday.day)
    return ProvisionalSchedule(year, tuple(sorted(days_off.values(), key=lambda d: d.day)))


def day_names(year: int, days_off: Iterable[dt.date],
              workdays: Iterable[dt.date] = ()) -> dict[dt.date, str]:
    """Name the days of an entered notice after the statutory holidays they belong to.

    A notice lists dates, not which holiday each belongs to. A day off is named
    after the statutory holidays inside its run of consecutive days off
    (weekends included, make-up Saturdays and Sundays excluded), e.g. 国庆节、中秋节
    for 2025-10-01…08; a make-up working day after the nearest such run within
    two weeks. Dates the rules cannot place stay unnamed.
    """
    if not rules_apply(year):
        return {}
    off, worked = set(days_off), set(workdays)

    def is_off(day: dt.date) -> bool:
        return day in off or (day.weekday() >= 5 and day not in worked)

    names: dict[dt.date, str] = {}
    runs: list[tuple[dt.date, dt.date, str]] = []
    for holiday in statutory_holidays(year):
        if holiday.day not in off:
            continue
        first = last = holiday.day
        while is_off(first - dt.timedelta(days=1)):
            first -= dt.timedelta(days=1)
        while is_off(last + dt.timedelta(days=1)):
            last += dt.timedelta(days=1)
        if runs and runs[-1][:2] == (first, last):
            if holiday.name not in runs[-1][2].split("、"):
                runs[-1] = (first, last, f"{runs[-1][2]}、{holiday.name}")
        else:
            runs.append((first, last, holiday.name))
    for first, last, name in runs:
        day = first
        while day <= last:
            if day in off:
                names[day] = name
            day += dt.timedelta(days=1)
    for day in worked:
        near = [(min(abs((day - first).days), abs((day - last).days)), name)
                for first, last, name in runs]
        if near and min(near)[0] <= 14:
            names[day] = min(near)[1]
    return names
