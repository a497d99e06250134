"""Appointments at the window (窗口预约): staff see a hall's bookings of a day, check a
person in (the appointment becomes a ticket, printed like the door's), book for
the person in front of them (found by their resident ID number; an account is needed,
so that the booking and its no-show count belong to someone), and change (改约) or
cancel (取消) a booking for them: staff of that hall only (``hall.services.serves_hall``),
by POST only, with the reason and a confirm step (the audit event records the reason).

Thin views: reads through ``hall.appointment_selectors``, writes through
``hall.appointment_services`` (which check who may act).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST

from onething.accounts.services import kiosk_person
from onething.domain.tickets import Channel
from onething.domain.validators import ValidationProblem, mask_id_number, validate_id_number
from onething.hall import appointment_selectors as sel
from onething.hall import appointment_services, selectors, ticket_selectors
from onething.hall.labels import label
from onething.hall.services import HallDenied, HallError, serves_hall
from onething.workbench.access import SHIFT_ROLES, forbidden, staff_required

if TYPE_CHECKING:
    from onething.hall.models import Appointment


def _hall(hall_id: int):
    hall = next((h for h in selectors.public_halls() if h.pk == hall_id), None)
    if hall is None:
        raise Http404("没有这个办事大厅 (no such hall)")
    return hall


def _day(raw: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        return timezone.localdate()


@staff_required(*SHIFT_ROLES)
@require_http_methods(["GET"])
def hall_appointments(request: HttpRequest, hall_id: int) -> HttpResponse:
    hall = _hall(hall_id)
    day = _day(request.GET.get("day", ""))
    return render(request, "workbench/appointments.html", {
        "hall": hall, "day": day, "appointments": sel.hall_day(hall, day),
        "previous": day - dt.timedelta(days=1), "next": day + dt.timedelta(days=1)})


@staff_required(*SHIFT_ROLES)
@require_POST
def check_in(request: HttpRequest, hall_id: int) -> HttpResponse:
    """签到 at the window or the door: by the code the person shows."""
    hall = _hall(hall_id)
    try:
        found = sel.appointment_by_code(request.POST.get("code", ""), hall)
    except selectors.NotVisible:
        messages.error(request, gettext("预约码不正确，或不是本大厅的预约。"))
        return redirect("workbench:appointments", hall.pk)
    try:
        ticket = appointment_services.check_in_appointment(found, channel=Channel.DOOR,
                                                           actor=request.user)
    except HallDenied as exc:
        return forbidden(request, str(exc), title=gettext("不能进行此操作"))
    except HallError as exc:
        messages.error(request, "；".join(exc.errors.values()))
        return redirect("workbench:appointments", hall.pk)
    return render(request, "workbench/door_ticket_print.html", {
        "ticket": ticket, "place": ticket_selectors.place_of(ticket),
        "priority_label": label("ticket_priority", ticket.priority)})


@staff_required(*SHIFT_ROLES)
@require_http_methods(["GET", "POST"])
def book_for(request: HttpRequest, hall_id: int) -> HttpResponse:
    """窗口代约: the person's ID number, category and day, then the slot. Everything goes
    by POST: an ID number never sits in an address (and so in a log)."""
    hall = _hall(hall_id)
    errors: dict[str, str] = {}
    data = request.POST
    raw_id = data.get("id_number", "").strip()
    person = None
    if raw_id:
        try:
            person = kiosk_person(validate_id_number(raw_id))
        except ValidationProblem as exc:
            errors["id_number"] = exc.message
        else:
            if person is None:
                errors["id_number"] = gettext("没有该身份证号码的账户，请先为办事人注册。")
    elif request.method == "POST":
        errors["id_number"] = gettext("请填写办事人的身份证号码。")
    categories = sel.bookable_categories(hall)
    category = next((c for c in categories if str(c.pk) == data.get("category", "")), None)
    days = sel.bookable_days(hall)
    day = _day(data.get("day", "")) if data.get("day") else None
    day = day if day in days else None
    now = timezone.now()
    places = (sel.open_places(category, day, now)
              if category is not None and day is not None else [])
    if data.get("action") == "book" and person is not None and not errors:
        try:
            starts = dt.datetime.strptime(data.get("slot", ""), "%Y-%m-%dT%H:%M").replace(
                tzinfo=sel.HALL_TZ)
        except ValueError:
            starts = None
        if category is None or starts is None:
            errors["slot"] = gettext("请选择预约时段。")
        else:
            try:
                booked = appointment_services.book_appointment(
                    category, person=person, actor=request.user, slot_starts=starts,
                    channel="window")
            except HallDenied as exc:
                return forbidden(request, str(exc), title=gettext("不能进行此操作"))
            except HallError as exc:
                errors = exc.errors
            else:
                messages.success(request, gettext("已为办事人预约，预约码 %(code)s。")
                                 % {"code": booked.code})
                return redirect(reverse("workbench:appointments", args=[hall.pk])
                                + f"?day={booked.day.isoformat()}")
    return render(request, "workbench/appointment_book.html", {
        "hall": hall, "errors": errors, "id_number": raw_id if person is not None else "",
        "person": person, "masked_id": mask_id_number(person.id_number) if person else "",
        "categories": categories, "category": category, "days": days, "day": day,
        "places": places,
        "paused_until": sel.booking_paused_until(person, hall) if person else None},
        status=400 if errors else 200)


def _hall_staff_appointment(request: HttpRequest, hall_id: int, appointment_id: int):
    """(hall, appointment, None) for staff of the hall; (…, a 403 page) for others. An
    appointment of another hall is not found (404)."""
    hall = _hall(hall_id)
    if not serves_hall(request.user, hall):
        return hall, None, forbidden(request, gettext("您不是该办事大厅的工作人员。"),
                                     title=gettext("不能进行此操作"))
    try:
        found = sel.appointment_in_hall(hall, appointment_id)
    except selectors.NotVisible as exc:
        raise Http404("没有这个预约 (no such appointment)") from exc
    return hall, found, None


def _is_open(appointment: Appointment) -> bool:
    return appointment.status == "booked" and appointment.slot_starts > timezone.now()


def _summary(appointment: Appointment) -> dict:
    return {"appointment": appointment, "slot": sel.local(appointment.slot_starts),
            "slot_end": sel.local(appointment.slot_ends),
            "person_name": appointment.person.real_name,
            "masked_id": mask_id_number(appointment.person.id_number),
            "open": _is_open(appointment)}


def _back(hall, appointment: Appointment) -> HttpResponse:
    return redirect(reverse("workbench:appointments", args=[hall.pk])
                    + f"?day={appointment.day.isoformat()}")


@staff_required(*SHIFT_ROLES)
@require_POST
def change_for(request: HttpRequest, hall_id: int, appointment_id: int) -> HttpResponse:
    """窗口改约: choose a day and a slot of the same category, give the reason, confirm.
    Steps by ``action``: (none) / ``find`` — the day's slots; ``review`` — the confirm
    step; ``confirm`` — the change (``appointment_services.change_appointment``)."""
    hall, appointment, denied = _hall_staff_appointment(request, hall_id, appointment_id)
    if denied is not None:
        return denied
    data = request.POST
    action = data.get("action", "")
    errors: dict[str, str] = {}
    days = sel.bookable_days(hall)
    day = (_day(data.get("day", "")) if data.get("day")
           else sel.local(appointment.slot_starts).date())
    day = day if day in days else None
    now = timezone.now()
    places = (sel.open_places(appointment.category, day, now) if day is not None else [])
    reason = " ".join(data.get("reason", "").split())
    chosen = next((p for p in places if p.value == data.get("slot", "")), None)
    if action in {"review", "confirm"}:
        if chosen is None:
            errors["slot"] = gettext("请选择预约时段。")
        if not reason:
            errors["reason"] = gettext("请填写改约原因。")
    if action == "confirm" and not errors and chosen is not None:
        try:
            moved = appointment_services.change_appointment(
                appointment, slot_starts=chosen.starts, actor=request.user, reason=reason)
        except HallDenied as exc:
            return forbidden(request, str(exc), title=gettext("不能进行此操作"))
        except HallError as exc:
            errors = exc.errors
        else:
            messages.success(request, gettext("已为办事人改约，预约码 %(code)s。")
                             % {"code": moved.code})
            return _back(hall, moved)
    confirming = action == "review" and not errors
    return render(request, "workbench/appointment_change.html", {
        "hall": hall, **_summary(appointment), "errors": errors, "days": days, "day": day,
        "places": places, "chosen": chosen, "reason": reason, "confirming": confirming},
        status=400 if errors else 200)


@staff_required(*SHIFT_ROLES)
@require_POST
def cancel_for(request: HttpRequest, hall_id: int, appointment_id: int) -> HttpResponse:
    """窗口取消预约: the booking and the reason, then confirm. Steps by ``action``: (none)
    — the form; ``review`` — the confirm step; ``confirm`` — the cancellation."""
    hall, appointment, denied = _hall_staff_appointment(request, hall_id, appointment_id)
    if denied is not None:
        return denied
    action = request.POST.get("action", "")
    reason = " ".join(request.POST.get("reason", "").split())
    errors: dict[str, str] = {}
    if action in {"review", "confirm"} and not reason:
        errors["reason"] = gettext("请填写取消原因。")
    if action == "confirm" and not errors:
        try:
            appointment_services.cancel_appointment(appointment, actor=request.user,
                                                    reason=reason)
        except HallDenied as exc:
            return forbidden(request, str(exc), title=gettext("不能进行此操作"))
        except HallError as exc:
            errors = exc.errors
        else:
            messages.success(request, gettext("已取消预约 %(code)s。")
                             % {"code": appointment.code})
            return _back(hall, appointment)
    return render(request, "workbench/appointment_cancel.html", {
        "hall": hall, **_summary(appointment), "errors": errors, "reason": reason,
        "confirming": action == "review" and not errors},
        status=400 if errors else 200)
