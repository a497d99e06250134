"""Take a ticket at the kiosk (自助取号): no sign-in. The kiosk stands in one hall: the
main hall, or the one named by ``?hall=<id>`` in its start address. The slip page shows
the number, people ahead and the estimated wait, for printing."""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods

from onething.accounts import ratelimit
from onething.domain.tickets import Channel
from onething.hall import appointment_selectors, appointment_services, selectors, ticket_selectors
from onething.hall.services import HallDenied, HallError
from onething.kiosk import session
from onething.portal.ticket_views import take_form


def _kiosk_hall(request: HttpRequest):
    halls = selectors.public_halls()
    wanted = request.GET.get("hall", "")
    hall = next((h for h in halls if str(h.pk) == wanted), None) if wanted else (
        next((h for h in halls if h.is_main), None) or (halls[0] if halls else None))
    if hall is None:
        raise Http404("没有这个办事大厅 (no such hall)")
    return hall


@require_http_methods(["GET", "POST"])
def ticket_take(request: HttpRequest) -> HttpResponse:
    return take_form(request, _kiosk_hall(request), Channel.KIOSK, "kiosk/ticket_take.html",
                     "kiosk:ticket")


@require_GET
def ticket(request: HttpRequest, token: str) -> HttpResponse:
    try:
        found = ticket_selectors.ticket_by_token(token)
    except selectors.NotVisible as exc:
        raise Http404("没有这个号 (no such ticket)") from exc
    if found.channel != Channel.KIOSK:
        raise Http404("没有这个号 (no such ticket)")
    return render(request, "kiosk/ticket.html", {
        "ticket": found, "place": ticket_selectors.place_of(found), "step": 0,
        "idle_seconds": session.idle_seconds()})


# -- appointments: check in (预约签到) -------------------------------------------------------

CODE_LIMITS = [ratelimit.Limit(20, dt.timedelta(hours=1)), ratelimit.Limit(60, ratelimit.DAY)]


def _signed_in(request: HttpRequest):
    user = request.user
    if request.session.get(session.KIOSK) and user.is_authenticated and user.is_applicant:
        return user
    return None


@require_http_methods(["GET", "POST"])
def appointment_check_in(request: HttpRequest) -> HttpResponse:
    """预约签到 at the kiosk: by the appointment code (no sign-in), or the signed-in
    resident's bookings of today at this hall. Gives the ticket slip."""
    hall = _kiosk_hall(request)
    resident = _signed_in(request)
    errors: dict[str, str] = {}
    if request.method == "POST":
        found = None
        wanted = request.POST.get("appointment", "")
        if resident is not None and wanted:
            found = next((a for a in appointment_selectors.todays_appointments(hall, resident)
                          if str(a.pk) == wanted), None)
            if found is None:
                errors["code"] = gettext("没有找到今天的预约。")
        else:
            try:
                ratelimit.hit("kiosk-appointment-code", ratelimit.client_address(request),
                              CODE_LIMITS)
            except ratelimit.RateLimited:
                errors["code"] = gettext("尝试次数过多，请到导办台签到。")
            else:
                try:
                    found = appointment_selectors.appointment_by_code(
                        request.POST.get("code", ""), hall)
                except selectors.NotVisible:
                    errors["code"] = gettext("预约码不正确，或不是本大厅的预约。")
        if found is not None:
            try:
                ticket = appointment_services.check_in_appointment(found, channel=Channel.KIOSK,
                                                                   actor=resident)
            except (HallError, HallDenied) as exc:
                errors["code"] = str(exc)
            else:
                return redirect("kiosk:ticket", token=ticket.token)
    return render(request, "kiosk/appointment_check_in.html", {
        "hall": hall, "errors": errors, "step": 0, "idle_seconds": session.idle_seconds(),
        "bookings": (appointment_selectors.todays_appointments(hall, resident)
                     if resident is not None else [])}, status=400 if errors else 200)
