"""The window desk (叫号): a clerk with an open shift calls the next ticket, recalls it,
serves, finishes, transfers or marks it no-show; staff print tickets at the door (导办台).

Thin views: reads through ``hall.ticket_selectors``, writes through
``hall.ticket_services`` (which check that the ticket is at the actor's shift window).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST

from onething.domain.tickets import GREEN_CHANNEL, PRIORITY_LABELS, Channel, PriorityClass
from onething.hall import selectors, ticket_selectors, ticket_services
from onething.hall.labels import label
from onething.hall.services import HallDenied, HallError
from onething.workbench.access import SHIFT_ROLES, forbidden, staff_required


def _denied(request: HttpRequest, exc: Exception) -> HttpResponse:
    return forbidden(request, str(exc), title=gettext("不能进行此操作"))


@staff_required(*SHIFT_ROLES)
def desk(request: HttpRequest) -> HttpResponse:
    current = ticket_selectors.desk_of(request.user)
    if current is None:
        messages.info(request, gettext("请先在窗口上岗，再叫号。"))
        return redirect("workbench:shift")
    return render(request, "workbench/desk.html", {"desk": current})


def _pick(options, raw: str):
    try:
        wanted = int(raw)
    except ValueError:
        return None
    return next((o for o in options if o.pk == wanted), None)


@staff_required(*SHIFT_ROLES)
@require_POST
def desk_action(request: HttpRequest) -> HttpResponse:
    current = ticket_selectors.desk_of(request.user)
    if current is None:
        return _denied(request, HallDenied(ticket_services.NO_SHIFT))
    action = request.POST.get("action", "")
    ticket = current.current
    try:
        if action == "call":
            called = ticket_services.call_next(current.shift.window, actor=request.user)
            if called is None:
                messages.info(request, gettext("当前没有等候的号。"))
            else:
                messages.success(request, gettext("已叫号：%(code)s") % {"code": called.code})
        elif ticket is None:
            messages.error(request, gettext("窗口当前没有号。"))
        elif action == "recall":
            ticket_services.recall(ticket, actor=request.user)
        elif action == "serve":
            ticket_services.start_serving(ticket, actor=request.user)
        elif action == "finish":
            ticket_services.finish(ticket, actor=request.user)
        elif action == "no_show":
            ticket_services.mark_no_show(ticket, actor=request.user)
        elif action == "transfer":
            window = _pick(current.windows, request.POST.get("to_window", ""))
            category = _pick(current.categories, request.POST.get("to_category", ""))
            ticket_services.transfer(ticket, actor=request.user, to_window=window,
                                     to_category=None if window else category)
            messages.success(request, gettext("已转移：%(code)s") % {"code": ticket.code})
        else:
            messages.error(request, gettext("无法识别的操作。"))
    except HallDenied as exc:
        return _denied(request, exc)
    except HallError as exc:
        messages.error(request, "；".join(exc.errors.values()))
    return redirect("workbench:desk")


PRIORITY_CHOICES = [PriorityClass.WALK_IN, *GREEN_CHANNEL]


@staff_required(*SHIFT_ROLES)
@require_http_methods(["GET", "POST"])
def door_ticket(request: HttpRequest, hall_id: int) -> HttpResponse:
    """导办台出票: staff take a ticket for someone at the door and print it."""
    hall = next((h for h in selectors.public_halls() if h.pk == hall_id), None)
    if hall is None:
        raise Http404("没有这个办事大厅 (no such hall)")
    categories = ticket_selectors.public_categories(hall)
    errors: dict[str, str] = {}
    if request.method == "POST":
        category = _pick(categories, request.POST.get("category", ""))
        priority = request.POST.get("priority", PriorityClass.WALK_IN)
        if category is None:
            errors["category"] = gettext("请选择取号类别。")
        else:
            try:
                ticket = ticket_services.take_ticket(
                    category, channel=Channel.DOOR, actor=request.user,
                    priority=priority if priority in PRIORITY_LABELS else "",
                    mobile=request.POST.get("mobile", "").strip())
            except HallDenied as exc:
                return _denied(request, exc)
            except HallError as exc:
                errors = exc.errors
            else:
                return render(request, "workbench/door_ticket_print.html", {
                    "ticket": ticket, "place": ticket_selectors.place_of(ticket),
                    "priority_label": label("ticket_priority", ticket.priority)})
    return render(request, "workbench/door_ticket.html", {
        "hall": hall, "categories": categories, "errors": errors,
        "priorities": [(p.value, label("ticket_priority", p)) for p in PRIORITY_CHOICES]})
