"""Who may open the workbench: staff only, some pages for some roles only."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext

from onething.accounts.choices import Role

STAFF_ROLES = frozenset({Role.CLERK, Role.REVIEWER, Role.ASSISTANT, Role.MANAGER, Role.ADMIN})
CENTRE_ROLES = frozenset({Role.MANAGER, Role.ADMIN})  # also: staff, halls and windows
WINDOW_ROLES = frozenset({Role.CLERK, Role.MANAGER})  # who may submit for a walk-in
SHIFT_ROLES = frozenset({Role.CLERK, Role.ASSISTANT, Role.MANAGER})  # who works at a window


def is_staff_member(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.role in STAFF_ROLES)


def forbidden(request: HttpRequest, message: str, *, title: str = "") -> HttpResponse:
    return render(request, "workbench/forbidden.html", {"message": message, "title": title},
                  status=403)


def staff_required(*roles: str) -> Callable:
    """Let only signed-in staff in; with ``roles``, only those roles."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path(), reverse("workbench:login"))
            if not is_staff_member(user):
                return forbidden(request, gettext("工作台仅供政务服务工作人员使用。"
                                                  "申请人请到网上办事大厅办理。"))
            if roles and user.role not in roles:
                return forbidden(request, gettext("您的岗位不能使用此页面。"))
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
