"""Queue tickets on the phone (手机取号) and the hall's public call screen (叫号屏).

* ``/halls/<id>/ticket/``: choose a category (and 绿色通道 when it applies); signed in,
  the ticket is the account's; otherwise a mobile number is required (the SMS "about
  3 ahead" goes there). The ticket's page lives at ``/tickets/<token>/``: the token is
  the secret; a ticket taken signed in is shown to its account only.
* ``/halls/<id>/screen/``: the TV page. Its script asks ``/halls/<id>/screen/calls/``
  every 0.5 s with ``If-None-Match``; the answer is ``304 Not Modified`` (one indexed
  read of the hall's latest call time) until a ticket is called or recalled. Short
  requests, so the sync gunicorn workers (onething/core/gunicorn_conf.py) are never held
  by a waiting screen the way an open SSE stream or a long poll would hold one each;
  a call shows within a second. Everything is served by this site: it works on the LAN
  without the internet. Announcements use the browser's speechSynthesis when present.
"""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from onething.accounts import ratelimit
from onething.domain.tickets import GREEN_CHANNEL, Channel, PriorityClass
from onething.hall import selectors, ticket_selectors, ticket_services
from onething.hall.labels import label
from onething.hall.services import HallDenied, HallError

PRIORITY_CHOICES = [PriorityClass.WALK_IN, *GREEN_CHANNEL]
# A phone ticket taken without signing in sends one SMS to the number typed, unproven:
# a client may do so a few times an hour (a family, a shared phone), not more.
ANONYMOUS_SMS_LIMITS = [ratelimit.Limit(3, dt.timedelta(hours=1)),
                        ratelimit.Limit(6, ratelimit.DAY)]


def _hall(hall_id: int):
    hall = next((h for h in selectors.public_halls() if h.pk == hall_id), None)
    if hall is None:
        raise Http404("没有这个办事大厅 (no such hall)")
    return hall


def take_form(request: HttpRequest, hall, channel: Channel, template: str, done: str):
    """The take-a-ticket form for the phone and the kiosk (same fields, own look)."""
    categories = ticket_selectors.public_categories(hall)
    errors: dict[str, str] = {}
    signed_in = request.user.is_authenticated and getattr(request.user, "is_applicant", False)
    if request.method == "POST":
        category = next((c for c in categories
                         if str(c.pk) == request.POST.get("category", "")), None)
        priority = request.POST.get("priority", PriorityClass.WALK_IN)
        mobile = request.POST.get("mobile", "").strip()
        if category is None:
            errors["category"] = gettext("请选择取号类别。")
        elif channel is Channel.PHONE and not signed_in and mobile and _limited(request):
            response = render(request, template, {
                "hall": hall, "categories": categories, "signed_in": signed_in,
                "errors": {"mobile": gettext("不登录取号过于频繁，请登录后取号或稍后再试。")},
                "priorities": [(p.value, label("ticket_priority", p))
                               for p in PRIORITY_CHOICES]}, status=429)
            response["Retry-After"] = "3600"
            return response
        else:
            try:
                ticket = ticket_services.take_ticket(
                    category, channel=channel,
                    priority=priority if priority in PRIORITY_CHOICES else "",
                    mobile=mobile,
                    user=request.user if signed_in and channel is Channel.PHONE else None)
            except HallDenied as exc:
                errors["category"] = str(exc)
            except HallError as exc:
                errors = exc.errors
            else:
                return redirect(done, token=ticket.token)
    return render(request, template, {
        "hall": hall, "categories": categories, "errors": errors, "signed_in": signed_in,
        "priorities": [(p.value, label("ticket_priority", p)) for p in PRIORITY_CHOICES]},
        status=400 if errors else 200)


def _limited(request: HttpRequest) -> bool:
    try:
        ratelimit.hit("anonymous-phone-ticket", ratelimit.client_address(request),
                      ANONYMOUS_SMS_LIMITS)
    except ratelimit.RateLimited:
        return True
    return False


@require_http_methods(["GET", "POST"])
def take(request: HttpRequest, hall_id: int) -> HttpResponse:
    return take_form(request, _hall(hall_id), Channel.PHONE, "portal/ticket_take.html",
                     "portal:ticket")


def ticket_for(request: HttpRequest, token: str):
    try:
        ticket = ticket_selectors.ticket_by_token(token)
    except selectors.NotVisible as exc:
        raise Http404("没有这个号 (no such ticket)") from exc
    if ticket.user_id is not None and ticket.user_id != request.user.pk:
        raise Http404("没有这个号 (no such ticket)")  # not probed: the same answer
    return ticket


@require_GET
def ticket(request: HttpRequest, token: str) -> HttpResponse:
    found = ticket_for(request, token)
    response = render(request, "portal/ticket.html", {
        "ticket": found, "token": token, "place": ticket_selectors.place_of(found)})
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def ticket_leave(request: HttpRequest, token: str) -> HttpResponse:
    found = ticket_for(request, token)
    try:
        ticket_services.leave(found, token=token,
                              user=request.user if request.user.is_authenticated else None)
    except (HallDenied, HallError):
        pass  # the page shows the ticket's state as it is
    return redirect("portal:ticket", token=token)


@require_GET
def screen(request: HttpRequest, hall_id: int) -> HttpResponse:
    hall = _hall(hall_id)
    return render(request, "portal/hall_screen.html", {
        "hall": hall, "calls": ticket_selectors.last_calls(hall),
        "version": ticket_selectors.screen_version(hall)})


@require_GET
def screen_calls(request: HttpRequest, hall_id: int) -> HttpResponse:
    """The call screen's update: 304 until something was called (see the module's note)."""
    hall = _hall(hall_id)
    version = ticket_selectors.screen_version(hall)
    etag = f'"{version}"'
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponse(status=304)
    else:
        response = JsonResponse({"version": version, "calls": [
            {"code": c.code, "window": c.window, "name": c.name, "text": c.text,
             "label": gettext("请%(code)s号到%(window)s号窗口") % {"code": c.code,
                                                                "window": c.window},
             "at": c.at.isoformat()} for c in ticket_selectors.last_calls(hall)]})
    response["ETag"] = etag
    response["Cache-Control"] = "no-cache"
    return response
