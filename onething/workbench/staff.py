"""Staff management for managers (工作人员管理) and everyone's own password.

Thin views: the list and each account come from ``accounts.selectors`` (managers and
administrators only; anyone else's request for an account is a 404), every change goes
through ``accounts.staff`` (which refuses what the actor may not do: a 403 here) and
window assignments through ``hall.services.assign_windows``. A temporary password is
shown once, in the answer to the POST that made it, and never again.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from onething.accounts import selectors as account_selectors
from onething.accounts import staff as staff_services
from onething.accounts.choices import STAFF_ROLE_VALUES
from onething.hall import selectors as hall_selectors
from onething.hall.services import HallDenied, HallError, assign_windows
from onething.workbench.access import CENTRE_ROLES, forbidden, staff_required
from onething.workbench.forms import PasswordChangeForm, StaffForm
from onething.workbench.labels import label

PAGE_SIZE = 50
STATUS_CHOICES = ("active", "disabled")


def _member_or_404(request: HttpRequest, user_id: int):
    member = account_selectors.staff_member(request.user, user_id)
    if member is None:
        raise Http404("没有这个工作人员 (no such staff member)")
    return member


def _denied(request: HttpRequest, exc: Exception) -> HttpResponse:
    return forbidden(request, str(exc), title=gettext("不能进行此操作"))


@staff_required(*CENTRE_ROLES)
def staff_list(request: HttpRequest) -> HttpResponse:
    filters = account_selectors.StaffFilter(
        role=request.GET.get("role", "") if request.GET.get("role") in STAFF_ROLE_VALUES else "",
        status=request.GET.get("status", "") if request.GET.get("status") in STATUS_CHOICES
        else "",
        query=request.GET.get("q", "")[:50])
    page = Paginator(account_selectors.staff_list(request.user, filters), PAGE_SIZE).get_page(
        request.GET.get("page"))
    windows = hall_selectors.assignments(page.object_list)
    shifts = hall_selectors.open_shifts(page.object_list)
    rows = [{"member": m, "windows": windows.get(m.pk, []), "shift": shifts.get(m.pk)}
            for m in page.object_list]
    return render(request, "workbench/staff_list.html", {
        "page": page, "rows": rows, "filters": filters,
        "roles": [(r, label("role", r)) for r in STAFF_ROLE_VALUES],
        "filtered": bool(filters.role or filters.status or filters.query),
    })


def _form(request: HttpRequest, *, creating: bool, data=None, initial=None) -> StaffForm:
    return StaffForm(data, initial=initial, viewer=request.user,
                     departments=account_selectors.departments(),
                     windows=hall_selectors.assignable_windows(), creating=creating)


def _apply_errors(form: StaffForm, errors: dict[str, str]) -> None:
    for field, message in errors.items():
        form.add_error(field if field in form.fields else None, message)


@staff_required(*CENTRE_ROLES)
def staff_add(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return render(request, "workbench/staff_form.html",
                      {"form": _form(request, creating=True, initial={"role": "clerk"}),
                       "creating": True})
    form = _form(request, creating=True, data=request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                member, password = staff_services.add_staff(
                    actor=request.user, username=data["username"], real_name=data["real_name"],
                    role=data["role"], department=data["department"], email=data["email"])
                assign_windows(member, data["windows"], actor=request.user)
        except (staff_services.StaffDenied, HallDenied) as exc:
            return _denied(request, exc)
        except (staff_services.StaffError, HallError) as exc:
            _apply_errors(form, exc.errors)
        else:
            return _temporary_password(request, member, password, created=True)
    return render(request, "workbench/staff_form.html", {"form": form, "creating": True},
                  status=400)


def _temporary_password(request: HttpRequest, member, password: str, *,
                        created: bool) -> HttpResponse:
    """The one time the temporary password is shown (no-store: workbench answers)."""
    return render(request, "workbench/staff_password.html",
                  {"member": member, "password": password, "created": created})


@staff_required(*CENTRE_ROLES)
def staff_edit(request: HttpRequest, user_id: int) -> HttpResponse:
    member = _member_or_404(request, user_id)
    may_change = _may_change(request, member)
    if request.method == "POST":
        if not may_change:
            return _denied(request, staff_services.StaffDenied(
                "admin_protected", gettext("中心管理人员不能修改系统管理员账号。")))
        form = _form(request, creating=False, data=request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    staff_services.update_staff(
                        member, actor=request.user, real_name=data["real_name"],
                        role=data["role"], department=data["department"], email=data["email"])
                    assign_windows(member, data["windows"], actor=request.user)
            except (staff_services.StaffDenied, HallDenied) as exc:
                return _denied(request, exc)
            except (staff_services.StaffError, HallError) as exc:
                _apply_errors(form, exc.errors)
            else:
                messages.success(request, gettext("已保存“%(name)s”的信息。")
                                 % {"name": member.display_name})
                return redirect("workbench:staff-edit", user_id=member.pk)
        status = 400
    else:
        form = _form(request, creating=False, initial={
            "real_name": member.real_name, "role": member.role,
            "department": member.department_id, "email": member.email,
            "windows": [w.pk for w in member.assigned_windows.all()]})
        status = 200
    return render(request, "workbench/staff_form.html", {
        "form": form, "creating": False, "member": member, "may_change": may_change,
        "is_self": member.pk == request.user.pk,
        "shift": hall_selectors.current_shift(member),
    }, status=status)


def _may_change(request: HttpRequest, member) -> bool:
    try:
        staff_services.check_may_change(request.user, member)
    except staff_services.StaffDenied:
        return False
    return True


@staff_required(*CENTRE_ROLES)
@require_POST
def staff_status(request: HttpRequest, user_id: int) -> HttpResponse:
    """停用 / 启用 (the form's ``action``: disable or enable)."""
    member = _member_or_404(request, user_id)
    action = request.POST.get("action", "")
    try:
        if action == "disable":
            done = staff_services.disable_staff(member, actor=request.user,
                                                reason=request.POST.get("reason", ""))
            text = (gettext("已停用“%(name)s”的账号：不能再登录，已登录的会话和接口令牌已失效。")
                    if done else gettext("“%(name)s”的账号已是停用状态。"))
        elif action == "enable":
            done = staff_services.enable_staff(member, actor=request.user)
            text = (gettext("已启用“%(name)s”的账号。") if done
                    else gettext("“%(name)s”的账号已是启用状态。"))
        else:
            messages.error(request, gettext("请选择停用或启用。"))
            return redirect("workbench:staff-edit", user_id=member.pk)
    except staff_services.StaffDenied as exc:
        return _denied(request, exc)
    messages.success(request, text % {"name": member.display_name})
    return redirect("workbench:staff-edit", user_id=member.pk)


@staff_required(*CENTRE_ROLES)
@require_POST
def staff_reset_password(request: HttpRequest, user_id: int) -> HttpResponse:
    member = _member_or_404(request, user_id)
    try:
        password = staff_services.reset_staff_password(member, actor=request.user)
    except staff_services.StaffDenied as exc:
        return _denied(request, exc)
    return _temporary_password(request, member, password, created=False)


# -- one's own password -------------------------------------------------------------------


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return ""


@staff_required()
def change_password(request: HttpRequest) -> HttpResponse:
    """修改密码; the only page open while a temporary password must be replaced."""
    forced = request.user.must_change_password
    if request.method != "POST":
        return render(request, "workbench/password.html",
                      {"form": PasswordChangeForm(), "forced": forced, "next": _next(request)})
    form = PasswordChangeForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            user = staff_services.change_password(request.user, current=data["current"],
                                                  new=data["new"], again=data["again"])
        except staff_services.StaffError as exc:
            _apply_errors(form, exc.errors)
        else:
            update_session_auth_hash(request, user)  # this session stays signed in
            messages.success(request, gettext("密码已修改。"))
            return redirect(_next(request) or "workbench:home")
    return render(request, "workbench/password.html",
                  {"form": form, "forced": forced, "next": _next(request)}, status=400)
