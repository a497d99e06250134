"""Prometheus metrics: ``GET /metrics`` (docs/operations.md, "Observability").

Two kinds of numbers:

* **Per node, counted in this process** — request latency and certificate signing
  errors (the instruments in ``onething.core.metrics``, summed over gunicorn's worker
  processes in multiprocess mode).
* **Deployment-wide, read from the database at scrape time** (:class:`DatabaseCollector`)
  — task queue, delivery outbox, worker heartbeats, counters that the task worker keeps
  in the database (``MetricCounter``). Every process of every node answers the same.

Access: ``ONETHING_METRICS_TOKEN`` (``Authorization: Bearer …``) and/or
``ONETHING_METRICS_ALLOWED_ADDRESSES`` (client addresses or networks, as the web
server sees them in REMOTE_ADDR). With neither set the endpoint answers 404; a
request that matches neither answers 403.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import math
import os
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, HttpResponseNotFound
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

log = logging.getLogger(__name__)


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


class DatabaseCollector:
    """Reads the deployment's state from the database when scraped."""

    def describe(self) -> Iterable[Metric]:
        return []  # unchecked: the families depend on the rows

    def collect(self) -> Iterator[Metric]:
        try:
            families = list(self._families())
        except DatabaseError as error:
            log.warning("metrics: database unreachable: %s", error)
            yield _gauge("onething_database_up", "1 when the database answered this scrape.", 0)
            return
        yield _gauge("onething_database_up", "1 when the database answered this scrape.", 1)
        yield from families

    def _families(self) -> Iterator[Metric]:
        from onething.core import counters
        from onething.ops.operations import snapshot

        state = snapshot()
        q, o = state.queue, state.outbox
        yield _gauge("onething_task_queue_due",
                     "Queued tasks whose time has come (waiting for a worker).", q.due)
        yield _gauge("onething_task_queue_deferred",
                     "Queued tasks waiting for a later time (retries with back-off).",
                     q.deferred)
        yield _gauge("onething_task_running", "Tasks a worker is running.", q.running)
        yield _gauge("onething_task_failed_results",
                     "Finished tasks that raised, kept until pruned.", q.failed)
        yield _gauge("onething_task_oldest_due_age_seconds",
                     "How long the oldest due task has waited (0 when none).",
                     round(q.oldest_due_age, 3))
        yield _gauge("onething_outbox_pending", "Deliveries (SMS, e-mail) not yet sent.",
                     o.pending)
        yield _gauge("onething_outbox_failed", "Deliveries given up after the last attempt.",
                     o.failed)
        yield _gauge("onething_outbox_oldest_pending_age_seconds",
                     "Age of the oldest unsent delivery (0 when none).",
                     round(o.oldest_pending_age, 3))
        age = state.heartbeat_age
        yield _gauge("onething_worker_heartbeat_age_seconds",
                     "Age of the freshest task worker heartbeat (+Inf when none ever beat).",
                     math.inf if age is None else round(age, 3))
        stale = settings.ONETHING_READY_WORKER_STALE_SECONDS or math.inf
        yield _gauge("onething_workers_alive",
                     "Task workers that beat recently and did not stop.",
                     sum(1 for w in state.workers if not w.stopped and w.age_seconds <= stale))
        for name, documentation, keys in (
                ("delivery_attempt_failures",
                 "Failed delivery attempts (each retry counts), by channel and backend.",
                 ["channel", "backend"]),
                ("sign_in_sms_failures",
                 "Sign-in code SMS the backend failed to send, by backend.", ["backend"])):
            family = CounterMetricFamily(f"onething_{name}", documentation, labels=keys)
            for labels, value in counters.values(name):
                family.add_metric([labels.get(key, "") for key in keys], value)
            yield family


class _ThisProcess:
    """This process's own metrics (single-process mode: runserver, tests)."""

    def collect(self) -> Iterator[Metric]:
        return REGISTRY.collect()


def registry() -> CollectorRegistry:
    scrape = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(scrape)
    else:
        scrape.register(_ThisProcess())
    scrape.register(DatabaseCollector())
    return scrape


def _networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(item, strict=False)
            for item in settings.ONETHING_METRICS_ALLOWED_ADDRESSES]


def access(request: HttpRequest) -> int:
    """200 when the scraper may read, 403 when not, 404 when the endpoint is off."""
    token = settings.ONETHING_METRICS_TOKEN
    networks = _networks()
    if not token and not networks:
        return 404
    if token:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(),
                                                              token.encode()):
            return 200
    if networks:
        try:
            address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
        except ValueError:
            return 403
        if any(address in network for network in networks):
            return 200
    return 403


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    verdict = access(request)
    if verdict == 404:
        return HttpResponseNotFound("Not Found", content_type="text/plain")
    if verdict == 403:
        return HttpResponseForbidden("Forbidden", content_type="text/plain")
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)
