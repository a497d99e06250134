"""``onething procedures run [--date YYYY-MM-DD]``: the daily task of 容缺受理 and 告知承诺.

Terminates cases whose owed materials (容缺) were not supplied by their date (or
records the lapse for the reviewer, by the matter's rule), catches up decisions on a
commitment (告知承诺) a node could not sign, and lists post-checks past their date.
Run once a day, after midnight, on one machine (deploy/systemd/onething-procedures.timer);
running it twice is harmless. See onething/applications/procedures.py.
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onething.applications.procedures import run_procedures


class Command(BaseCommand):
    help = ("容缺受理逾期处理、补作告知承诺决定、列出超期的事后核查 (the daily task of the "
            "procedures: lapsed owed materials, pending decisions on a commitment, overdue "
            "post-checks)")

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="run the daily task once")
        run.add_argument("--date", default="",
                         help="the day to run for, YYYY-MM-DD (default: today)")

    def handle(self, *args: object, **options: object) -> None:
        today = None
        if options.get("date"):
            try:
                today = dt.date.fromisoformat(str(options["date"]))
            except ValueError as exc:
                raise CommandError("日期格式应为 YYYY-MM-DD (date must be YYYY-MM-DD)") from exc
        for line in run_procedures(today=today).lines():
            self.stdout.write(line)
