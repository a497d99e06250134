"""Sign-in by SMS code, sign-out and registration of applicants."""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from onething.accounts.services import (
    AccountError,
    register_company,
    register_person,
    request_login_code,
    verify_login_code,
)
from onething.audit.receivers import login_failed
from onething.domain.validators import (
    ValidationProblem,
    mask_mobile,
    validate_id_number,
    validate_mobile,
    validate_uscc,
)
from onething.portal.forms import field, summary

BACKEND = "django.contrib.auth.backends.ModelBackend"
# The number just registered, for the sign-in form: kept in the session, never in the URL
# (addresses end up in browser history, proxy and server logs).
REGISTERED_MOBILE = "portal_registered_mobile"


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return reverse("portal:applications")


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    """Step 1: the mobile number gets a code; step 2: the code signs in."""
    mobile = (request.POST.get("mobile") or request.session.get(REGISTERED_MOBILE) or "").strip()
    step = "mobile"
    errors: dict[str, str] = {}
    sent = ""
    if request.method == "POST" and request.POST.get("step") == "code":
        step = "code"
        code = request.POST.get("code", "").strip()
        if not code:
            errors["code"] = _("请输入短信验证码 (enter the code from the SMS)")
        else:
            try:
                user = verify_login_code(mobile, code)
            except AccountError as exc:
                login_failed(request, identifier=mobile, reason=exc.code)
                if exc.field == "mobile":
                    step = "mobile"
                errors[exc.field or "code"] = str(exc)
            else:
                request.session.pop(REGISTERED_MOBILE, None)
                login(request, user, backend=BACKEND)
                messages.success(request, _("您已登录：%(name)s") % {"name": user.display_name})
                return redirect(_next_url(request))
    elif request.method == "POST":
        if not mobile:
            errors["mobile"] = _("请输入手机号码 (enter your mobile number)")
        else:
            try:
                request_login_code(mobile)
                step = "code"
            except AccountError as exc:
                if exc.code == "too_soon":
                    step = "code"  # a code was sent a moment ago: use that one
                    sent = str(exc)
                else:
                    errors["mobile"] = str(exc)
    if step == "code":
        try:
            mobile = validate_mobile(mobile)
        except ValidationProblem:
            step = "mobile"
    fields = {
        "mobile": field("mobile", _("手机号码"), kind="mobile", value=mobile,
                        error=errors.get("mobile", "")),
        "code": field("code", _("短信验证码"), kind="code", error=errors.get("code", ""),
                      hint=_("6位数字，5分钟内有效。")),
    }
    return render(request, "portal/login.html", {
        "step": step, "mobile": mobile, "masked": mask_mobile(mobile) if step == "code" else "",
        "fields": fields, "sent": sent,
        "errors": summary(errors, {"mobile": "field-mobile", "code": "field-code"}),
        "next": request.POST.get("next") or request.GET.get("next") or "",
    })


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, _("您已安全退出。"))
    return redirect("portal:home")


# (name, label, kind); the label before its parenthesis names the field in error messages.
PERSON_FIELDS = [
    ("real_name", gettext_lazy("姓名"), "name"),
    ("id_number", gettext_lazy("居民身份证号码"), "id_number"),
    ("mobile", gettext_lazy("手机号码（用于登录和接收办理进度）"), "mobile"),
]
COMPANY_FIELDS = [
    ("company_name", gettext_lazy("企业名称"), "organization"),
    ("uscc", gettext_lazy("统一社会信用代码"), "uscc"),
    ("representative_name", gettext_lazy("经办人（授权代表）姓名"), "name"),
    ("representative_id_number", gettext_lazy("经办人居民身份证号码"), "id_number"),
    ("mobile", gettext_lazy("经办人手机号码（用于登录和接收办理进度）"), "mobile"),
]
_CHECKS = {"id_number": validate_id_number, "uscc": validate_uscc, "mobile": validate_mobile}
_SHORT = re.compile(r"（| \(")  # "手机号码（用于…）", "Mobile number (for …)"


def _check_all(specs: list[tuple[str, Any, str]], data: dict[str, str]) -> dict[str, str]:
    """Every problem at once (the service stops at the first one)."""
    errors = {}
    for name, label, kind in specs:
        value = data.get(name, "")
        short = _SHORT.split(str(label))[0]
        if not value:
            errors[name] = _("请填写%(label)s (required)") % {"label": short}
        elif kind in _CHECKS:
            try:
                _CHECKS[kind](value)
            except ValidationProblem as exc:
                errors[name] = _("%(label)s：%(problem)s") % {"label": short,
                                                              "problem": exc.message}
        elif len(value) > 100:
            errors[name] = _("%(label)s不超过100字 (at most 100 characters)") % {"label": label}
    return errors


@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    kind = request.POST.get("kind") or request.GET.get("kind") or "person"
    if kind not in {"person", "company"}:
        kind = "person"
    specs = PERSON_FIELDS if kind == "person" else COMPANY_FIELDS
    data = {name: request.POST.get(name, "").strip() for name, _label, _kind in specs}
    errors: dict[str, str] = {}
    if request.method == "POST":
        errors = _check_all(specs, data)
        if not errors:
            try:
                if kind == "person":
                    register_person(**data)
                else:
                    register_company(**data)
            except AccountError as exc:
                errors[exc.field if exc.field in data else "mobile"] = str(exc)
            else:
                messages.success(request, _("注册成功。请用手机短信验证码登录。"))
                request.session[REGISTERED_MOBILE] = validate_mobile(data["mobile"])
                return redirect("portal:login")
    fields = [field(name, label, kind=k, value=data[name], error=errors.get(name, ""))
              for name, label, k in specs]
    return render(request, "portal/register.html", {
        "kind": kind, "fields": fields,
        "errors": summary(errors, {name: f"field-{name}" for name, _label, _kind in specs}),
    })
