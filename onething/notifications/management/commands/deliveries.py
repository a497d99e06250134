"""``onething deliveries retry [--stale-after SECONDS]``: re-queue lost deliveries.

django-tasks-db claims a task by marking its row RUNNING before running it and
never looks at a RUNNING row again. A worker killed mid-task (SIGKILL, OOM,
power loss) therefore leaves its task RUNNING for good, while the delivery it
was sending stays PENDING (its transaction rolled back). A process that dies
between committing a delivery and queueing its task (``on_commit``) loses the
task the same way. Run this command every few minutes (cron, systemd timer):
it queues a new ``deliver`` task for every pending delivery that has no live
task, and marks the abandoned RUNNING task rows FAILED so they stop looking
busy. ``deliver`` locks the row and skips it once sent, so a task queued twice
still sends once (and the stable message id lets the SMS provider drop a
repeat sent just before a crash).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from onething.notifications.models import Delivery, DeliveryStatus
from onething.notifications.tasks import deliver

LOST = "onething.notifications.WorkerLost"


@dataclass
class RetryReport:
    requeued: list[int] = field(default_factory=list)
    abandoned_tasks: int = 0


def requeue_lost_deliveries(*, stale_after: dt.timedelta) -> RetryReport:
    """Queue ``deliver`` again for pending deliveries whose task is gone.

    A task is live while it is READY (also when deferred to a later retry) or
    RUNNING since less than ``stale_after``; deliveries younger than
    ``stale_after`` are left alone, their task may still be on its way.
    """
    if not isinstance(deliver.get_backend(), DatabaseBackend):
        raise CommandError("deliveries retry needs the database task backend "
                           "(TASKS = django_tasks_db.DatabaseBackend)")
    cutoff = timezone.now() - stale_after
    report = RetryReport()
    tasks = DBTaskResult.objects.filter(task_path=deliver.module_path)
    with transaction.atomic():
        report.abandoned_tasks = tasks.filter(
            status=TaskResultStatus.RUNNING, started_at__lte=cutoff
        ).update(status=TaskResultStatus.FAILED, finished_at=timezone.now(),
                 exception_class_path=LOST,
                 traceback="The worker running this task was lost; "
                           "`onething deliveries retry` queued the delivery again.\n")
    live = {
        args_kwargs["args"][0]
        for args_kwargs in tasks.filter(
            Q(status=TaskResultStatus.READY) | Q(status=TaskResultStatus.RUNNING)
        ).values_list("args_kwargs", flat=True)
        if args_kwargs.get("args")
    }
    lost = (Delivery.objects.filter(status=DeliveryStatus.PENDING, created_at__lte=cutoff)
            .exclude(pk__in=live).order_by("pk").values_list("pk", flat=True))
    for pk in lost:
        deliver.enqueue(pk)
        report.requeued.append(pk)
    return report


class Command(BaseCommand):
    help = "消息投递维护 (deliveries: re-queue those a lost worker left behind)"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        retry = sub.add_parser(
            "retry", help="queue pending deliveries again whose task was lost")
        retry.add_argument(
            "--stale-after", type=float, default=600, metavar="SECONDS",
            help="a task RUNNING longer than this is lost; younger deliveries are left "
                 "alone (default: 600)")

    def handle(self, *args: object, **options: object) -> None:
        stale_after = dt.timedelta(seconds=float(options["stale_after"]))  # type: ignore[arg-type]
        report = requeue_lost_deliveries(stale_after=stale_after)
        if report.abandoned_tasks:
            self.stdout.write(f"{report.abandoned_tasks} 个中断的任务已标记失败 "
                              f"(task(s) of lost workers marked failed)")
        ids = f": {', '.join(map(str, report.requeued))}" if report.requeued else ""
        self.stdout.write(f"重新排队 {len(report.requeued)} 条投递 "
                          f"(re-queued {len(report.requeued)} delivery(ies)){ids}")
