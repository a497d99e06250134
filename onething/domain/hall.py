"""The service hall (办事大厅 / 便民服务中心): vocabularies and the weekly schedule, plain Python.

A hall opens in *periods*: a weekday (ISO, 1 = Monday … 7 = Sunday), a start and an end
time and the kind of service offered then — ordinary hours (正常办公), extended hours
(延时服务, e.g. a weekday evening or lunchtime) or appointment-only service (预约服务, e.g.
a Saturday morning). Statutory holidays are not part of the week: the hall's notes say
how they are handled (the working-day calendar decides which days they are).

Two shapes of the same schedule:

* a set of :class:`Period` rows (what is stored, one weekday each);
* :class:`ScheduleRow` lines as a person writes them, "周一至周五 09:00–12:00 正常办公":
  a run of consecutive weekdays sharing one period. ``rows_from_periods`` and
  ``periods_from_rows`` convert between them (the workbench's schedule form);
  ``schedule_groups`` gives the public page's lines ("周一至周五：09:00–12:00、13:30–17:30").

Nothing here imports Django; labels are Chinese and translated at the presentation
layer (onething/hall/labels.py).
"""

from __future__ import annotations

import datetime as dt
import string
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise

from onething.domain.calendar import CalendarDataMissing, WorkingDayCalendar


class HallKind(StrEnum):
    COUNTY = "county"  # 县级政务服务中心
    TOWNSHIP = "township"  # 乡镇（街道）便民服务中心
    COMMUNITY = "community"  # 村（社区）便民服务站


HALL_KIND_LABELS: dict[str, str] = {
    HallKind.COUNTY: "政务服务中心",
    HallKind.TOWNSHIP: "便民服务中心",
    HallKind.COMMUNITY: "便民服务站",
}


class WindowKind(StrEnum):
    ANY_MATTER = "any_matter"  # 综合窗口（无差别受理）: any matter, any department
    SPECIALIST = "specialist"  # 专业窗口: one department's matters
    ASSISTANCE = "assistance"  # 帮办代办窗口
    SELF_SERVICE = "self_service"  # 自助区: terminals, no clerk at a counter


WINDOW_KIND_LABELS: dict[str, str] = {
    WindowKind.ANY_MATTER: "综合窗口",
    WindowKind.SPECIALIST: "专业窗口",
    WindowKind.ASSISTANCE: "帮办代办窗口",
    WindowKind.SELF_SERVICE: "自助区",
}

# Kinds at which a member of staff works a shift (the self-service area has no counter).
STAFFED_WINDOW_KINDS = frozenset({WindowKind.ANY_MATTER, WindowKind.SPECIALIST,
                                  WindowKind.ASSISTANCE})


class ServiceKind(StrEnum):
    REGULAR = "regular"  # 正常办公
    EXTENDED = "extended"  # 延时服务
    APPOINTMENT = "appointment"  # 预约服务


SERVICE_KIND_LABELS: dict[str, str] = {
    ServiceKind.REGULAR: "正常办公",
    ServiceKind.EXTENDED: "延时服务",
    ServiceKind.APPOINTMENT: "预约服务",
}

WEEKDAYS = (1, 2, 3, 4, 5, 6, 7)  # ISO: Monday = 1
WEEKDAY_LABELS: dict[int, str] = {1: "周一", 2: "周二", 3: "周三", 4: "周四", 5: "周五",
                                  6: "周六", 7: "周日"}

# A ticket category's prefix (取号的字母: A012): one capital letter.
CATEGORY_LETTERS = tuple(string.ascii_uppercase)


