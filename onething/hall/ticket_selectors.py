"""Reads for queue tickets: a ticket's place and estimated wait, the call screen's
last calls and its version, a window's desk (current ticket and queue lengths)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Max, Q
from django.utils import timezone

from onething.accounts.models import User
from onething.domain.tickets import (
    AT_WINDOW,
    PriorityClass,
    TicketStatus,
    Waiting,
    announcement,
    average_handling_seconds,
    estimated_wait_seconds,
    people_ahead,
)
from onething.hall.models import Hall, ServiceCategory, Ticket, Window, WindowShift
from onething.hall.selectors import NotVisible
from onething.hall.tidal_selectors import category_ids_at

RECENT_SERVED = 20  # handling times averaged for the estimate


@dataclass(frozen=True)
class Place:
    """Where a waiting ticket stands: people ahead and the estimated wait (seconds, None
    when no window serves the category now)."""

    ahead: int
    wait_seconds: int | None
    windows: int
    handling_seconds: float


def _waiting(ticket: Ticket) -> Waiting:
    return Waiting(ticket.pk, PriorityClass(ticket.priority), ticket.taken_at)


def handling_seconds(category_id: int, day: dt.date) -> float:
    rows = (Ticket.objects.filter(category_id=category_id, day=day, status=TicketStatus.DONE,
                                  served_started_at__isnull=False)
            .order_by("-served_ended_at").values_list("served_started_at", "served_ended_at")
            [:RECENT_SERVED])
    return average_handling_seconds([(end - start).total_seconds() for start, end in rows])


def place_of(ticket: Ticket) -> Place | None:
    """The ticket's place in its category's queue, or None when it is not waiting."""
    if ticket.status != TicketStatus.WAITING:
        return None
    queue = Ticket.objects.filter(category_id=ticket.category_id, day=ticket.day,
                                  status=TicketStatus.WAITING)
    waiting = [Waiting(pk, PriorityClass(p), at) for pk, p, at
               in queue.values_list("pk", "priority", "taken_at")]
    ahead = people_ahead(_waiting(ticket), waiting)
    # The windows with someone at them that serve the category now (an accepted tidal
    # plan may have switched some).
    staffed = Window.objects.filter(
        hall_id=ticket.hall_id, active=True,
        pk__in=WindowShift.objects.filter(ended_at__isnull=True).values("window"))
    now = timezone.now()
    serving = [w.pk for w in staffed if ticket.category_id in category_ids_at(w, now)]
    windows = len(serving)
    busy = (Ticket.objects.filter(window_id__in=serving, status__in=AT_WINDOW)
            .values("window").distinct().count())
    aht = handling_seconds(ticket.category_id, ticket.day)
    return Place(ahead, estimated_wait_seconds(ahead, windows=windows,
                                               idle_windows=max(0, windows - busy),
                                               handling_seconds=aht), windows, aht)


def ticket_by_token(token: str) -> Ticket:
    ticket = (Ticket.objects.select_related("hall", "category", "window")
              .filter(token=token or "-").first())
    if ticket is None:
        raise NotVisible(token)
    return _latest(ticket)


def _latest(ticket: Ticket) -> Ticket:
    """Follow transfers to the ticket's current row."""
    while True:
        nxt = (Ticket.objects.select_related("hall", "category", "window")
               .filter(transferred_from=ticket).first())
        if nxt is None:
            return ticket
        ticket = nxt


def tickets_of(user: User) -> list[Ticket]:
    """The citizen's tickets of today (phone tickets taken signed in)."""
    return list(Ticket.objects.select_related("hall", "category", "window")
                .filter(user=user, day=timezone.localdate(), transferred_from__isnull=True)
                .order_by("-taken_at"))


def public_categories(hall: Hall) -> list[ServiceCategory]:
    return list(hall.categories.filter(active=True).order_by("order", "letter"))


@dataclass(frozen=True)
class Call:
    code: str
    window: int
    name: str
    at: dt.datetime
    text: str


def screen_version(hall: Hall) -> str:
    """Changes whenever a ticket of the hall is called or recalled (one indexed read)."""
    latest = Ticket.objects.filter(hall=hall).aggregate(at=Max("last_called_at"))["at"]
    return f"{hall.pk}-{latest.timestamp() if latest else 0:.6f}"


def last_calls(hall: Hall, limit: int = 8) -> list[Call]:
    rows = (Ticket.objects.select_related("window")
            .filter(hall=hall, day=timezone.localdate(), last_called_at__isnull=False,
                    window__isnull=False)
            .order_by("-last_called_at", "-pk")[:limit])
    return [Call(t.code, t.window.number, t.holder_name, t.last_called_at,
                 announcement(t.code, t.window.number)) for t in rows]


@dataclass(frozen=True)
class Desk:
    shift: WindowShift
    current: Ticket | None
    waiting: list[tuple[ServiceCategory, int]]
    windows: list[Window]
    categories: list[ServiceCategory]


def desk_of(user: User) -> Desk | None:
    """The window desk of ``user``'s open shift, or None without one."""
    shift = (WindowShift.objects.select_related("window__hall")
             .filter(user=user, ended_at__isnull=True).first())
    if shift is None:
        return None
    window = shift.window
    current = (Ticket.objects.select_related("category")
               .filter(window=window, status__in=AT_WINDOW).first())
    served = list(ServiceCategory.objects.filter(pk__in=category_ids_at(window))
                  .order_by("order", "letter"))
    counts = dict(Ticket.objects.filter(day=timezone.localdate(), status=TicketStatus.WAITING)
                  .filter(Q(for_window=window) | Q(for_window__isnull=True, category__in=served))
                  .values_list("category").annotate(n=Count("pk")).order_by())
    others = list(Window.objects.filter(hall=window.hall, active=True).exclude(pk=window.pk)
                  .order_by("number"))
    return Desk(shift, current, [(c, counts.get(c.pk, 0)) for c in served], others,
                public_categories(window.hall))
