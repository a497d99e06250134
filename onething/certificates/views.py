"""The public verification page (核验): anyone holding a certificate number or its
QR link may check it, as a page or (``Accept: application/json``) as data; and
the PDF download (版式文件) for its holder and the staff who may see it."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from onething.accounts import ratelimit
from onething.audit.services import record_audit
from onething.certificates import documents, selectors, services
from onething.certificates.pdf import render_certificate_pdf
from onething.certificates.services import verify_path
from onething.core.addresses import public_url
from onething.core.errors import SubmissionError


def _wants_json(request: HttpRequest) -> bool:
    return ("application/json" in request.headers.get("Accept", "")
            or request.GET.get("format") == "json")


# 核验查询 by typing a number: public, so limited per client address like the other
# public lookups (counted in the database, see accounts.ratelimit).
LOOKUP_LIMITS = [ratelimit.Limit(20, dt.timedelta(minutes=10)),
                 ratelimit.Limit(200, ratelimit.DAY)]


@require_GET
def verify_form(request: HttpRequest) -> HttpResponse:
    """``/verify/``: anyone types a certificate number (as printed under the QR code)
    and is taken to its verification page; a malformed number is answered here."""
    typed = request.GET.get("number")
    error = ""
    status = 200
    if typed is not None:
        try:
            number = services.typed_number(typed)
        except ValueError as exc:
            error, status = str(exc), 400
        else:
            try:
                ratelimit.hit("certificate-lookup", ratelimit.client_address(request),
                              LOOKUP_LIMITS)
            except ratelimit.RateLimited as exc:
                error = _("查询过于频繁，请 %(minutes)s 分钟后再试。") % {
                    "minutes": max(1, (exc.retry_after + 59) // 60)}
                response = render(request, "certificates/verify_form.html",
                                  {"typed": typed[:80], "error": error}, status=429)
                response["Retry-After"] = str(exc.retry_after)
                return response
            return redirect("certificates:verify", number=number)
    response = render(request, "certificates/verify_form.html",
                      {"typed": (typed or "")[:80], "error": error}, status=status)
    patch_cache_control(response, no_store=True)
    return response


@require_GET
def verify(request: HttpRequest, number: str) -> HttpResponse:
    """Anyone may verify; the certified details show only to the signed-in holder or with
    a share code the holder created (``?share=<code>``)."""
    result = selectors.verify_certificate(number)
    http_status = 404 if result.reason == "not_found" else 200
    share = (request.GET.get("share") or "").strip()[:64]
    shown = (result.certificate is not None and result.status != selectors.UNKNOWN
             and selectors.may_see_details(request.user, result.certificate, share))
    share_refused = bool(share) and result.certificate is not None and not shown
    body = result.as_dict(details=shown)
    if share_refused:
        body["share"] = "invalid"
    if _wants_json(request):
        response: HttpResponse = JsonResponse(body, status=http_status,
                                              json_dumps_params={"ensure_ascii": False})
    else:
        data = body["certificate"]
        is_holder = (shown and getattr(request.user, "is_authenticated", False)
                     and result.certificate.holder_id == request.user.pk)
        response = render(request, "certificates/verify.html", {
            "result": result, "number": number, "data": data, "details_shown": shown,
            "is_holder": is_holder, "share_refused": share_refused, "share": share,
            "fields": selectors.field_rows(data),
            "details": selectors.detail_rows((data or {}).get("details") or {}) if shown else [],
            "issued_at": selectors.parse_time((data or {}).get("issued_at"))},
            status=http_status)
    patch_vary_headers(response, ["Accept", "Cookie"])
    # A revocation must show at once: nothing in between may keep an old answer.
    patch_cache_control(response, no_store=True)
    return response


def public_verify_url(request: HttpRequest, number: str) -> str:
    """The absolute verification address printed on paper: ``ONETHING_PUBLIC_URL``
    when the deployment sets it (behind a proxy), else this request's host."""
    return public_url(request, verify_path(number))


@login_required
@require_GET
def download_pdf(request: HttpRequest, number: str) -> HttpResponse:
    certificate = selectors.certificate_for_download(request.user, number)
    if certificate is None:
        raise Http404("没有这份证照 (no such certificate)")
    if certificate.holder_id != request.user.pk:  # staff looking at a citizen's certificate
        record_audit("certificate.downloaded", actor=request.user, subject=certificate,
                     case_id=certificate.case_id, details={"number": certificate.number})
    verify_url = public_verify_url(request, certificate.number)
    if certificate.revoked_at is not None:  # marked 已注销, rendered for this download
        body = render_certificate_pdf(certificate, verify_url)
    else:  # as issued: stored by the worker or by this (first) download
        body = documents.pdf_bytes(documents.issued_pdf(certificate, verify_url,
                                                        rendered_by="download"))
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{certificate.number}.pdf"'
    patch_cache_control(response, private=True, no_store=True)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def share(request: HttpRequest, number: str) -> HttpResponse:
    """分享证照详情: the holder creates and revokes share codes for one certificate."""
    certificate, codes = selectors.share_codes_for(request.user, number)
    if certificate is None:
        raise Http404("没有这份证照 (no such certificate)")
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            if request.POST.get("action") == "revoke":
                chosen = next((c for c in codes if str(c.pk) == request.POST.get("code_id")),
                              None)
                if chosen is None:
                    raise Http404("没有这个分享码 (no such share code)")
                services.revoke_share_code(chosen, actor=request.user)
                messages.success(request, _("分享码已撤销，不能再用来查看证照详情。"))
            else:
                days = int(request.POST.get("days") or services.SHARE_DAYS_DEFAULT)
                created = services.create_share_code(certificate, actor=request.user,
                                                     days=days)
                messages.success(request, _("已创建分享码 %(code)s。") % {"code": created.code})
        except (ValueError, SubmissionError) as exc:
            errors = getattr(exc, "errors", None) or {"days": _("请选择有效期")}
        else:
            return redirect("certificates:share", number=certificate.number)
    now = timezone.now()
    base = public_verify_url(request, certificate.number)
    rows = [{"share": c, "link": f"{base}?share={c.code}",
             "state": ("revoked" if c.revoked_at else "expired" if c.expires_at <= now
                       else "active")} for c in codes]
    response = render(request, "certificates/share.html", {
        "certificate": certificate, "rows": rows, "errors": errors,
        "days_choices": services.SHARE_DAYS_CHOICES, "default_days": services.SHARE_DAYS_DEFAULT,
    }, status=400 if errors else 200)
    return response
