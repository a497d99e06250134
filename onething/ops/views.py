"""Health checks for load balancers and process managers.

``/healthz`` answers while the process is up and never touches the database, so a
slow database does not get every node taken out of rotation at once. ``/readyz``
answers 200 only when this node can serve: the database answers, no migration is
waiting to be applied, this node holds the private half of the active signing key the
database names (otherwise every certificate-issuing approval would fail here), and (with
the database task queue) a task worker is alive and keeping up: its freshest heartbeat is
younger than ``ONETHING_READY_WORKER_STALE_SECONDS`` and no due task has waited longer
than ``ONETHING_READY_QUEUE_AGE_SECONDS`` (0 turns either check off). See
docs/operations.md. And this machine's clock must be within
``ONETHING_CLOCK_SKEW_SECONDS`` of the database server's (deadlines such as a sign-in
code's expiry are shared between nodes; run NTP everywhere).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from onething.core.dbclock import clock_skew

logger = logging.getLogger(__name__)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    reason = _unready_reason()
    if reason:
        return JsonResponse({"status": "unavailable", "reason": reason}, status=503)
    return JsonResponse({"status": "ready"})


def _unready_reason() -> str | None:
    connection = connections[DEFAULT_DB_ALIAS]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        skew = clock_skew().total_seconds()
    except DatabaseError as error:
        logger.warning("readyz: database unreachable: %s", error)
        return "database unreachable"
    if pending:
        return f"{len(pending)} migrations not applied"
    skew_limit = settings.ONETHING_CLOCK_SKEW_SECONDS
    if abs(skew) > skew_limit:
        logger.warning("readyz: this clock is %+.3f s off the database's", skew)
        return (f"clock differs from the database's by {skew:+.3f} s "
                f"(more than {skew_limit:g} s: check NTP)")
    from onething.certificates.keys import active_key_state

    try:
        state = active_key_state()
    except DatabaseError as error:
        logger.warning("readyz: database unreachable: %s", error)
        return "database unreachable"
    if state is not None and not state.ok:
        return state.reason()
    try:
        return _worker_reason()
    except DatabaseError as error:
        logger.warning("readyz: database unreachable: %s", error)
        return "database unreachable"


def uses_task_worker() -> bool:
    """True when tasks wait in the database for a worker (not run at once, as in tests)."""
    from django_tasks import task_backends
    from django_tasks_db.backend import DatabaseBackend

    return isinstance(task_backends["default"], DatabaseBackend)


def _worker_reason() -> str | None:
    if not uses_task_worker():
        return None
    from onething.core.heartbeat import database_now, worker_states
    from onething.ops.operations import due_backlog

    now = database_now()
    stale = settings.ONETHING_READY_WORKER_STALE_SECONDS
    if stale:
        ages = [w.age_seconds for w in worker_states(now)]
        if not ages:
            return "no task worker has reported a heartbeat"
        if min(ages) > stale:
            return (f"task worker heartbeat stale: last seen {int(min(ages))} s ago "
                    f"(limit {stale} s)")
    limit = settings.ONETHING_READY_QUEUE_AGE_SECONDS
    if limit:
        due, oldest_age = due_backlog(now)
        if oldest_age > limit:
            return f"oldest queued task waiting {int(oldest_age)} s (limit {limit} s; {due} due)"
    return None
