"""Prometheus instruments counted in this process (docs/operations.md, "Observability").

Request latency (:class:`MetricsMiddleware`) and certificate signing errors. Under
gunicorn each worker process writes them to files in ``PROMETHEUS_MULTIPROC_DIR``
(prometheus-client's multiprocess mode, set up by onething/core/gunicorn_conf.py), and
a scrape answered by any worker adds up all of them, so the node's totals do not depend
on which worker answers. The endpoint that serves them, with the deployment-wide numbers
read from the database, is ``onething.ops.metrics`` (``GET /metrics``).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from prometheus_client import Counter, Histogram

REQUEST_LATENCY = Histogram(
    "onething_http_request_duration_seconds",
    "Time from the request reaching Django to the response leaving it, by view.",
    ["method", "view", "status"])
CERTIFICATE_SIGNING_ERRORS = Counter(
    "onething_certificate_signing_errors",
    "Certificates that could not be signed (e.g. KeyMissing), by exception class.",
    ["error"])

# Methods named as such; anything else is "other" (an attacker picks the method name).
_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


class MetricsMiddleware:
    """Times every request. The view's URL name (never the path: it may hold a tracking
    number) keeps the label set small; static files are ``static``, other paths that
    match no URL ``unmatched``."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if match:
            view = match.view_name or "unnamed"
        elif request.path.startswith(settings.STATIC_URL):
            view = "static"  # whitenoise answered before any URL was resolved
        else:
            view = "unmatched"
        method = request.method if request.method in _METHODS else "other"
        REQUEST_LATENCY.labels(method, view, str(response.status_code)).observe(
            time.perf_counter() - started)
        return response
