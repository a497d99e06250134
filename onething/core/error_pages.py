"""Branded error pages (出错页面): 400, 403, 404 and 500 in the page's language, with the
site header and a way home (``handler400`` … ``handler500`` in ``onething.urls``).

404 and 403 use the portal's full layout (header, search, footer). 400 and 500 use a
plain page that needs neither the database nor the request's host: a 400 may come
from a request whose Host header was refused, a 500 from a failure anywhere.
Under ``/api/`` every error is the API's JSON shape (``code``, ``message``, ``errors``).
"""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

logger = logging.getLogger("onething.errors")

_API_MESSAGES = {
    400: ("bad_request", "请求无法处理 (bad request)"),
    403: ("forbidden", "没有权限 (forbidden)"),
    404: ("not_found", "没有这个地址 (not found)"),
    500: ("server_error", "服务器内部错误 (server error)"),
}


def _texts(status: int) -> tuple[str, str]:
    if status == 404:
        return _("页面不存在"), _("您要找的页面不存在或已经移走。"
                                 "请检查网址，或从首页重新查找要办的事。")
    if status == 403:
        return _("没有访问权限"), _("您没有查看这个页面的权限。"
                                   "如果您认为应该有，请先登录，或联系窗口工作人员。")
    if status == 400:
        return _("请求无法处理"), _("您的浏览器发送的请求无法处理。请返回首页后重试。")
    return _("系统出错了"), _("系统处理您的请求时出错，您的操作可能没有完成。"
                             "请稍后重试；如问题持续，请联系窗口工作人员。")


def _api(request: HttpRequest, status: int) -> HttpResponse | None:
    if not request.path.startswith("/api/"):
        return None
    code, message = _API_MESSAGES[status]
    return JsonResponse({"code": code, "message": message, "errors": {}}, status=status,
                        json_dumps_params={"ensure_ascii": False})


def _page(request: HttpRequest, status: int) -> HttpResponse:
    title, explanation = _texts(status)
    context: dict[str, Any] = {"title": title, "explanation": explanation, "status": status}
    try:
        return render(request, "core/error.html", context, status=status)
    except Exception:  # the full layout failed (e.g. the database): the plain page
        logger.exception("error page %s fell back to the plain layout", status)
        return _plain(status)


def _plain(status: int) -> HttpResponse:
    title, explanation = _texts(status)
    return HttpResponse(render_to_string("core/error_plain.html", {
        "title": title, "explanation": explanation, "status": status}), status=status)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _api(request, 404) or _page(request, 404)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _api(request, 403) or _page(request, 403)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _api(request, 400) or _plain(400)


def server_error_page(request: HttpRequest) -> HttpResponse:
    """The 500 page (after ``faults.server_error`` ruled out 503 / 507)."""
    return _api(request, 500) or _plain(500)
