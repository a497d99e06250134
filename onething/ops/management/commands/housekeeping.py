"""``onething housekeeping [--dry-run]``: daily clean-up (onething/ops/housekeeping.py).

Run once a day on one machine (deploy/systemd/onething-housekeeping.timer).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from onething.ops.housekeeping import run_housekeeping


class Command(BaseCommand):
    help = ("日常清理：过期会话、已完成的任务记录、超过保存期的个人信息记录；审计日志不清理 "
            "(housekeeping: expired sessions, finished task results, personal-data records "
            "past retention; the audit trail is kept)")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true",
                            help="count what would be deleted, delete nothing")

    def handle(self, *args: object, **options: object) -> None:
        dry_run = bool(options.get("dry_run"))
        for line in run_housekeeping(dry_run=dry_run).lines(dry_run=dry_run):
            self.stdout.write(line)
