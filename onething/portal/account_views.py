"""Sign-in by SMS code, sign-out and registration of applicants."""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from onething.accounts.choices import ApplicantKind
from onething.accounts.identity import verify_online
from onething.accounts.ratelimit import client_address
from onething.accounts.services import (
    AccountError,
    register_company,
    register_person,
    request_login_code,
    verify_login_code,
)
from onething.audit.receivers import login_failed
from onething.domain.identity import AssuranceLevel
from onething.domain.validators import (
    ValidationProblem,
    mask_id_number,
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


def _resend_notice(resend_after: int) -> str:
    return ngettext("验证码已发送，请输入已收到的验证码；%(seconds)d 秒后可以重新获取。",
                    "验证码已发送，请输入已收到的验证码；%(seconds)d 秒后可以重新获取。",
                    resend_after) % {"seconds": resend_after}


# Never inside a request-wide transaction (ATOMIC_REQUESTS): each code try must commit.
@transaction.non_atomic_requests
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    """Step 1: the mobile number gets a code; step 2: the code signs in.

    Registered and unregistered numbers get the same pages (no account probing)."""
    mobile = (request.POST.get("mobile") or request.session.get(REGISTERED_MOBILE) or "").strip()
    client = client_address(request)
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
                user = verify_login_code(mobile, code, client=client)
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
                outcome = request_login_code(mobile, client=client)
            except AccountError as exc:
                if exc.code == "rate_limited":
                    step = "code"  # no new code now, but one sent earlier still works
                    sent = str(exc)
                else:
                    errors["mobile"] = str(exc)
            else:
                step = "code"
                if not outcome.fresh:  # a code was sent a moment ago: use that one
                    sent = _resend_notice(outcome.resend_after)
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
                if exc.code != "mobile_taken":
                    errors[exc.field if exc.field in data else "mobile"] = str(exc)
            if not errors:
                # The same answer whether the mobile number already had an account (its
                # holder simply signs in) and whatever the real-name check found: the level
                # is shown after signing in, so this page is no oracle for numbers or for
                # name + ID number pairs.
                messages.success(request, _("注册完成。请用手机短信验证码登录，登录后可在"
                                            "“实名认证”页面查看认证状态。"))
                request.session[REGISTERED_MOBILE] = validate_mobile(data["mobile"])
                return redirect("portal:login")
    fields = [field(name, label, kind=k, value=data[name], error=errors.get(name, ""))
              for name, label, k in specs]
    return render(request, "portal/register.html", {
        "kind": kind, "fields": fields,
        "errors": summary(errors, {name: f"field-{name}" for name, _label, _kind in specs}),
    })


# -- 实名认证: the account's assurance level and how to raise it -------------------------

IDENTITY_FIELDS = [
    ("real_name", gettext_lazy("姓名"), "name"),
    ("id_number", gettext_lazy("居民身份证号码"), "id_number"),
]


@login_required
@require_http_methods(["GET", "POST"])
def identity(request: HttpRequest) -> HttpResponse:
    """The level (未认证 / 已认证 / 已现场核验), its evidence and time, and how to go up.

    An unverified person may correct the name and ID number typed at registration and
    have them checked against the real-name source; a company account asks for the
    enterprise register again. A verified identity changes only at a window.
    """
    user = request.user
    if not user.is_applicant:
        return redirect("workbench:home")
    is_person = user.applicant_kind == ApplicantKind.PERSON
    data = {"real_name": user.real_name, "id_number": user.id_number}
    errors: dict[str, str] = {}
    if request.method == "POST" and user.assurance_level < AssuranceLevel.L2:
        if is_person:
            data = {name: request.POST.get(name, "").strip() for name, *_rest in IDENTITY_FIELDS}
            errors = _check_all(IDENTITY_FIELDS, data)
        if not errors:
            try:
                verdict = verify_online(user, actor=user, **(data if is_person else {}))
            except AccountError as exc:
                errors[exc.field if exc.field in data else "id_number"] = str(exc)
            else:
                if verdict.matched:
                    messages.success(request, _("实名认证成功：已认证。"))
                    return redirect("portal:identity")
                errors["id_number" if is_person else "verify"] = verdict.reason
    user.refresh_from_db()
    fields = [field(name, label, kind=k, value=data[name], error=errors.get(name, ""))
              for name, label, k in IDENTITY_FIELDS] if is_person else []
    return render(request, "portal/identity.html", {
        "account": user, "level": int(user.assurance_level), "fields": fields,
        "is_person": is_person, "verify_error": errors.get("verify", ""),
        "masked_id": mask_id_number(user.identity_id_number) if user.identity_id_number
        else "",
        "errors": summary(errors, {"real_name": "field-real_name", "id_number": "field-id_number",
                                   "verify": "verify"}),
    })
