"""Appointments on the phone (预约): a signed-in applicant chooses a hall, a category, a
day and a slot; sees, changes and cancels their bookings; and checks in from the phone
("我已到达") when at the hall within the check-in window, which gives a ticket.

* ``/appointments/new/`` — the halls (one hall: straight on);
* ``/halls/<id>/appointments/?category=&day=`` — category → day → slot, one step a screen;
* ``/appointments/`` — my appointments; ``/appointments/<id>/`` — one, with its code;
* ``/appointments/<id>/change/``, ``…/cancel/``, ``…/check-in/``.

Someone else's appointment is a 404; staff are sent to the workbench (a 403 page).
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from onething.domain.tickets import Channel
from onething.hall import appointment_selectors as sel
from onething.hall import appointment_services, selectors
from onething.hall.services import HallDenied, HallError


def _applicant_only(request: HttpRequest) -> HttpResponse | None:
    if not getattr(request.user, "is_applicant", False):
        return render(request, "portal/appointment_staff.html", status=403)
    return None


def _hall(hall_id: int):
    hall = next((h for h in selectors.public_halls() if h.pk == hall_id), None)
    if hall is None:
        raise Http404("没有这个办事大厅 (no such hall)")
    return hall


def _day(raw: str, choices: list[dt.date]) -> dt.date | None:
    try:
        wanted = dt.date.fromisoformat(raw)
    except ValueError:
        return None
    return wanted if wanted in choices else None


def _slot_start(raw: str) -> dt.datetime | None:
    try:
        naive = dt.datetime.strptime(raw, "%Y-%m-%dT%H:%M")
    except ValueError:
        return None
    return naive.replace(tzinfo=sel.HALL_TZ)


@login_required
@require_GET
def start(request: HttpRequest) -> HttpResponse:
    if (denied := _applicant_only(request)) is not None:
        return denied
    halls = selectors.public_halls()
    if len(halls) == 1:
        return redirect("portal:appointment-book", halls[0].pk)
    return render(request, "portal/appointment_halls.html", {"halls": halls})


def _choose(request: HttpRequest, hall, *, category=None, change=None) -> dict:
    """The steps' context: categories, days of the chosen category, slots of the day."""
    categories = sel.bookable_categories(hall)
    if category is None:
        category = next((c for c in categories
                         if str(c.pk) == request.GET.get("category", "")), None)
    days = sel.bookable_days(hall) if category is not None else []
    day = _day(request.GET.get("day", ""), days) if days else None
    now = timezone.now()
    places = []
    if day is not None:
        places = sel.open_places(category, day, now)
    return {"hall": hall, "categories": categories, "category": category, "days": days,
            "day": day, "places": places, "change": change,
            "paused_until": sel.booking_paused_until(request.user, hall)}


@login_required
@require_http_methods(["GET", "POST"])
def book(request: HttpRequest, hall_id: int) -> HttpResponse:
    if (denied := _applicant_only(request)) is not None:
        return denied
    hall = _hall(hall_id)
    context = _choose(request, hall)
    errors: dict[str, str] = {}
    if request.method == "POST":
        category = next((c for c in context["categories"]
                         if str(c.pk) == request.POST.get("category", "")), None)
        starts = _slot_start(request.POST.get("slot", ""))
        if category is None or starts is None:
            errors["slot"] = gettext("请选择预约时段。")
        else:
            try:
                booked = appointment_services.book_appointment(
                    category, person=request.user, actor=request.user, slot_starts=starts,
                    channel="portal")
            except (HallError, HallDenied) as exc:
                errors = getattr(exc, "errors", {"slot": str(exc)})
            else:
                messages.success(request, gettext("预约成功，预约码 %(code)s。") % {
                    "code": booked.code})
                return redirect("portal:appointment", booked.pk)
    context["errors"] = errors
    return render(request, "portal/appointment_book.html", context,
                  status=400 if errors else 200)


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    if (denied := _applicant_only(request)) is not None:
        return denied
    return render(request, "portal/appointments.html",
                  {"appointments": sel.appointments_of(request.user)})


def _mine(request: HttpRequest, appointment_id: int):
    try:
        return sel.appointment_of(request.user, appointment_id)
    except selectors.NotVisible as exc:
        raise Http404("没有这个预约 (no such appointment)") from exc


@login_required
@require_GET
def detail(request: HttpRequest, appointment_id: int) -> HttpResponse:
    if (denied := _applicant_only(request)) is not None:
        return denied
    appointment = _mine(request, appointment_id)
    now = timezone.now()
    can_check_in = (appointment.status == "booked" and appointment.day == timezone.localdate()
                    and now >= appointment.slot_starts - dt.timedelta(minutes=30))
    response = render(request, "portal/appointment.html", {
        "appointment": appointment, "can_check_in": can_check_in,
        "slot": sel.local(appointment.slot_starts), "slot_end": sel.local(appointment.slot_ends),
        "open": appointment.status == "booked" and appointment.slot_starts > now})
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def change(request: HttpRequest, appointment_id: int) -> HttpResponse:
    if (denied := _applicant_only(request)) is not None:
        return denied
    appointment = _mine(request, appointment_id)
    context = _choose(request, appointment.hall, category=appointment.category,
                      change=appointment)
    errors: dict[str, str] = {}
    if request.method == "POST":
        starts = _slot_start(request.POST.get("slot", ""))
        if starts is None:
            errors["slot"] = gettext("请选择预约时段。")
        else:
            try:
                appointment_services.change_appointment(appointment, slot_starts=starts,
                                                        actor=request.user)
            except (HallError, HallDenied) as exc:
                errors = getattr(exc, "errors", {"slot": str(exc)})
            else:
                messages.success(request, gettext("已改约。"))
                return redirect("portal:appointment", appointment.pk)
    context["errors"] = errors
    return render(request, "portal/appointment_book.html", context,
                  status=400 if errors else 200)


@login_required
@require_POST
def cancel(request: HttpRequest, appointment_id: int) -> HttpResponse:
    if (denied := _applicant_only(request)) is not None:
        return denied
    appointment = _mine(request, appointment_id)
    try:
        appointment_services.cancel_appointment(appointment, actor=request.user)
    except (HallError, HallDenied) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, gettext("预约已取消。"))
    return redirect("portal:appointment", appointment.pk)


@login_required
@require_POST
def check_in(request: HttpRequest, appointment_id: int) -> HttpResponse:
    """我已到达: the phone's check-in, giving a ticket (its page shows the place)."""
    if (denied := _applicant_only(request)) is not None:
        return denied
    appointment = _mine(request, appointment_id)
    try:
        ticket = appointment_services.check_in_appointment(appointment, channel=Channel.PHONE,
                                                           actor=request.user)
    except (HallError, HallDenied) as exc:
        messages.error(request, str(exc))
        return redirect("portal:appointment", appointment.pk)
    return redirect(reverse("portal:ticket", args=[ticket.token]))
