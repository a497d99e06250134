"""``onething deadlines deem-accepted|recompute``: the case clock's scheduled work.

``onething deadlines deem-accepted`` queues the ``deem_accepted`` task (视为受理,
《行政许可法》第三十二条) for the worker; ``--inline`` runs it here and prints the cases.
deploy/systemd/onething-deadlines.timer runs it every hour on one machine.

``onething deadlines recompute --year 2027`` recomputes the due dates of open cases
whose dates involve that year (what entering a holiday notice does on its own) and
tells applicants whose promised date moved.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from onething.applications import services, tasks


class Command(BaseCommand):
    help = ("办理时限：逾期未告知视为受理、按节假日安排重算办结日期 "
            "(the case clock: deemed acceptance, recomputing due dates)")

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        deem = sub.add_parser("deem-accepted", help="accept cases whose acceptance limit "
                                                    "passed (视为受理)")
        deem.add_argument("--inline", action="store_true",
                          help="run here instead of queueing the task for the worker")
        recompute = sub.add_parser("recompute", help="recompute open cases' due dates")
        recompute.add_argument("--year", type=int, action="append", required=True,
                               help="a year whose holiday data changed (repeatable)")

    def handle(self, *args: object, **options: object) -> None:
        if options["action"] == "recompute":
            changed = services.recompute_for_calendar(options["year"])  # type: ignore[arg-type]
            self.stdout.write(f"已重算 {len(changed)} 件办件的办结日期 "
                              f"(due dates of {len(changed)} case(s) changed)")
            return
        if options["inline"]:
            deemed = services.deem_overdue_cases_accepted()
            self.stdout.write(f"视为受理 {len(deemed)} 件 (deemed accepted: {len(deemed)} "
                              f"case(s)){': ' + ', '.join(map(str, deemed)) if deemed else ''}")
            return
        result = tasks.deem_accepted.enqueue()
        self.stdout.write(f"已排队 (queued) deem_accepted: {result.id}")