class ScheduleProblem(ValueError):
    """A schedule that cannot be kept; ``problems`` are "中文 (English)" sentences, each
    naming the row (1-based) it is about when there is one."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("；".join(self.problems))


@dataclass(frozen=True, order=True)
class Period:
    weekday: int
    starts: dt.time
    ends: dt.time
    service: ServiceKind = ServiceKind.REGULAR


@dataclass(frozen=True, order=True)
class ScheduleRow:
    """Consecutive weekdays ``first``..``last`` (inclusive) sharing one period."""

    first: int
    last: int
    starts: dt.time
    ends: dt.time
    service: ServiceKind = ServiceKind.REGULAR


def _clock(value: dt.time) -> str:
    return value.strftime("%H:%M")


def check_periods(periods: Iterable[Period]) -> list[Period]:
    """The periods sorted; ScheduleProblem when one is empty or reversed, names no
    weekday, or overlaps another of the same day (a hall cannot be open twice at once)."""
    ordered = sorted(set(periods))
    problems: list[str] = []
    for period in ordered:
        if period.weekday not in WEEKDAY_LABELS:
            problems.append(f"星期应为1至7 (weekday must be 1 to 7): {period.weekday}")
        elif period.starts >= period.ends:
            problems.append(f"{WEEKDAY_LABELS[period.weekday]} {_clock(period.starts)}–"
                            f"{_clock(period.ends)}：结束时间应晚于开始时间 "
                            "(the end must be after the start)")
    by_day: dict[int, list[Period]] = defaultdict(list)
    for period in ordered:
        by_day[period.weekday].append(period)
    for day, day_periods in sorted(by_day.items()):
        for before, after in pairwise(day_periods):
            if after.starts < before.ends and day in WEEKDAY_LABELS:
                problems.append(
                    f"{WEEKDAY_LABELS[day]} {_clock(before.starts)}–{_clock(before.ends)} 与 "
                    f"{_clock(after.starts)}–{_clock(after.ends)} 时间重叠 "
                    "(two periods of one day overlap)")
    if problems:
        raise ScheduleProblem(problems)
    return ordered


def periods_from_rows(rows: Iterable[ScheduleRow]) -> list[Period]:
    """Each row's weekdays as periods, checked (ScheduleProblem names the row)."""
    periods: list[Period] = []
    problems: list[str] = []
    for number, row in enumerate(rows, 1):
        if row.first not in WEEKDAY_LABELS or row.last not in WEEKDAY_LABELS:
            problems.append(f"第{number}行：请选择星期 (row {number}: choose the weekdays)")
            continue
        if row.first > row.last:
            problems.append(f"第{number}行：起始星期应不晚于结束星期 "
                            f"(row {number}: the first weekday comes after the last)")
            continue
        if row.starts >= row.ends:
            problems.append(f"第{number}行：结束时间应晚于开始时间 "
                            f"(row {number}: the end must be after the start)")
            continue
        periods.extend(Period(day, row.starts, row.ends, row.service)
                       for day in range(row.first, row.last + 1))
    if problems:
        raise ScheduleProblem(problems)
    return check_periods(periods)


def day_ranges(days: Iterable[int]) -> list[tuple[int, int]]:
    """Runs of consecutive weekdays: {1, 2, 3, 5} → [(1, 3), (5, 5)]."""
    runs: list[tuple[int, int]] = []
    for day in sorted(set(days)):
        if runs and runs[-1][1] == day - 1:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def rows_from_periods(periods: Iterable[Period]) -> list[ScheduleRow]:
    """The fewest rows that say the same: periods with the same hours and service on
    consecutive weekdays become one row. ``periods_from_rows`` gives the periods back."""
    days: dict[tuple[dt.time, dt.time, ServiceKind], set[int]] = defaultdict(set)
    for period in periods:
        days[(period.starts, period.ends, period.service)].add(period.weekday)
    rows = [ScheduleRow(first, last, starts, ends, service)
            for (starts, ends, service), weekdays in days.items()
            for first, last in day_ranges(weekdays)]
    return sorted(rows, key=lambda r: (r.first, r.starts, r.last, r.ends, r.service))


