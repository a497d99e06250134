"""The public verification page (核验): anyone holding a certificate number or its
QR link may check it, as a page or (``Accept: application/json``) as data."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.http import require_GET

from onething.certificates import selectors


def _wants_json(request: HttpRequest) -> bool:
    return ("application/json" in request.headers.get("Accept", "")
            or request.GET.get("format") == "json")


@require_GET
def verify(request: HttpRequest, number: str) -> HttpResponse:
    result = selectors.verify_certificate(number)
    http_status = 404 if result.reason == "not_found" else 200
    if _wants_json(request):
        response: HttpResponse = JsonResponse(result.as_dict(), status=http_status,
                                              json_dumps_params={"ensure_ascii": False})
    else:
        response = render(request, "certificates/verify.html",
                          {"result": result, "number": number,
                           "data": result.as_dict()["certificate"]},
                          status=http_status)
    patch_vary_headers(response, ["Accept"])
    # A revocation must show at once: nothing in between may keep an old answer.
    patch_cache_control(response, no_store=True)
    return response
