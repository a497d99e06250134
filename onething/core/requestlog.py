"""Request ids: ``request.id`` from a valid ``X-Request-ID`` (the proxy's, so one id
follows a request through nginx, gunicorn and Django) or a new one, returned in the
response's ``X-Request-ID`` header and put on every log record written while the
request runs, with the client address (onething/core/logformat.py)."""

from __future__ import annotations

import re
import uuid

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from onething.core.logformat import CLIENT, REQUEST_ID, forwarded_client

# Letters, digits and a few separators; anything else (a log-injection attempt, a huge
# value) is replaced by a fresh id.
VALID_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")


def client_for_log(request: HttpRequest) -> str:
    return forwarded_client(request.META.get("REMOTE_ADDR", ""),
                            request.META.get("HTTP_X_FORWARDED_FOR", ""),
                            settings.ONETHING_TRUSTED_PROXIES)


class RequestIdMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get("X-Request-ID", "")
        request.id = given if VALID_ID.fullmatch(given) else uuid.uuid4().hex
        id_token = REQUEST_ID.set(request.id)
        client_token = CLIENT.set(client_for_log(request))
        try:
            response = self.get_response(request)
        finally:
            REQUEST_ID.reset(id_token)
            CLIENT.reset(client_token)
        response["X-Request-ID"] = request.id
        return response
