"""Halls, ticket categories and windows for managers; the window shift for clerks.

Thin views: reads through ``hall.selectors`` (managers and administrators; a hall,
category or window that is not there is a 404), writes through ``hall.services``, which
check the rules again (a 403 here when the actor may not).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from onething.accounts import selectors as account_selectors
from onething.domain.hall import ScheduleProblem, ScheduleRow, ServiceKind, periods_from_rows
from onething.domain.hall import rows_from_periods as schedule_rows
from onething.hall import selectors
from onething.hall.services import (
    HallDenied,
    HallError,
    HallProfile,
    end_shift,
    save_category,
    save_hall,
    save_window,
    start_shift,
)
from onething.workbench.access import CENTRE_ROLES, SHIFT_ROLES, forbidden, staff_required
from onething.workbench.forms import (
    CategoryForm,
    HallForm,
    PeakForm,
    ScheduleFormSet,
    WindowForm,
)

# The hall's settings on its form besides the profile (calling order, appointments, target).
SETTING_FIELDS = (*HallForm.APPOINTMENT_FIELDS, *HallForm.TARGET_FIELDS)


def _denied(request: HttpRequest, exc: Exception) -> HttpResponse:
    return forbidden(request, str(exc), title=gettext("不能进行此操作"))


def _hall_or_404(request: HttpRequest, hall_id: int):
    try:
        return selectors.hall_for(request.user, hall_id)
    except selectors.NotVisible as exc:
        raise Http404("没有这个办事大厅 (no such hall)") from exc


def _apply_errors(form, errors: dict[str, str]) -> None:
    for field, message in errors.items():
        form.add_error(field if field in form.fields else None, message)


# -- halls ---------------------------------------------------------------------------------


@staff_required(*CENTRE_ROLES)
def hall_list(request: HttpRequest) -> HttpResponse:
    return render(request, "workbench/halls.html", {"halls": selectors.halls_for(request.user)})


def _regions():
    return selectors.regions()


def _schedule_initial(hall) -> list[dict]:
    return [{"first": row.first, "last": row.last, "starts": row.starts, "ends": row.ends,
             "service": row.service} for row in schedule_rows(selectors.periods_of(hall))]


def _setting(data: dict, name: str, hall):
    """A setting left empty keeps the hall's value (a new hall: the default)."""
    if data.get(name) is not None:
        return data[name]
    return getattr(hall if hall is not None else HallProfile("", "", "", None, "", ""), name)


def _render_hall(request: HttpRequest, hall, form: HallForm, schedule, *,
                 schedule_errors: list[str] = (), status: int = 200) -> HttpResponse:
    return render(request, "workbench/hall_form.html", {
        "hall": hall, "form": form, "schedule": schedule,
        "schedule_errors": list(schedule_errors), "status": status,
    }, status=status)


