"""The public verification page (核验): anyone holding a certificate number or its
QR link may check it, as a page or (``Accept: application/json``) as data; and
the PDF download (版式文件) for its holder and the staff who may see it."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.http import require_GET

from onething.audit.services import record_audit
from onething.certificates import selectors
from onething.certificates.pdf import render_certificate_pdf
from onething.certificates.services import verify_path


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
        data = result.as_dict()["certificate"]
        response = render(request, "certificates/verify.html",
                          {"result": result, "number": number, "data": data,
                           "details": selectors.detail_rows((data or {}).get("details") or {}),
                           "issued_at": selectors.parse_time((data or {}).get("issued_at"))},
                          status=http_status)
    patch_vary_headers(response, ["Accept"])
    # A revocation must show at once: nothing in between may keep an old answer.
    patch_cache_control(response, no_store=True)
    return response


def public_verify_url(request: HttpRequest, number: str) -> str:
    """The absolute verification address printed on paper: ``ONETHING_PUBLIC_URL``
    when the deployment sets it (behind a proxy), else this request's host."""
    base = (getattr(settings, "ONETHING_PUBLIC_URL", "") or "").rstrip("/")
    if base:
        return base + verify_path(number)
    return request.build_absolute_uri(verify_path(number))


@login_required
@require_GET
def download_pdf(request: HttpRequest, number: str) -> HttpResponse:
    certificate = selectors.certificate_for_download(request.user, number)
    if certificate is None:
        raise Http404("没有这份证照 (no such certificate)")
    if certificate.holder_id != request.user.pk:  # staff looking at a citizen's certificate
        record_audit("certificate.downloaded", actor=request.user, subject=certificate,
                     case_id=certificate.case_id, details={"number": certificate.number})
    body = render_certificate_pdf(certificate, public_verify_url(request, certificate.number))
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{certificate.number}.pdf"'
    patch_cache_control(response, private=True, no_store=True)
    return response
