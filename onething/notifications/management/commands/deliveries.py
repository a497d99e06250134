"""``onething deliveries retry [--stale-after SECONDS]``: re-queue lost deliveries.

``onething serve`` runs it every minute; a deployment whose worker runs on its
own runs it from a timer (deploy/). It repairs what a lost worker (SIGKILL,
OOM, power loss, a database outage mid-task) leaves behind:

- a delivery still ``sending`` after its lease (``ONETHING_DELIVERY_LEASE_SECONDS``,
  database clock) has lapsed: the worker sending it is gone. It becomes pending
  and a new ``deliver`` task is queued at once; the provider gets the same
  message id again and drops it if the first call had reached it.
- a pending delivery with no live task (READY, or RUNNING for less than
  ``--stale-after``, default the lease length), older than ``--stale-after``:
  its task was lost (a crash between commit and enqueue, or a worker killed
  between claiming the task and claiming the delivery). It is queued again.
- task rows RUNNING for longer than ``--stale-after`` whose worker is gone are
  marked FAILED, so they stop looking busy (django-tasks-db never looks at a
  RUNNING row again).

``deliver`` only sends a pending delivery and claims it under a row lock, so a
delivery queued twice is still sent once.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from onething.core.dbclock import db_now
from onething.notifications.models import Delivery, DeliveryStatus
from onething.notifications.tasks import MAX_ATTEMPTS, deliver, lease_length

log = logging.getLogger("onething.notifications")

LOST = "onething.notifications.WorkerLost"


@dataclass
class RetryReport:
    requeued: list[int] = field(default_factory=list)
    lapsed: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    abandoned_tasks: int = 0


def requeue_lost_deliveries(*, stale_after: dt.timedelta | None = None) -> RetryReport:
    """Queue ``deliver`` again for deliveries whose worker or task is gone.

    Leases are judged by the database clock, so the sweeper's machine does not
    need the same time as the worker's.
    """
    if not isinstance(deliver.get_backend(), DatabaseBackend):
        raise CommandError("deliveries retry needs the database task backend "
                           "(TASKS = django_tasks_db.DatabaseBackend)")
    if stale_after is None:
        stale_after = lease_length()
    now = db_now()
    cutoff = now - stale_after
    report = RetryReport()
    tasks = DBTaskResult.objects.filter(task_path=deliver.module_path)
    with transaction.atomic():
        lapsed = list(Delivery.objects.select_for_update(skip_locked=True).filter(
            status=DeliveryStatus.SENDING, lease_expires_at__lte=now).order_by("pk"))
        for delivery in lapsed:
            delivery.lease_expires_at = None
            if delivery.attempts >= MAX_ATTEMPTS:
                delivery.status = DeliveryStatus.FAILED
                delivery.last_error = "租约到期，尝试次数已用完 (lease lapsed on the last attempt)"
                report.failed.append(delivery.pk)
            else:
                delivery.status = DeliveryStatus.PENDING
                delivery.last_error = "租约到期，发送进程已丢失 (lease lapsed: worker lost)"
                report.lapsed.append(delivery.pk)
            delivery.save(update_fields=["status", "last_error", "lease_expires_at"])
        gone = set(report.lapsed + report.failed)  # their tasks' workers are gone too
        running = tasks.filter(status=TaskResultStatus.RUNNING)
        lost_ids = [pk for pk, args_kwargs, started_at in running.values_list(
                        "pk", "args_kwargs", "started_at")
                    if started_at <= cutoff or args_kwargs.get("args", [None])[0] in gone]
        report.abandoned_tasks = tasks.filter(pk__in=lost_ids).update(
            status=TaskResultStatus.FAILED, finished_at=timezone.now(),
            exception_class_path=LOST,
            traceback="The worker running this task was lost; "
                      "`onething deliveries retry` queued the delivery again.\n")
    for pk in report.lapsed:
        deliver.enqueue(pk)
        report.requeued.append(pk)
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
    if report.lapsed or report.failed:
        log.warning("deliveries retry: lease lapsed for %s (queued again), %s (failed for good)",
                    report.lapsed, report.failed)
    return report


class Command(BaseCommand):
    help = "消息投递维护 (deliveries: re-queue those a lost worker left behind)"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        retry = sub.add_parser(
            "retry", help="queue pending deliveries again whose task was lost")
        retry.add_argument(
            "--stale-after", type=float, default=None, metavar="SECONDS",
            help="a task RUNNING longer than this is lost; younger deliveries are left "
                 "alone (default: ONETHING_DELIVERY_LEASE_SECONDS)")

    def handle(self, *args: object, **options: object) -> None:
        seconds = options["stale_after"]
        stale_after = None if seconds is None else dt.timedelta(seconds=float(seconds))
        report = requeue_lost_deliveries(stale_after=stale_after)
        if report.abandoned_tasks:
            self.stdout.write(f"{report.abandoned_tasks} 个中断的任务已标记失败 "
                              f"(task(s) of lost workers marked failed)")
        if report.lapsed or report.failed:
            self.stdout.write(f"租约到期 {len(report.lapsed) + len(report.failed)} 条 "
                              f"(lease lapsed: {len(report.lapsed)} queued again, "
                              f"{len(report.failed)} failed for good)")
        ids = f": {', '.join(map(str, report.requeued))}" if report.requeued else ""
        self.stdout.write(f"重新排队 {len(report.requeued)} 条投递 "
                          f"(re-queued {len(report.requeued)} delivery(ies)){ids}")
