"""/api/v1/: the ninja API, plus JSON answers for wrong paths and methods."""

from __future__ import annotations

import functools

from django.urls import re_path

from onething.api.api import api
from onething.api.errors import error_response, not_found
from onething.api.language import in_request_language

app_name = "api"


def _json_405(view):
    """ninja answers a wrong method in plain text; keep the one error shape."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and "json" not in response.get("Content-Type", ""):
            allowed = response.get("Allow", "")
            replaced = error_response(405, "method_not_allowed",
                                      f"不支持此请求方法 (method not allowed; use {allowed})")
            replaced["Allow"] = allowed
            return replaced
        return response

    return wrapped


patterns, _, _ = api.urls
for pattern in patterns:
    # Every answer in the language the request asks for (language.py).
    pattern.callback = in_request_language(_json_405(pattern.callback))

urlpatterns = [*patterns, re_path(r"^.*$", in_request_language(not_found), name="not-found")]