@staff_required(*CENTRE_ROLES)
def hall_edit(request: HttpRequest, hall_id: int | None = None) -> HttpResponse:
    """A hall's profile and weekly schedule (new when ``hall_id`` is None)."""
    hall = _hall_or_404(request, hall_id) if hall_id is not None else None
    if request.method != "POST":
        if hall is None:
            defaults = HallProfile("", "", "", None, "", "")
            initial = {"kind": "county", "active": True, "order": 0,
                       "region": selectors.default_region(),
                       **{name: getattr(defaults, name) for name in SETTING_FIELDS}}
            rows = [{"first": 1, "last": 5, "starts": "09:00", "ends": "12:00",
                     "service": ServiceKind.REGULAR},
                    {"first": 1, "last": 5, "starts": "13:30", "ends": "17:30",
                     "service": ServiceKind.REGULAR}]
        else:
            initial = {name: getattr(hall, name) for name in (
                "name", "slug", "kind", "address", "map_url", "phone", "bus_lines",
                "accessible_entrance", "hours_note", "is_main", "active", "order",
                *SETTING_FIELDS)}
            initial["region"] = hall.region_id
            rows = _schedule_initial(hall)
        return _render_hall(request, hall, HallForm(initial=initial, regions=_regions()),
                            ScheduleFormSet(initial=rows, prefix="row"))
    form = HallForm(request.POST, regions=_regions())
    schedule = ScheduleFormSet(request.POST, prefix="row")
    problems: list[str] = []
    if form.is_valid() and schedule.is_valid():
        rows = [ScheduleRow(f.cleaned_data["first"], f.cleaned_data["last"],
                            f.cleaned_data["starts"], f.cleaned_data["ends"],
                            ServiceKind(f.cleaned_data["service"] or ServiceKind.REGULAR))
                for f in schedule.forms if not f.cleaned_data.get("empty", True)]
        try:
            periods = periods_from_rows(rows)
        except ScheduleProblem as exc:
            problems = exc.problems
        else:
            data = form.cleaned_data
            profile = HallProfile(
                name=data["name"], slug=data["slug"], kind=data["kind"], region=data["region"],
                address=data["address"], phone=data["phone"], map_url=data["map_url"],
                bus_lines=data["bus_lines"], accessible_entrance=data["accessible_entrance"],
                hours_note=data["hours_note"], is_main=data["is_main"], active=data["active"],
                order=data["order"] or 0, periods=periods,
                **{name: _setting(data, name, hall) for name in SETTING_FIELDS})
            try:
                saved = save_hall(profile, actor=request.user, hall=hall)
            except HallDenied as exc:
                return _denied(request, exc)
            except HallError as exc:
                problems = [exc.errors.pop("periods")] if "periods" in exc.errors else []
                _apply_errors(form, exc.errors)
            else:
                messages.success(request, gettext("已保存办事大厅“%(name)s”。")
                                 % {"name": saved.name})
                return redirect("workbench:hall-edit", hall_id=saved.pk)
    return _render_hall(request, hall, form, schedule, schedule_errors=problems, status=400)


# -- categories and windows ----------------------------------------------------------------


def _category_form(hall, data=None, initial=None) -> CategoryForm:
    return CategoryForm(data, initial=initial, departments=account_selectors.departments())


def _window_form(hall, data=None, initial=None) -> WindowForm:
    return WindowForm(data, initial=initial, departments=account_selectors.departments(),
                      categories=hall.categories.order_by("order", "letter"))


def _next_window_number(hall) -> int:
    numbers = [row.window.number for row in selectors.windows_of(hall)]
    return max(numbers, default=0) + 1


@staff_required(*CENTRE_ROLES)
def hall_windows(request: HttpRequest, hall_id: int) -> HttpResponse:
    """The hall's ticket categories and windows, with a form to add each."""
    hall = _hall_or_404(request, hall_id)
    category_form = _category_form(hall, initial={"active": True, "handling_minutes": 15,
                                                  "bookable": True})
    window_form = _window_form(hall, initial={"active": True, "kind": "any_matter",
                                              "number": _next_window_number(hall)})
    status = 200
    if request.method == "POST":
        which = request.POST.get("form", "")
        try:
            if which == "category":
                category_form = _category_form(hall, data=request.POST)
                if category_form.is_valid():
                    data = category_form.cleaned_data
                    try:
                        saved = save_category(hall, actor=request.user, letter=data["letter"],
                                              name=data["name"],
                                              description=data["description"],
                                              department=data["department"],
                                              active=data["active"], order=data["order"] or 0,
                                              handling_minutes=data["handling_minutes"],
                                              bookable=data["bookable"])
                    except HallError as exc:
                        _apply_errors(category_form, exc.errors)
                    else:
                        messages.success(request, gettext("已新增取号类别 %(letter)s %(name)s。")
                                         % {"letter": saved.letter, "name": saved.name})
                        return redirect("workbench:hall-windows", hall_id=hall.pk)
            elif which == "window":
                window_form = _window_form(hall, data=request.POST)
                if window_form.is_valid():
                    data = window_form.cleaned_data
                    try:
                        saved = save_window(hall, actor=request.user, number=data["number"],
                                            kind=data["kind"], name=data["name"],
                                            department=data["department"],
                                            categories=data["categories"],
                                            active=data["active"])
                    except HallError as exc:
                        _apply_errors(window_form, exc.errors)
                    else:
                        messages.success(request, gettext("已新增%(number)s号窗口。")
                                         % {"number": saved.number})
                        return redirect("workbench:hall-windows", hall_id=hall.pk)
        except HallDenied as exc:
            return _denied(request, exc)
        status = 400
    return render(request, "workbench/hall_windows.html", {
        "hall": hall, "categories": selectors.categories_of(hall),
        "windows": selectors.windows_of(hall),
        "category_form": category_form, "window_form": window_form,
    }, status=status)