def day_groups(periods: Iterable[Period]) -> list[tuple[tuple[int, ...], tuple[Period, ...]]]:
    """Weekdays with the same day of periods, in weekday order: the public page's
    lines. A day's periods are compared by their hours and service, not their weekday.
    Days without a period are left out (closed)."""
    by_day: dict[int, list[Period]] = defaultdict(list)
    for period in sorted(set(periods)):
        by_day[period.weekday].append(period)
    same: dict[tuple[tuple[dt.time, dt.time, ServiceKind], ...], list[int]] = defaultdict(list)
    first_periods: dict[tuple[tuple[dt.time, dt.time, ServiceKind], ...], tuple[Period, ...]] = {}
    for day in sorted(by_day):
        shape = tuple((p.starts, p.ends, p.service) for p in by_day[day])
        same[shape].append(day)
        first_periods.setdefault(shape, tuple(by_day[day]))
    groups = [(tuple(days), first_periods[shape]) for shape, days in same.items()]
    return sorted(groups, key=lambda group: group[0][0])


def schedule_groups(periods: Iterable[Period]
                    ) -> list[tuple[ServiceKind, tuple[int, ...], tuple[Period, ...]]]:
    """The public lines of a schedule: ordinary hours first, then extended hours, then
    appointment-only service. Within each, the hours that fall on the same weekdays make
    one line ("周一至周五 09:00–12:00、13:30–17:30", "周二、周四 17:30–19:00 延时服务");
    each line's periods carry its first weekday."""
    days_of: dict[tuple[ServiceKind, dt.time, dt.time], set[int]] = defaultdict(set)
    for period in periods:
        days_of[(period.service, period.starts, period.ends)].add(period.weekday)
    hours_of: dict[tuple[ServiceKind, tuple[int, ...]], list[tuple[dt.time, dt.time]]]
    hours_of = defaultdict(list)
    for (service, starts, ends), days in days_of.items():
        hours_of[(service, tuple(sorted(days)))].append((starts, ends))
    order = {service: index for index, service in enumerate(ServiceKind)}
    lines = [(service, days, tuple(Period(days[0], starts, ends, service)
                                   for starts, ends in sorted(hours)))
             for (service, days), hours in hours_of.items()]
    return sorted(lines, key=lambda line: (order[line[0]], line[1][0], line[2][0].starts,
                                           line[1]))


def open_days(periods: Iterable[Period]) -> frozenset[int]:
    return frozenset(p.weekday for p in periods)


def serves_weekends(periods: Iterable[Period]) -> bool:
    """周末服务: open on Saturday or Sunday in some form."""
    return bool(open_days(periods) & {6, 7})


# -- the calendar: holidays and make-up working days (调休) --------------------------------


class DayKind(StrEnum):
    """How the working-day calendar changes a date's opening hours."""

    ORDINARY = "ordinary"  # the weekly schedule of its weekday
    HOLIDAY = "holiday"  # 法定节假日 or a day off moved by 调休: closed, no slots
    MAKEUP = "makeup"  # 调休上班: a Saturday or Sunday worked as a weekday


def day_kind(calendar: WorkingDayCalendar, day: dt.date) -> DayKind:
    """The kind of ``day`` in ``calendar``. A Monday–Friday that is not a working day and a
    weekend day the notice lists as a day off (the weekend of 国庆) are holidays; a
    Saturday or Sunday that is a working day is a make-up day; an ordinary weekend keeps
    its weekend periods (周末服务). A year without holiday data: ordinary."""
    try:
        working = calendar.is_working_day(day)
    except CalendarDataMissing:
        return DayKind.ORDINARY
    weekend = day.isoweekday() > 5
    if working:
        return DayKind.MAKEUP if weekend else DayKind.ORDINARY
    if not weekend or calendar.is_listed_day_off(day):
        return DayKind.HOLIDAY
    return DayKind.ORDINARY


def makeup_weekday(periods: Iterable[Period]) -> int:
    """The weekday whose periods a make-up working day (调休上班) follows: Monday's, or the
    first of Tuesday–Friday with periods when the hall is closed on Mondays."""
    days = {p.weekday for p in periods}
    return next((d for d in range(1, 6) if d in days), 1)


