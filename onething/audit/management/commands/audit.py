"""``onething audit verify``: check the audit trail's hash chain.

Prints how many entries were checked and the last one's hash (note it down: a later run
that shows the same sequence with another hash means the history was rewritten). On a
broken link it names the first entry that fails and what differs, and exits with 1.
``onething audit list [--case ID] [--kind KIND] [--limit N]`` prints recent entries.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onething.audit.models import AuditEntry
from onething.audit.services import verify_chain


class Command(BaseCommand):
    help = "审计日志 (audit trail): verify | list"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="check the hash chain; exit 1 at the first broken link")
        listing = sub.add_parser("list", help="print recent entries, newest first")
        listing.add_argument("--case", type=int, default=None)
        listing.add_argument("--kind", default="")
        listing.add_argument("--limit", type=int, default=50)

    def handle(self, *args: object, **options: object) -> None:
        if options["action"] == "verify":
            self._verify()
        else:
            self._list(options)

    def _verify(self) -> None:
        check = verify_chain()
        if not check.ok:
            raise CommandError(
                f"审计日志链在第 {check.broken_at} 条处断开 (audit chain broken at entry "
                f"#{check.broken_at}): {check.problem}; {check.checked} entries before it "
                "are intact")
        self.stdout.write(f"审计日志完整 (audit trail intact): {check.checked} entries, "
                          f"last #{check.last_sequence} {check.last_hash}")

    def _list(self, options: dict) -> None:
        entries = AuditEntry.objects.order_by("-sequence")
        if options.get("case") is not None:
            entries = entries.filter(case_id=options["case"])
        if options.get("kind"):
            entries = entries.filter(kind=options["kind"])
        for entry in entries[: max(1, int(options.get("limit") or 50))]:
            self.stdout.write(
                f"#{entry.sequence} {entry.recorded_at.isoformat(timespec='seconds')} "
                f"{entry.kind} {entry.actor_label or '-'} "
                f"{entry.subject_type}:{entry.subject_id} "
                f"{json.dumps(entry.details, ensure_ascii=False, sort_keys=True)}")
