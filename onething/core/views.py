"""Health checks for load balancers and process managers.

``/healthz`` answers while the process is up and never touches the database, so a
slow database does not get every node taken out of rotation at once. ``/readyz``
answers 200 only when this node can serve: the database answers, no migration
is waiting to be applied, and this machine's clock is within
``ONETHING_CLOCK_SKEW_SECONDS`` of the database server's (deadlines such as a
sign-in code's expiry are shared between nodes; run NTP everywhere).
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
    limit = settings.ONETHING_CLOCK_SKEW_SECONDS
    if abs(skew) > limit:
        logger.warning("readyz: this clock is %+.3f s off the database's", skew)
        return (f"clock differs from the database's by {skew:+.3f} s "
                f"(more than {limit:g} s: check NTP)")
    return None
