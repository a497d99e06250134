"""Downloads of notices as large print (大字版 PDF) and Braille (盲文版 .txt / .brf).

Thin views: ``selectors`` decides what the viewer may see (someone else's
notice is a 404, never a 403) and builds the notice; ``largeprint`` and
``braille`` render it. When liblouis or the Chinese font is missing the answer
is a 503 that says, in Chinese and English, what the operator must install.
"""

from __future__ import annotations

import logging

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET

from onething.accessibility import braille, selectors
from onething.accessibility.largeprint import render_large_print
from onething.accessibility.notices import Notice
from onething.certificates.views import public_verify_url
from onething.core.addresses import public_url

logger = logging.getLogger(__name__)

CONTENT_TYPES = {
    "large.pdf": "application/pdf",
    "braille.txt": "text/plain; charset=utf-8",
    "brf": "text/plain; charset=us-ascii",  # ASCII Braille for embossers
}
FONT_UNAVAILABLE = ("大字版所需的中文字体不可用，请联系管理员安装 Debian 软件包 fonts-wqy-microhei"
                    "（scripts/ensure-fonts.sh）。 The Chinese font for large print is missing:"
                    " install Debian's fonts-wqy-microhei (scripts/ensure-fonts.sh).")


def _absolute(request: HttpRequest, path: str) -> str:
    """The address printed on paper: ``ONETHING_PUBLIC_URL`` when set, else this host."""
    return public_url(request, path)


def _unavailable(message: str) -> HttpResponse:
    response = HttpResponse(message + "\n", status=503, content_type="text/plain; charset=utf-8")
    patch_cache_control(response, no_store=True)
    return response


def _download(notice: Notice, fmt: str, filename: str) -> HttpResponse:
    try:
        if fmt == "large.pdf":
            body = render_large_print(notice)
        elif fmt == "braille.txt":
            body = braille.to_unicode_text(notice.lines()).encode("utf-8")
        elif fmt == "brf":
            body = braille.to_brf(notice.lines())
        else:
            raise Http404(fmt)
    except braille.BrailleUnavailable as exc:
        logger.error("Braille download failed: %s", exc)
        return _unavailable(braille.UNAVAILABLE_MESSAGE)
    except ImproperlyConfigured as exc:
        logger.error("Large-print download failed: %s", exc)
        return _unavailable(FONT_UNAVAILABLE)
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


def _application_download(request: HttpRequest, application_id: int, kind: str, fmt: str,
                          case_id: int | None = None) -> HttpResponse:
    try:
        notice = selectors.application_notice(
            request.user, application_id, kind, case_id,
            absolute=lambda path: _absolute(request, path),
            verify_url=lambda number: public_verify_url(request, number))
    except selectors.NoNotice as exc:
        raise Http404("没有这份通知 (no such notice)") from exc
    name = f"application-{application_id}-{kind}" + (f"-{case_id}" if case_id else "")
    response = _download(notice, fmt, name)
    patch_cache_control(response, private=True, no_store=True)  # personal data
    return response


@login_required
@require_GET
def receipt(request: HttpRequest, application_id: int, fmt: str) -> HttpResponse:
    return _application_download(request, application_id, "receipt", fmt)


@login_required
@require_GET
def case_notice(request: HttpRequest, application_id: int, case_id: int, kind: str,
                fmt: str) -> HttpResponse:
    return _application_download(request, application_id, kind, fmt, case_id)


@require_GET
def bundle_guide(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    try:
        notice = selectors.bundle_guide(slug, request.GET.dict(),
                                        absolute=lambda path: _absolute(request, path))
    except selectors.NoNotice as exc:
        raise Http404("没有这件事 (no such bundle)") from exc
    return _download(notice, fmt, f"{slug}-guide")
