"""``onething holidays add YEAR …`` and ``onething holidays list [YEAR …]``.

``add`` enters a year's State Council holiday notice, from a file in the
catalogue's format (a ``calendar`` section) or from flags; open cases' due
dates are then recomputed (``calendar_changed``). ``list`` shows the days off
and make-up working days in force per year and where they come from.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from onething.catalog import selectors
from onething.catalog.models import EnteredVia
from onething.catalog.services import HolidayNoticeInvalid, enter_holiday_notice
from onething.domain.calendar import SOURCE_LABELS, DateListInvalid, parse_date_list
from onething.domain.catalog import read_catalog

WEEKDAYS = "一二三四五六日"


class Command(BaseCommand):
    help = "录入或查看节假日安排 (enter or list the holiday notices in force)"
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="enter a year's State Council holiday notice")
        add.add_argument("year", type=int, help="the year the notice is for, e.g. 2027")
        add.add_argument("--file", help="YAML in the catalogue's format: a 'calendar' section "
                                        "with year, source, holidays, workdays")
        add.add_argument("--source", help="the notice's title and number (without --file)")
        add.add_argument("--holidays", help="days off: dates and ranges, comma-separated, "
                                            "e.g. 2027-01-01,2027-02-05..2027-02-11")
        add.add_argument("--workdays", help="make-up working days (调休上班), comma-separated")
        show = sub.add_parser("list", help="days off and make-up days in force per year")
        show.add_argument("years", nargs="*", type=int,
                          help="years to show (default: this year, next year and every "
                               "year entered)")
        show.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args: object, **options: object) -> None:
        if options["action"] == "add":
            self._add(options)
        else:
            self._list(options)

    def _add(self, options: dict[str, object]) -> None:
        year = int(str(options["year"]))
        flags = [f"--{name}" for name in ("source", "holidays", "workdays") if options.get(name)]
        if options.get("file"):
            if flags:
                raise CommandError(f"--file 不能与 {', '.join(flags)} 同时使用 "
                                   f"(--file cannot be combined with {', '.join(flags)})")
            source, holidays, workdays = _read_notice_file(Path(str(options["file"])), year)
        else:
            if not options.get("holidays"):
                raise CommandError("请用 --file 或 --holidays（及 --source）给出通知内容 "
                                   "(give the notice with --file, or with --holidays and "
                                   "--source)")
            source = str(options.get("source") or "")
            holidays = _parse_dates(str(options["holidays"]))
            workdays = _parse_dates(str(options.get("workdays") or ""))
        try:
            entered = enter_holiday_notice(year, source=source, holidays=holidays,
                                           workdays=workdays, via=EnteredVia.COMMAND)
        except HolidayNoticeInvalid as exc:
            raise CommandError("\n".join(exc.problems)) from exc
        replaced = (f"，替换原有 {entered.replaced} 条 (replacing {entered.replaced} entered "
                    "before)") if entered.replaced else ""
        self.stdout.write(
            f"已录入{year}年节假日安排：放假 {entered.holidays} 天，调休上班 "
            f"{entered.workdays} 天{replaced}。在办办件的期限将按新安排重新计算。 "
            f"({year} notice entered: {entered.holidays} days off, {entered.workdays} make-up "
            "working days; open cases' due dates are recomputed.)")

    def _list(self, options: dict[str, object]) -> None:
        years = [int(y) for y in options.get("years") or []]  # type: ignore[attr-defined]
        if not years:
            today = timezone.localdate()
            years = sorted({today.year, today.year + 1,
                            *(y for y in selectors.entered_years() if y >= today.year)})
        shown = [selectors.calendar_in_force(year) for year in years]
        if options.get("json"):
            self.stdout.write(json.dumps([
                {"year": y.year, "source": str(y.source), "notice": y.notice,
                 "provisional": y.provisional,
                 "days": [{"date": d.day.isoformat(), "working": d.working, "name": d.name,
                           "source": str(d.source), "provisional": d.provisional}
                          for d in y.days]}
                for y in shown], ensure_ascii=False, indent=2))
            return
        for y in shown:
            self.stdout.write(f"{y.year}年：{y.source_label}")
            self.stdout.write(f"  依据 (notice)：{y.notice}")
            for d in y.days:
                kind = "上班 (make-up working day)" if d.working else "放假 (day off)"
                note = "" if d.source is y.source else f"  [{SOURCE_LABELS[d.source]}]"
                mark = "  暂定 (provisional)" if d.provisional else ""
                self.stdout.write(f"  {d.day.isoformat()} 星期{WEEKDAYS[d.day.weekday()]}  "
                                  f"{kind}  {d.name}{mark}{note}")
            if not y.days:
                self.stdout.write("  （无：只按星期一至星期五计算） (none: Monday–Friday)")


def _parse_dates(text: str) -> list[dt.date]:
    try:
        return parse_date_list(text)
    except DateListInvalid as exc:
        raise CommandError("\n".join(exc.problems)) from exc


def _read_notice_file(path: Path, year: int) -> tuple[str, list[dt.date], list[dt.date]]:
    if not path.is_file():
        raise CommandError(f"找不到文件 {path} (no such file: {path})")
    result = read_catalog(path)
    if result.problems:
        raise CommandError("\n".join(str(p) for p in result.problems))
    notice = result.catalog.calendar.get(year)
    if notice is None:
        found = ", ".join(str(y) for y in sorted(result.catalog.calendar)) or "无 (none)"
        raise CommandError(f"文件 {path} 中没有 {year} 年的 calendar 条目（有：{found}） "
                           f"(the file has no calendar entry for {year}; it has: {found})")
    return notice.source, list(notice.holidays), list(notice.workdays)
