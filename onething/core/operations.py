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


def queue_state(now: dt.datetime) -> QueueState:
    never = get_date_max()
    ready = DBTaskResult.objects.filter(status=TaskResultStatus.READY)
    due = ready.filter(Q(run_after=never) | Q(run_after__lte=now))
    counts = DBTaskResult.objects.aggregate(
        running=Count("pk", filter=Q(status=TaskResultStatus.RUNNING)),
        failed=Count("pk", filter=Q(status=TaskResultStatus.FAILED)))
    # A deferred task waits from the moment it became due, not from when it was queued.
    oldest = due.annotate(due_at=Coalesce(
        # run_after is "never" (year 9999) for a task that may run at once
        _when_not_never("run_after", never), "enqueued_at")).aggregate(
        oldest=Min("due_at"))["oldest"]
    return QueueState(
        due=due.count(), deferred=ready.count() - due.count(),
        running=counts["running"], failed=counts["failed"],
        oldest_due_age=max(0.0, (now - oldest).total_seconds()) if oldest else 0.0)


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
