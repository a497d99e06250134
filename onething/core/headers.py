"""Response headers that keep personal data where it belongs on shared machines.

``PrivacyHeadersMiddleware`` adds

* ``Cache-Control: no-store, private`` to every answer that may carry personal data, so
  that neither the browser of a window PC or kiosk nor any cache on the way keeps a
  copy for the next person (what counts: ``carries_personal_data``); public pages for
  anonymous visitors (catalogue, scenarios, search) stay cacheable;
* ``Permissions-Policy`` (``settings.ONETHING_PERMISSIONS_POLICY``): no camera,
  microphone, location, payment or device APIs for any page.

The Content-Security-Policy comes from django-csp (``settings.CONTENT_SECURITY_POLICY``).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

# Everything under these paths is about somebody: staff screens, the kiosk, uploaded
# files, certificate PDFs and share codes, the admin.
PERSONAL_PREFIXES = ("/workbench/", "/kiosk/", "/admin/", "/files/", "/certificates/")


def carries_personal_data(request: HttpRequest) -> bool:
    if request.method not in {"GET", "HEAD"}:  # a form's answer echoes what was typed
        return True
    if request.path.startswith(PERSONAL_PREFIXES):
        return True
    if "Authorization" in request.headers:  # an API client speaking for someone
        return True
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return True
    session = getattr(request, "session", None)
    # An anonymous session holds something about a person (a number just registered,
    # a sign-in under way at the kiosk).
    return bool(session is not None and session.session_key and list(session.keys()))


class PrivacyHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if carries_personal_data(request):
            patch_cache_control(response, no_store=True, private=True)
        policy = getattr(settings, "ONETHING_PERMISSIONS_POLICY", "")
        if policy and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = policy
        return response
