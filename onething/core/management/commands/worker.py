"""``onething worker``: the background task worker, surviving database outages.

It takes every option of django-tasks-db's ``db_worker`` (which keeps working
unchanged) and runs the same worker loop, with one difference: a database
connection error (``OperationalError`` / ``InterfaceError`` — a restart of
PostgreSQL, a failover, every connection slot taken) does not end the process.
The worker closes its connections, logs a WARNING, waits (1 s, doubling up to
30 s; back to 1 s once it has run for a minute) and carries on. A task whose run
was cut short by the outage stays RUNNING; for deliveries, ``onething deliveries
retry`` sends it again once its lease has lapsed.

It records a heartbeat (``onething/core/heartbeat.py``) that ``/readyz`` and the metrics
read. ``onething serve`` runs this command; run it under systemd on a worker machine.
"""

from __future__ import annotations

import logging
import time

from django.db import connections
from django.db.utils import InterfaceError, OperationalError
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand
from django_tasks_db.management.commands.db_worker import Worker

from onething.core.heartbeat import default_worker_id, start_heartbeat

logger = logging.getLogger("onething.worker")

# Errors that mean "the database cannot be reached now", not "this task is wrong".
TRANSIENT = (OperationalError, InterfaceError)
BACKOFF_FIRST = 1.0
BACKOFF_MAX = 30.0
STABLE_AFTER = 60.0  # seconds of work after which the next outage starts at BACKOFF_FIRST


def drop_connections() -> None:
    """Forget every database connection; the next query opens a new one."""
    for connection in connections.all(initialized_only=True):
        try:
            connection.close()
        except Exception:  # a dead connection may fail to close; it is gone either way
            connection.connection = None


class ResilientWorker(Worker):
    """django-tasks-db's worker loop, restarted after a database connection error."""

    def run(self) -> None:
        delay = BACKOFF_FIRST
        while self.running:
            started = time.monotonic()
            try:
                super().run()
                return
            except TRANSIENT as error:
                if time.monotonic() - started >= STABLE_AFTER:
                    delay = BACKOFF_FIRST
                logger.warning("worker %s: database unavailable (%s: %s); retrying in %g s",
                               self.worker_id, type(error).__name__,
                               str(error).strip().splitlines()[0] if str(error).strip() else "",
                               delay)
                drop_connections()
                self.startup_delay = False
                time.sleep(delay)  # a stop signal here ends the process at once
                delay = min(delay * 2, BACKOFF_MAX)


class Command(DbWorkerCommand):
    help = ("后台任务进程，数据库中断后自动恢复 (run the background task worker; "
            "survives database outages)")

    def handle(self, *, verbosity: int, queue_name: str, interval: float, batch: bool,
               backend_name: str, startup_delay: bool, reload: bool, max_tasks: int | None,
               worker_id: str, exclude_queues: str, **options: object) -> None:
        self.configure_logging(verbosity)
        if reload:
            logger.warning("onething worker does not reload on code changes "
                           "(use `onething db_worker --reload` while developing)")
        queue_names = queue_name.split(",")
        excluded = exclude_queues.split(",") if exclude_queues else []
        if excluded and "*" not in queue_names:
            from django.core.management.base import CommandError

            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker_id = (worker_id or default_worker_id())[:64]
        worker = ResilientWorker(
            queue_names=queue_names, interval=interval, batch=batch, backend_name=backend_name,
            startup_delay=startup_delay, max_tasks=max_tasks, worker_id=worker_id,
            excluded_queue_names=excluded)
        worker.configure_signals()
        # The heartbeat /readyz and the metrics read (onething/core/heartbeat.py).
        heartbeat = start_heartbeat(worker_id)
        try:
            worker.run()
        finally:
            heartbeat.stop()