@staff_required(*CENTRE_ROLES)
def category_edit(request: HttpRequest, hall_id: int, category_id: int) -> HttpResponse:
    hall = _hall_or_404(request, hall_id)
    try:
        category = selectors.category_for(request.user, hall, category_id)
    except selectors.NotVisible as exc:
        raise Http404("没有这个取号类别 (no such category)") from exc
    if request.method != "POST":
        form = _category_form(hall, initial={
            "letter": category.letter, "name": category.name,
            "description": category.description, "department": category.department_id,
            "active": category.active, "order": category.order,
            "handling_minutes": category.handling_minutes, "bookable": category.bookable})
        return render(request, "workbench/category_form.html",
                      {"hall": hall, "category": category, "form": form})
    form = _category_form(hall, data=request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            save_category(hall, actor=request.user, category=category, letter=data["letter"],
                          name=data["name"], description=data["description"],
                          department=data["department"], active=data["active"],
                          order=data["order"] or 0, handling_minutes=data["handling_minutes"],
                          bookable=data["bookable"])
        except HallDenied as exc:
            return _denied(request, exc)
        except HallError as exc:
            _apply_errors(form, exc.errors)
        else:
            messages.success(request, gettext("已保存取号类别。"))
            return redirect("workbench:hall-windows", hall_id=hall.pk)
    return render(request, "workbench/category_form.html",
                  {"hall": hall, "category": category, "form": form}, status=400)


@staff_required(*CENTRE_ROLES)
def window_edit(request: HttpRequest, hall_id: int, window_id: int) -> HttpResponse:
    hall = _hall_or_404(request, hall_id)
    try:
        window = selectors.window_for(request.user, hall, window_id)
    except selectors.NotVisible as exc:
        raise Http404("没有这个窗口 (no such window)") from exc
    if request.method != "POST":
        form = _window_form(hall, initial={
            "number": window.number, "name": window.name, "kind": window.kind,
            "department": window.department_id, "active": window.active,
            "categories": [c.pk for c in window.categories.all()]})
        return render(request, "workbench/window_edit.html",
                      {"hall": hall, "window": window, "form": form})
    form = _window_form(hall, data=request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            save_window(hall, actor=request.user, window=window, number=data["number"],
                        kind=data["kind"], name=data["name"], department=data["department"],
                        categories=data["categories"], active=data["active"])
        except HallDenied as exc:
            return _denied(request, exc)
        except HallError as exc:
            _apply_errors(form, exc.errors)
        else:
            messages.success(request, gettext("已保存%(number)s号窗口。")
                             % {"number": window.number})
            return redirect("workbench:hall-windows", hall_id=hall.pk)
    return render(request, "workbench/window_edit.html",
                  {"hall": hall, "window": window, "form": form}, status=400)


# -- the window shift (值班) ------------------------------------------------------------------


@staff_required(*SHIFT_ROLES)
def shift(request: HttpRequest) -> HttpResponse:
    """Choose a window and start the shift there, or end the current one."""
    current = selectors.current_shift(request.user)
    return render(request, "workbench/shift.html", {
        "current": current,
        "windows": selectors.windows_open_to(request.user),
        "recent": selectors.recent_shifts(request.user),
    })


@staff_required(*SHIFT_ROLES)
@require_POST
def shift_start(request: HttpRequest) -> HttpResponse:
    try:
        window_id = int(request.POST.get("window", ""))
    except ValueError:
        window_id = 0
    window = next((w for w, _ in selectors.windows_open_to(request.user) if w.pk == window_id),
                  None)
    if window is None:
        messages.error(request, gettext("请选择一个可以上岗的窗口。"))
        return redirect("workbench:shift")
    try:
        started = start_shift(window, actor=request.user)
    except HallDenied as exc:
        return _denied(request, exc)
    except HallError as exc:
        messages.error(request, "；".join(exc.errors.values()))
        return redirect("workbench:shift")
    messages.success(request, gettext("已在%(hall)s %(number)s号窗口上岗。")
                     % {"hall": started.window.hall.name, "number": started.window.number})
    return redirect("workbench:shift")


@staff_required(*SHIFT_ROLES)
@require_POST
def shift_end(request: HttpRequest) -> HttpResponse:
    current = selectors.current_shift(request.user)
    if current is None:
        messages.info(request, gettext("您当前没有在窗口上岗。"))
        return redirect("workbench:shift")
    end_shift(current, actor=request.user)
    messages.success(request, gettext("已在%(hall)s %(number)s号窗口下岗。")
                     % {"hall": current.window.hall.name, "number": current.window.number})
    return redirect("workbench:shift")


@staff_required(*CENTRE_ROLES)
@require_POST
def shift_close(request: HttpRequest, shift_id: int) -> HttpResponse:
    """A manager ends someone's shift (a clerk who left without signing out)."""
    try:
        held = selectors.shift_for(request.user, shift_id)
    except selectors.NotVisible as exc:
        raise Http404("没有这次值班 (no such shift)") from exc
    try:
        ended = end_shift(held, actor=request.user, reason="ended_by_manager")
    except HallDenied as exc:
        return _denied(request, exc)
    if ended:
        messages.success(request, gettext("已结束%(name)s在%(number)s号窗口的值班。")
                         % {"name": held.user.display_name, "number": held.window.number})
    return redirect("workbench:hall-windows", hall_id=held.window.hall_id)


# -- tidal windows (潮汐窗口) ------------------------------------------------------------------

PLAN_DAYS = 8  # tomorrow and the seven days after it


def _plan_days(today) -> list:
    import datetime as dt

    return [today + dt.timedelta(days=offset) for offset in range(1, PLAN_DAYS + 1)]


@staff_required(*CENTRE_ROLES)
def hall_tidal(request: HttpRequest, hall_id: int) -> HttpResponse:
    """The tidal-window plan of a day: windows per category × hour, the switches that
    carry it out, the reasons, the forecast's accuracy and what pooling would save."""
    hall = _hall_or_404(request, hall_id)
    return _render_tidal(request, hall, request.GET.get("day", ""), _peak_form(hall))


def _peak_form(hall, data=None) -> PeakForm:
    return PeakForm(data, categories=hall.categories.order_by("order", "letter"))


def _render_tidal(request: HttpRequest, hall, wanted: str, peak_form: PeakForm, *,
                  status: int = 200) -> HttpResponse:
    import datetime as dt

    from django.utils import timezone

    from onething.hall import tidal_selectors

    today = timezone.localdate()
    days = _plan_days(today)
    try:
        day = dt.date.fromisoformat(wanted)
    except ValueError:
        day = days[0]
    if day not in days and day != today:
        day = days[0]
    week = tidal_selectors.plans_for(hall, sorted({*days, day}))
    plan = week[day]
    in_force = tidal_selectors.plan_in_force(hall, day)
    accepted = tidal_selectors.days_with_plans(hall, days)
    overview = [{"day": d, "window_hours": sum(h.windows for h in week[d].hours),
                 "tidal_hours": sum(max(0, h.tidal_windows) for h in week[d].hours),
                 "switches": len(tidal_selectors.switches_for(hall, week[d])),
                 "peaks": sorted({p for h in week[d].hours for p in h.peaks}),
                 "accepted": d in accepted} for d in days]
    own = {w.pk: [c.letter for c in w.categories.all()]
           for w in hall.windows.prefetch_related("categories")}
    hours = sorted(plan.hours, key=lambda h: (h.hour, h.category))
    pooled = sum(p.pooled_windows for p in plan.pooling)
    separate = sum(p.separate_windows for p in plan.pooling)
    return render(request, "workbench/hall_tidal.html", {
        "hall": hall, "day": day, "days": days, "plan": plan, "hours": hours,
        "switches": [(s, own.get(s.window.pk, [])) for s in
                     tidal_selectors.switches_for(hall, plan)],
        "in_force": in_force,
        "assignments": tidal_selectors.assignments_of(in_force) if in_force else [],
        "pooling": plan.pooling, "pooled": pooled, "separate": separate,
        "saved": separate - pooled,
        "accuracy": [(a, plan_name(plan, a.category)) for a in plan.accuracy],
        "peaks": tidal_selectors.peak_rows(hall), "peak_form": peak_form,
        "catalogue_peaks": tidal_selectors.catalogue_peaks(hall),
        "overview": overview,
    }, status=status)


@staff_required(*CENTRE_ROLES)
@require_POST
def hall_peak_add(request: HttpRequest, hall_id: int) -> HttpResponse:
    """Register a known peak (已知高峰); errors come back on the plan screen."""
    from onething.hall.tidal_services import add_peak

    hall = _hall_or_404(request, hall_id)
    form = _peak_form(hall, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            add_peak(hall, actor=request.user, name=data["name"], factor=data["factor"],
                     months=data["months"], starts=data["starts"], ends=data["ends"],
                     categories=data["categories"])
        except HallDenied as exc:
            return _denied(request, exc)
        except HallError as exc:
            _apply_errors(form, exc.errors)
        else:
            messages.success(request, gettext("已登记已知高峰“%(name)s”。")
                             % {"name": data["name"]})
            return redirect(f"{_tidal_url(hall)}?day={request.POST.get('day', '')}")
    return _render_tidal(request, hall, request.POST.get("day", ""), form, status=400)


@staff_required(*CENTRE_ROLES)
@require_POST
def hall_peak_active(request: HttpRequest, hall_id: int, peak_id: int) -> HttpResponse:
    """Take a known peak out of the forecast (停用) or back in (启用)."""
    from onething.hall.tidal_selectors import peak_of
    from onething.hall.tidal_services import set_peak_active

    hall = _hall_or_404(request, hall_id)
    peak = peak_of(hall, peak_id)
    if peak is None:
        raise Http404("没有这个已知高峰 (no such peak)")
    try:
        set_peak_active(peak, active=request.POST.get("active") == "1", actor=request.user)
    except HallDenied as exc:
        return _denied(request, exc)
    return redirect(f"{_tidal_url(hall)}?day={request.POST.get('day', '')}")


def plan_name(plan, letter: str) -> str:
    for hour in plan.hours:
        if hour.category == letter:
            return hour.category_name
    return letter


@staff_required(*CENTRE_ROLES)
@require_POST
def hall_tidal_accept(request: HttpRequest, hall_id: int) -> HttpResponse:
    import datetime as dt

    from onething.hall.tidal_services import accept_tidal_plan

    hall = _hall_or_404(request, hall_id)
    try:
        day = dt.date.fromisoformat(request.POST.get("day", ""))
    except ValueError:
        messages.error(request, gettext("请选择要采纳计划的日期。"))
        return redirect(_tidal_url(hall))
    try:
        stored = accept_tidal_plan(hall, day, actor=request.user)
    except HallDenied as exc:
        return _denied(request, exc)
    except HallError as exc:
        messages.error(request, "；".join(exc.errors.values()))
    else:
        messages.success(request, gettext("已采纳%(day)s的潮汐窗口计划：%(count)s处窗口调整。")
                         % {"day": day.isoformat(), "count": stored.assignments.count()})
    return redirect(f"{_tidal_url(hall)}?day={day.isoformat()}")


def _tidal_url(hall) -> str:
    from django.urls import reverse

    return reverse("workbench:hall-tidal", kwargs={"hall_id": hall.pk})


@staff_required(*CENTRE_ROLES)
@require_POST
def hall_tidal_withdraw(request: HttpRequest, hall_id: int, plan_id: int) -> HttpResponse:
    from onething.hall.tidal_selectors import tidal_plan_of
    from onething.hall.tidal_services import withdraw_tidal_plan

    hall = _hall_or_404(request, hall_id)
    plan = tidal_plan_of(hall, plan_id)
    if plan is None:
        raise Http404("没有这个计划 (no such plan)")
    try:
        withdrawn = withdraw_tidal_plan(plan, actor=request.user)
    except HallDenied as exc:
        return _denied(request, exc)
    if withdrawn:
        messages.success(request, gettext("已撤销%(day)s的潮汐窗口计划，窗口恢复原来的取号类别。")
                         % {"day": plan.day.isoformat()})
    return redirect(f"{_tidal_url(hall)}?day={plan.day.isoformat()}")
