"""Task worker heartbeats: how web nodes know a worker is alive.

Whatever runs a task worker (``onething tasks worker``, which ``onething serve``
starts, or any other wrapper around django-tasks-db's worker loop) calls
:func:`start_heartbeat` with the worker's id. A daemon thread then calls
:func:`record_heartbeat` every ``ONETHING_WORKER_HEARTBEAT_SECONDS``: it stamps the
worker's ``WorkerHeartbeat`` row with the *database* clock, so comparing it with the
database clock on a web node never mixes two machines' clocks.

A worker stopped with SIGSTOP, killed, or cut off from the database stops beating;
``/readyz`` and the metrics endpoint see the age of the freshest heartbeat grow. (A
worker whose main loop hangs while the process lives keeps beating: the age of the
oldest queued task catches that case.)
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, connection, connections
from django.db.models.functions import Now

from onething.core.models import WorkerHeartbeat

log = logging.getLogger("onething.worker")

# Rows of workers not seen for this long are removed when a worker starts.
FORGET_AFTER = dt.timedelta(days=1)


def default_worker_id() -> str:
    """``host:pid``, at most 64 characters (django-tasks-db's limit for worker ids)."""
    return f"{socket.gethostname()[:50]}:{os.getpid()}"


def database_now() -> dt.datetime:
    """The database server's clock (aware UTC). SQLite runs on this machine: its clock
    is ours."""
    from django.utils import timezone

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement_timestamp()")
            return cursor.fetchone()[0]
    return timezone.now()


def record_heartbeat(worker_id: str) -> None:
    """Stamp ``worker_id``'s row with the database clock (created on the first beat)."""
    updated = WorkerHeartbeat.objects.filter(worker_id=worker_id).update(
        last_seen=Now(), stopped_at=None)
    if not updated:
        WorkerHeartbeat.objects.update_or_create(
            worker_id=worker_id,
            defaults={"hostname": socket.gethostname()[:255], "pid": os.getpid(),
                      "started_at": Now(), "last_seen": Now(), "stopped_at": None})


def record_stopped(worker_id: str) -> None:
    """A worker that stops on purpose says so (``tasks status`` shows it stopped; its
    last heartbeat still ages, so a deployment without a running worker is unready)."""
    WorkerHeartbeat.objects.filter(worker_id=worker_id).update(stopped_at=Now())


def forget_old_heartbeats() -> int:
    return WorkerHeartbeat.objects.filter(last_seen__lt=database_now() - FORGET_AFTER)\
        .delete()[0]


def _first_line(error: BaseException) -> str:
    """psycopg's connection errors run over several lines; a log record stays on one."""
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


class Heartbeat(threading.Thread):
    """The beating thread; ``stop()`` ends it and records the stop."""

    def __init__(self, worker_id: str, interval: float) -> None:
        super().__init__(name=f"heartbeat {worker_id}", daemon=True)
        self.worker_id = worker_id
        self.interval = interval
        self.beats = 0  # recorded beats, for whoever waits for the first one
        self._stopped = threading.Event()

    def beat(self) -> bool:
        try:
            record_heartbeat(self.worker_id)
            self.beats += 1
            return True
        except Exception as error:  # the database is away: try again next time
            log.warning("heartbeat of worker %s not recorded: %s", self.worker_id,
                        _first_line(error))
            return False
        finally:
            # This thread's own connection: never left open across a database restart.
            connections.close_all()

    def run(self) -> None:
        try:
            forget_old_heartbeats()
        except Exception as error:  # never stop beating over the clean-up
            log.warning("old heartbeats not removed: %s", _first_line(error))
        while not self._stopped.is_set():
            self.beat()
            self._stopped.wait(self.interval)

    def stop(self) -> None:
        self._stopped.set()
        if self.is_alive() and threading.current_thread() is not self:
            # The last beat first: a beat landing after the stop would undo it.
            self.join(timeout=self.interval + 10)
        try:
            record_stopped(self.worker_id)
        except DatabaseError as error:
            log.warning("stop of worker %s not recorded: %s", self.worker_id,
                        _first_line(error))


def start_heartbeat(worker_id: str, interval: float | None = None) -> Heartbeat:
    """Beat for ``worker_id`` in a daemon thread, the first beat at once."""
    thread = Heartbeat(worker_id, interval or settings.ONETHING_WORKER_HEARTBEAT_SECONDS)
    thread.start()
    return thread


@dataclass(frozen=True)
class WorkerState:
    worker_id: str
    hostname: str
    pid: int
    age_seconds: float
    stopped: bool


def worker_states(now: dt.datetime | None = None) -> list[WorkerState]:
    """Every known worker, freshest first, with the age of its last heartbeat."""
    now = now or database_now()
    return [WorkerState(row.worker_id, row.hostname, row.pid,
                        max(0.0, (now - row.last_seen).total_seconds()),
                        row.stopped_at is not None)
            for row in WorkerHeartbeat.objects.order_by("-last_seen", "worker_id")]
