"""``onething audit verify``: seal pending entries, then check the audit trail's hash chain.

Prints how many entries were checked and the last one's hash (note it down: a later run
that shows the same sequence with another hash means the history was rewritten). On a
broken link it names the first entry that fails and what differs, and exits with 1. Entries
still pending after the seal (written meanwhile) are counted; if any of them was recorded
more than ``STALE_PENDING`` ago, sealing is not keeping up: it says so and exits with 1.
``onething audit seal`` only seals (what the worker's task does).
``onething audit list [--case ID] [--kind KIND] [--limit N]`` prints recent entries.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onething.audit.models import AuditEntry
from onething.audit.services import STALE_PENDING, seal_pending, verify_chain


class Command(BaseCommand):
    help = "审计日志 (audit trail): verify | list"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="seal, then check the hash chain; exit 1 at the first "
                       "broken link or on entries left pending too long")
        sub.add_parser("seal", help="link pending entries into the chain")
        listing = sub.add_parser("list", help="print recent entries, newest first")
        listing.add_argument("--case", type=int, default=None)
        listing.add_argument("--kind", default="")
        listing.add_argument("--limit", type=int, default=50)

    def handle(self, *args: object, **options: object) -> None:
        if options["action"] == "verify":
            self._verify()
        elif options["action"] == "seal":
            sealed = seal_pending()
            self.stdout.write(f"已封链 {sealed} 条 (sealed {sealed} pending entries)")
        else:
            self._list(options)

    def _verify(self) -> None:
        check = verify_chain()
        if not check.ok:
            raise CommandError(
                f"审计日志链在第 {check.broken_at} 条处断开 (audit chain broken at entry "
                f"#{check.broken_at}): {check.problem}; {check.checked} entries before it "
                "are intact")
        if check.stale_pending:
            raise CommandError(
                f"{check.stale_pending} 条审计日志待封链超过 "
                f"{STALE_PENDING.total_seconds() / 60:g} 分钟 ({check.stale_pending} audit "
                f"entries pending for over {STALE_PENDING.total_seconds() / 60:g} minutes, "
                f"oldest recorded {check.oldest_pending.isoformat(timespec='seconds')}): "
                f"sealing is not keeping up; the {check.checked} sealed entries are intact")
        self.stdout.write(f"审计日志完整 (audit trail intact): {check.checked} entries, "
                          f"last #{check.last_sequence} {check.last_hash}"
                          + (f"; {check.pending} pending (待封链)" if check.pending else ""))

    def _list(self, options: dict) -> None:
        seal_pending()
        entries = AuditEntry.objects.order_by("-id")
        if options.get("case") is not None:
            entries = entries.filter(case_id=options["case"])
        if options.get("kind"):
            entries = entries.filter(kind=options["kind"])
        for entry in entries[: max(1, int(options.get("limit") or 50))]:
            number = entry.sequence if entry.sequence is not None else "-"
            self.stdout.write(
                f"#{number} {entry.recorded_at.isoformat(timespec='seconds')} "
                f"{entry.kind} {entry.actor_label or '-'} "
                f"{entry.subject_type}:{entry.subject_id} "
                f"{json.dumps(entry.details, ensure_ascii=False, sort_keys=True)}")
