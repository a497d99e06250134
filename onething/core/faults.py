"""Infrastructure failures answer 503 or 507, never 500, so clients know to retry.

- The database cannot be reached, refuses a connection (every slot taken, a pool
  timed out) or dropped it (a restart, a failover): ``OperationalError`` /
  ``InterfaceError``. Answer 503 with ``Retry-After``
  (``ONETHING_RETRY_AFTER_SECONDS``).
- The uploads volume is full: ``OSError`` ENOSPC (or EDQUOT, a quota). Answer 507
  ``storage_full`` with ``Retry-After``; ``applications.storage.store`` has
  already removed the partial file, and the transaction rolled back.

Under ``/api/`` the answer is the API's JSON error shape; elsewhere a small page
rendered without the database (no session, no user, no context processors).
``server_error`` is the site's ``handler500``, so a failure anywhere (a view, a
middleware, the session saved after the view) ends here; the API's catch-all
handler asks ``fault_response`` too.
"""

from __future__ import annotations

import errno
import logging
import sys

from django.conf import settings
from django.db.utils import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

logger = logging.getLogger("onething.faults")

DATABASE_UNAVAILABLE = ("服务暂时不可用，请稍后重试 "
                        "(service temporarily unavailable: the database cannot be reached; "
                        "retry later)")
STORAGE_FULL = ("存储空间已满，文件未保存，请稍后重试 "
                "(storage full: the file was not saved; retry later)")
FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}


def database_unavailable(exc: BaseException | None) -> bool:
    return isinstance(exc, OperationalError | InterfaceError)


def storage_full(exc: BaseException | None) -> bool:
    return isinstance(exc, OSError) and exc.errno in FULL_ERRNOS


def fault_response(request: HttpRequest, exc: BaseException | None) -> HttpResponse | None:
    """The 503 / 507 answer for an infrastructure failure; None for any other error."""
    if database_unavailable(exc):
        status, code, message = 503, "service_unavailable", DATABASE_UNAVAILABLE
        first_line = (str(exc).strip().splitlines() or [""])[0]
        logger.warning("database unavailable on %s %s: %s: %s", request.method, request.path,
                       type(exc).__name__, first_line)
    elif storage_full(exc):
        status, code, message = 507, "storage_full", STORAGE_FULL
        logger.error("storage full on %s %s: %s", request.method, request.path, exc)
    else:
        return None
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {"code": code, "message": message, "errors": {}}, status=status,
            json_dumps_params={"ensure_ascii": False})
    else:
        if status == 503:
            title = _("服务暂时不可用")
            explanation = _("系统暂时无法访问数据库。您的操作没有完成，请稍后重试。")
        else:
            title = _("存储空间已满")
            explanation = _("上传的文件没有保存。请稍后重试；如问题持续，请联系窗口工作人员。")
        response = HttpResponse(render_to_string("core/unavailable.html", {
            "title": title, "explanation": explanation, "code": code,
            "retry_after": settings.ONETHING_RETRY_AFTER_SECONDS,
        }), status=status)
    response["Retry-After"] = str(settings.ONETHING_RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    # Logged above, once, at its level: Django would add an ERROR "Service Unavailable"
    # (with a traceback outside the API) for every 503 of an outage.
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


def server_error(request: HttpRequest, template_name: str = "500.html") -> HttpResponse:
    """handler500: infrastructure failures get 503 / 507, anything else the branded 500."""
    response = fault_response(request, sys.exc_info()[1])
    if response is not None:
        return response
    from onething.core.error_pages import server_error_page

    return server_error_page(request)