def periods_on(periods: Iterable[Period], day: dt.date,
               kind: DayKind = DayKind.ORDINARY) -> list[Period]:
    """The periods in force on ``day`` (by start): none on a holiday; a make-up Saturday
    or Sunday has the weekday periods (``makeup_weekday``) instead of its own."""
    every = list(periods)
    if kind is DayKind.HOLIDAY:
        return []
    weekday = day.isoweekday()
    if kind is DayKind.MAKEUP and weekday > 5:
        weekday = makeup_weekday(every)
    return sorted((p for p in every if p.weekday == weekday), key=lambda p: p.starts)


# -- taking tickets within the opening hours -----------------------------------------------

# How far ahead the next opening is looked for: past the longest holiday block (春节).
OPENING_SEARCH_DAYS = 31

_EN_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
              "Dec")


def ticket_hours(periods: Iterable[Period], moment: dt.datetime, *,
                 appointment: bool = False,
                 kinds: Callable[[dt.date], DayKind] | None = None,
                 ) -> tuple[bool, dt.datetime | None]:
    """Whether a ticket may be taken at ``moment`` (the hall's local time, aware), and
    when one may next be taken (the start of the next period, in ``moment``'s zone;
    None when the schedule has no such period within ``OPENING_SEARCH_DAYS``).

    Regular and extended hours (正常办公、延时服务, weekends included) take every ticket;
    appointment-only periods (预约服务) only checked-in appointments (``appointment``).
    ``kinds`` gives each date's kind (``day_kind``): a holiday is closed, a make-up
    working weekend day has the weekday periods; without it every day is ordinary.
    A hall without any period has published no hours and is not restricted. A period
    is half-open: 09:00–12:00 takes tickets from 09:00:00 until 11:59:59."""
    every = list(periods)
    if not every:
        return True, None
    usable = [p for p in every if appointment or p.service is not ServiceKind.APPOINTMENT]
    clock = moment.time().replace(tzinfo=None)
    for offset in range(OPENING_SEARCH_DAYS):
        day = moment.date() + dt.timedelta(days=offset)
        kind = kinds(day) if kinds is not None else DayKind.ORDINARY
        for period in periods_on(usable, day, kind):
            if offset == 0 and period.starts <= clock < period.ends:
                return True, None
            starts = dt.datetime.combine(day, period.starts, tzinfo=moment.tzinfo)
            if starts > moment:
                return False, starts
    return False, None


def closed_message(opens: dt.datetime | None) -> str:
    """The bilingual refusal of a ticket outside the hours, naming the next opening."""
    if opens is None:
        return "本大厅暂不办理现场取号 (this hall does not give out tickets at the moment)"
    zh = f"{opens.month}月{opens.day}日（{WEEKDAY_LABELS[opens.isoweekday()]}）{opens:%H:%M}"
    en = (f"{_EN_WEEKDAYS[opens.isoweekday() - 1]} {opens.day} "
          f"{_EN_MONTHS[opens.month - 1]} at {opens:%H:%M}")
    return (f"现在不是本大厅的取号时间，下次可取号：{zh} "
            f"(the hall is not giving out tickets now; it next opens for tickets on {en})")


def check_category_letter(letter: str) -> str:
    """A ticket category's prefix: one capital letter A–Z (full-width and lower case are
    folded). Raises ScheduleProblem's sibling ValueError with a bilingual message."""
    folded = (letter or "").strip().upper()
    if len(folded) == 1 and "Ａ" <= folded <= "Ｚ":
        folded = chr(ord(folded) - ord("Ａ") + ord("A"))
    if folded not in CATEGORY_LETTERS:
        raise ValueError("取号字母应为一个英文大写字母 A–Z (the ticket letter must be one "
                         "letter A–Z)")
    return folded
