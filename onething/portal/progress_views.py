"""The public progress lookup (办件进度查询): 受理编号 + the applicant's ID number.

For walk-in applicants without an account: the receipt's QR code leads here. The
answer shows statuses only (no name, no ID number, no materials). A wrong number and
a wrong ID number get the same message; the lookup is rate-limited per client address
and per 受理编号 (``onething.accounts.ratelimit``), so numbers cannot be tried in bulk.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from onething.accounts import ratelimit
from onething.applications.selectors import public_progress
from onething.portal.forms import field, summary

# Per client address and per 受理编号, within an hour.
ADDRESS_LIMIT = ratelimit.Limit(20, ratelimit.HOUR)
NUMBER_LIMIT = ratelimit.Limit(5, ratelimit.HOUR)


def _not_found() -> str:
    return _("受理编号或身份证号码不正确，请核对回执后重试。")


@never_cache
@require_http_methods(["GET", "POST"])
def progress(request: HttpRequest) -> HttpResponse:
    number = "".join((request.POST.get("number") or request.GET.get("number") or "").split())
    errors: dict[str, str] = {}
    result = None
    status = 200
    if request.method == "POST":
        id_number = "".join((request.POST.get("id_number") or "").split())
        if not number:
            errors["number"] = _("请输入回执上的受理编号。")
        if not id_number:
            errors["id_number"] = _("请输入申请人的身份证号码。")
        if not errors:
            try:
                ratelimit.hit("progress-address", ratelimit.client_address(request),
                              [ADDRESS_LIMIT])
                ratelimit.hit("progress-number", number[:40], [NUMBER_LIMIT])
            except ratelimit.RateLimited as exc:
                minutes = max(1, -(-exc.retry_after // 60))
                errors["number"] = _("查询次数过多，请 %(minutes)s 分钟后再试。") % {
                    "minutes": minutes}
                status = 429
            else:
                result = public_progress(number, id_number)
                if result is None:
                    errors["number"] = _not_found()
    fields = {
        "number": field("number", _("受理编号"), value=number, error=errors.get("number", ""),
                        hint=_("见收件回执或受理通知书。")),
        "id_number": field("id_number", _("申请人身份证号码"), kind="id_number",
                           error=errors.get("id_number", "")),
    }
    return render(request, "portal/progress.html", {
        "fields": fields, "result": result,
        "errors": summary(errors, {"number": "field-number", "id_number": "field-id_number"}),
    }, status=status)
