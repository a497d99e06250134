"""What an operator needs to see at a glance, read from the database: the task queue,
the delivery outbox, worker heartbeats. ``/readyz``, ``onething tasks status`` and the
metrics endpoint all read it here, at the moment they are asked, so every web process
of every node answers the same."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Min, Q
from django.db.models.functions import Coalesce
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max

from onething.core.heartbeat import WorkerState, database_now, worker_states
from onething.notifications.models import Delivery, DeliveryStatus


@dataclass(frozen=True)
class QueueState:
    due: int  # READY tasks whose time has come: the backlog a worker should be eating
    deferred: int  # READY tasks waiting for their run_after (retries with back-off)
    running: int
    failed: int  # finished with an exception (kept until pruned)
    oldest_due_age: float  # seconds the oldest due task has waited (0 when none)


@dataclass(frozen=True)
class OutboxState:
    pending: int
    failed: int  # given up after the last attempt
    oldest_pending_age: float


@dataclass(frozen=True)
class Snapshot:
    now: dt.datetime
    queue: QueueState
    outbox: OutboxState
    workers: list[WorkerState]

    @property
    def heartbeat_age(self) -> float | None:
        """Age of the freshest heartbeat of any worker; None when no worker ever beat."""
        return min((w.age_seconds for w in self.workers), default=None)


def due_backlog(now: dt.datetime) -> tuple[int, float]:
    """(due tasks, seconds the oldest has waited): only READY rows, which the queue's
    partial index covers, so /readyz stays cheap however many finished results are kept."""
    never = get_date_max()
    due = DBTaskResult.objects.filter(status=TaskResultStatus.READY).filter(
        Q(run_after=never) | Q(run_after__lte=now))
    # A deferred task waits from the moment it became due, not from when it was queued;
    # run_after is "never" (year 9999) for a task that may run at once.
    rows = due.annotate(due_at=Coalesce(_when_not_never("run_after", never), "enqueued_at"))\
        .aggregate(count=Count("pk"), oldest=Min("due_at"))
    oldest = rows["oldest"]
    return rows["count"], max(0.0, (now - oldest).total_seconds()) if oldest else 0.0


def queue_state(now: dt.datetime) -> QueueState:
    due, oldest_age = due_backlog(now)
    counts = DBTaskResult.objects.aggregate(
        ready=Count("pk", filter=Q(status=TaskResultStatus.READY)),
        running=Count("pk", filter=Q(status=TaskResultStatus.RUNNING)),
        failed=Count("pk", filter=Q(status=TaskResultStatus.FAILED)))
    return QueueState(due=due, deferred=counts["ready"] - due, running=counts["running"],
                      failed=counts["failed"], oldest_due_age=oldest_age)


def _when_not_never(field: str, never: dt.datetime):
    from django.db.models import Case, F, When

    return Case(When(**{f"{field}__lt": never}, then=F(field)), default=None)


def outbox_state(now: dt.datetime) -> OutboxState:
    rows = Delivery.objects.aggregate(
        pending=Count("pk", filter=Q(status=DeliveryStatus.PENDING)),
        failed=Count("pk", filter=Q(status=DeliveryStatus.FAILED)),
        oldest=Min("created_at", filter=Q(status=DeliveryStatus.PENDING)))
    oldest = rows["oldest"]
    return OutboxState(pending=rows["pending"], failed=rows["failed"],
                       oldest_pending_age=max(0.0, (now - oldest).total_seconds())
                       if oldest else 0.0)


def snapshot() -> Snapshot:
    now = database_now()
    return Snapshot(now=now, queue=queue_state(now), outbox=outbox_state(now),
                    workers=worker_states(now))
