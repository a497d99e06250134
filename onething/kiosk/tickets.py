"""Take a ticket at the kiosk (自助取号): no sign-in. The kiosk stands in one hall: the
main hall, or the one named by ``?hall=<id>`` in its start address. The slip page shows
the number, people ahead and the estimated wait, for printing."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from onething.domain.tickets import Channel
from onething.hall import selectors, ticket_selectors
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
