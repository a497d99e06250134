"""Staff sign-in rules: short sessions and the second factor.

A staff session (workbench or admin) ends when the browser closes, after
ONETHING_STAFF_IDLE_MINUTES without a request and at the latest
ONETHING_STAFF_SESSION_HOURS after signing in. With ONETHING_STAFF_TOTP_REQUIRED (on in
production) a staff member who has given the password reaches nothing but the
second-factor page until a TOTP code is confirmed (django-otp); the first time, that
page enrols an authenticator app. After that, a staff member signed in with a temporary
password (a new account, a reset: ``User.must_change_password``) reaches nothing but
the password page until the password is changed. Applicants keep ordinary sessions.
"""

from __future__ import annotations

import base64
from collections.abc import Callable

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from onething.core.dbclock import db_now

STARTED = "staff_started"
SEEN = "staff_seen"
# The last request is written back at most this often (a session save per request
# would be wasteful); the idle timeout is exact to this many seconds.
SEEN_PRECISION = 30


def _is_staff(user) -> bool:
    return bool(user.is_authenticated and getattr(user, "signs_in_as_staff", False))


@receiver(user_logged_in)
def _staff_signed_in(sender, request: HttpRequest, user, **kwargs) -> None:
    if request is None or not _is_staff(user) or not hasattr(request, "session"):
        return
    request.session.set_expiry(0)  # the cookie ends with the browser
    now = db_now().timestamp()
    request.session[STARTED] = now
    request.session[SEEN] = now


def session_expired(request: HttpRequest, now: float | None = None) -> bool:
    now = db_now().timestamp() if now is None else now
    started = request.session.get(STARTED)
    seen = request.session.get(SEEN)
    if started is None or seen is None:
        return True
    idle = settings.ONETHING_STAFF_IDLE_MINUTES * 60
    lifetime = settings.ONETHING_STAFF_SESSION_HOURS * 3600
    return now - float(seen) > idle or now - float(started) > lifetime


def _login_url(request: HttpRequest) -> str:
    if request.path.startswith(reverse("admin:index")):
        return reverse("admin:login")
    return reverse("workbench:login")


def _exempt(path: str) -> bool:
    """Pages an unconfirmed staff member may open: the second-factor page, signing out,
    static files and the language switch."""
    allowed = (reverse("workbench:otp"), reverse("workbench:logout"), reverse("admin:logout"),
               reverse("workbench:login"), reverse("admin:login"), settings.STATIC_URL,
               "/i18n/")
    return any(path.startswith(prefix) for prefix in allowed)


class StaffSessionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not _is_staff(user):
            return self.get_response(request)
        now = db_now().timestamp()
        if session_expired(request, now):
            login_url = _login_url(request)
            logout(request)
            messages.info(request, gettext("您已较长时间未操作或登录已超时，为保护数据已自动退出，"
                                           "请重新登录。"))
            return redirect(f"{login_url}?{urlencode({'next': request.get_full_path()})}")
        if now - float(request.session[SEEN]) >= SEEN_PRECISION:
            request.session[SEEN] = now
        if (settings.ONETHING_STAFF_TOTP_REQUIRED and not user.is_verified()
                and not _exempt(request.path)):
            return redirect(f"{reverse('workbench:otp')}?"
                            f"{urlencode({'next': request.get_full_path()})}")
        if (getattr(user, "must_change_password", False) and not _exempt(request.path)
                and not request.path.startswith(reverse("workbench:password"))):
            return redirect(f"{reverse('workbench:password')}?"
                            f"{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


def lockout_response(request: HttpRequest, original_response: HttpResponse | None = None,
                     credentials: dict | None = None) -> HttpResponse:
    """django-axes' answer while a username is locked out from this address."""
    minutes = max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))
    return render(request, "workbench/lockout.html",
                  {"failure_limit": settings.AXES_FAILURE_LIMIT, "minutes": minutes},
                  status=429)


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return reverse("workbench:home")


def secret_text(device: TOTPDevice) -> str:
    """The key as authenticator apps take it typed in: base32 in groups of four."""
    raw = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(raw[i:i + 4] for i in range(0, len(raw), 4))


@require_http_methods(["GET", "POST"])
def otp_view(request: HttpRequest) -> HttpResponse:
    """The second factor: enrol an authenticator app once, then a code every sign-in."""
    user = request.user
    if not _is_staff(user):
        return redirect("workbench:login")
    target = _next(request)
    if user.is_verified():
        return redirect(target)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()
    enrolling = device is None
    if device is None:
        device = (TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
                  or TOTPDevice.objects.create(user=user, name="authenticator",
                                               confirmed=False))
    error = ""
    if request.method == "POST":
        token = (request.POST.get("token") or "").strip().replace(" ", "")
        allowed, _details = device.verify_is_allowed()
        if not allowed:
            error = gettext("验证码错误次数过多，请稍等片刻再试。")
        elif len(token) == 6 and token.isdigit() and device.verify_token(token):
            if enrolling:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
            otp_login(request, device)
            return redirect(target)
        else:
            error = gettext("动态验证码不正确，请输入身份验证器应用上当前显示的6位数字。")
    context = {"enrolling": enrolling, "error": error, "next": target}
    if enrolling:
        qr = segno.make(device.config_url, error="m").svg_inline(
            scale=4, title=gettext("用身份验证器应用扫描此二维码"))
        context.update(qr_svg=mark_safe(qr),  # segno writes the whole SVG
                       secret=secret_text(device))
    return render(request, "workbench/otp.html", context, status=400 if error else 200)
