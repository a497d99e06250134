"""Writes for queue tickets (取号 / 叫号): take, call next, recall, serve, finish,
transfer, no-show, leave. Each checked and audited (``ticket.*`` events).

Numbers (A001, A002 … per category per day, restarting each local day) come from
``TicketCounter`` through one atomic upsert (``INSERT … ON CONFLICT DO UPDATE … RETURNING``)
inside the ticket's transaction: concurrent takes queue on the counter row, so the numbers
are distinct and, since a rolled-back take rolls its increment back too, gap-free.

Calling next: the window's waiting tickets are read with ``SELECT … FOR UPDATE SKIP
LOCKED`` on PostgreSQL (one candidate per class: the oldest priority ticket and the
oldest walk-in), the domain order (onething.domain.tickets.next_ticket) picks one, and a
compare-and-set update (``status = waiting``) makes it this window's. Two clerks pressing
"next" at the same moment lock different rows and never call one ticket twice; a ticket
locked by the other window is skipped for now, not lost (it is still waiting when that
transaction ends without it). SQLite writes one transaction at a time (IMMEDIATE).

Who may act: a clerk (or assistant, manager) with an open shift calls at that shift's
window, and acts only on the ticket called at that window. Tickets at the door are
printed by staff; phone tickets belong to their holder (account or mobile).
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from functools import partial
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from onething.accounts.models import User
from onething.accounts.staff import WINDOW_STAFF_ROLES
from onething.audit.services import record_audit
from onething.domain.hall import Period, ServiceKind, closed_message, ticket_hours
from onething.domain.tickets import (
    AT_WINDOW,
    GREEN_CHANNEL,
    MAX_CALLS,
    Channel,
    OrderPolicy,
    PriorityClass,
    TicketStatus,
    Waiting,
    mask_name,
    next_ticket,
    priority_streak,
)
from onething.domain.validators import ValidationProblem, validate_mobile
from onething.hall.models import (
    OpeningPeriod,
    ServiceCategory,
    Ticket,
    TicketCounter,
    Window,
    WindowShift,
)
from onething.hall.selectors import day_kinds
from onething.hall.services import HallDenied, HallError
from onething.hall.tidal_selectors import category_ids_at

log = logging.getLogger("onething.hall")

# The domain's default; each hall sets its own starvation bound (Hall.priority_run).
POLICY = OrderPolicy()


def policy_of(hall: Any) -> OrderPolicy:
    """The calling order of a hall: its ``priority_run``, the default walk-in bound."""
    return OrderPolicy(priority_run=hall.priority_run, walk_in_bound=POLICY.walk_in_bound)
# The SMS goes out when this many people or fewer are ahead (轮到前提醒).
NEAR = 3

NO_SHIFT = "请先在窗口上岗 (start a shift at a window first)"
NOT_YOURS = "该号不在您的窗口 (this ticket is not at your window)"
BUSY = "请先处理完当前号 (finish the current ticket first)"


def _audit(kind: str, ticket: Ticket, *, actor: User | None, **details: Any) -> None:
    record_audit(kind, actor=actor, subject=ticket,
                 details={"hall": ticket.hall_id, "ticket": ticket.code,
                          "category": ticket.letter, **details})


def _number(category: ServiceCategory, day: dt.date) -> int:
    table = TicketCounter._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (category_id, day, last) VALUES (%s, %s, 1) "
            f"ON CONFLICT (category_id, day) DO UPDATE SET last = {table}.last + 1 "
            "RETURNING last", [category.pk, day.isoformat()])
        return int(cursor.fetchone()[0])


@transaction.atomic
def take_ticket(category: ServiceCategory, *, channel: Channel | str,
                priority: PriorityClass | str = PriorityClass.WALK_IN, holder_name: str = "",
                mobile: str = "", user: User | None = None, actor: User | None = None,
                now: dt.datetime | None = None) -> Ticket:
    """Take a ticket (取号). ``user``: the signed-in citizen of a phone ticket; ``actor``:
    the member of staff printing it at the door. ``holder_name`` is kept masked only.

    Only within the hall's opening hours (its ``OpeningPeriod`` rows: regular and extended
    hours, weekends included; domain.hall.ticket_hours) — outside them the refusal names
    the next opening, on every channel, the door included."""
    now = now or timezone.now()
    category = ServiceCategory.objects.select_related("hall").get(pk=category.pk)
    errors: dict[str, str] = {}
    if not (category.active and category.hall.active):
        errors["category"] = "该类别暂停取号 (this category is not taking tickets)"
    else:
        closed = hours_refusal(category.hall_id, now)
        if closed:
            errors["hall"] = closed
    channel = Channel(channel)
    if PriorityClass(priority) not in (*GREEN_CHANNEL, PriorityClass.WALK_IN):
        errors["priority"] = "请选择取号类别 (choose a priority class)"
    if mobile:
        try:
            mobile = validate_mobile(mobile)
        except ValidationProblem as problem:
            errors["mobile"] = problem.message
    if channel is Channel.DOOR and not (actor is not None and actor.is_active
                                        and actor.role in WINDOW_STAFF_ROLES):
        raise HallDenied("只有工作人员可以在导办台出票 (only staff print tickets at the door)")
    if channel is Channel.PHONE and user is None and not mobile:
        errors["mobile"] = "请登录或填写手机号 (sign in or give a mobile number)"
    if errors:
        raise HallError(errors)
    day = timezone.localdate(now)
    if channel is Channel.PHONE:
        mine = Q(user=user) if user is not None else Q(mobile=mobile)
        if Ticket.objects.filter(mine, hall=category.hall, day=day,
                                 status__in=(TicketStatus.WAITING, *AT_WINDOW)).exists():
            raise HallError({"category": "您今天在本大厅已有等候中的号 "
                                         "(you already hold a ticket in this hall today)"})
    return _create(category, day=day, channel=channel, priority=PriorityClass(priority),
                   holder_name=holder_name, mobile=mobile, user=user, actor=actor, now=now)


def _create(category: ServiceCategory, *, day: dt.date, channel: Channel,
            priority: PriorityClass, holder_name: str, mobile: str, user: User | None,
            actor: User | None, now: dt.datetime) -> Ticket:
    ticket = Ticket.objects.create(
        hall=category.hall, category=category, day=day, letter=category.letter,
        number=_number(category, day), taken_at=now, channel=channel, priority=priority,
        holder_name=mask_name(holder_name)[:20], mobile=mobile, user=user, issued_by=actor,
        token=secrets.token_urlsafe(16))
    _audit("ticket.taken", ticket, actor=actor or user, channel=str(channel),
           priority=str(priority))
    return ticket


@transaction.atomic
def issue_ticket(category: ServiceCategory, *, channel: Channel | str,
                 priority: PriorityClass | str, holder_name: str = "", mobile: str = "",
                 user: User | None = None, actor: User | None = None,
                 now: dt.datetime | None = None) -> Ticket:
    """The ticket of a checked-in appointment (appointment_services.check_in_appointment,
    which decided the class): APPOINTMENT in the check-in window, WALK_IN when late. The
    one-phone-ticket rule of ``take_ticket`` does not apply: the booking was the limit."""
    now = now or timezone.now()
    category = ServiceCategory.objects.select_related("hall").get(pk=category.pk)
    priority = PriorityClass(priority)
    if priority not in (PriorityClass.APPOINTMENT, PriorityClass.WALK_IN):
        raise HallError({"priority": "请选择取号类别 (choose a priority class)"})
    if not (category.active and category.hall.active):
        raise HallError({"category": "该类别暂停取号 (this category is not taking tickets)"})
    try:
        mobile = validate_mobile(mobile) if mobile else ""
    except ValidationProblem:
        mobile = ""
    return _create(category, day=timezone.localdate(now), channel=Channel(channel),
                   priority=priority, holder_name=holder_name, mobile=mobile, user=user,
                   actor=actor, now=now)
def hours_refusal(hall_id: int, now: dt.datetime) -> str:
    """"" when a walk-in ticket may be taken in the hall at ``now``, else the bilingual
    refusal naming the next opening (the take pages show it before anyone chooses)."""
    periods = [Period(weekday, starts, ends, ServiceKind(service)) for weekday, starts, ends,
               service in OpeningPeriod.objects.filter(hall_id=hall_id)
               .values_list("weekday", "starts", "ends", "service")]
    is_open, opens = ticket_hours(periods, timezone.localtime(now), kinds=day_kinds())
    return "" if is_open else closed_message(opens)


def _shift(actor: User) -> WindowShift:
    shift = (WindowShift.objects.select_related("window__hall")
             .filter(user=actor, ended_at__isnull=True).first())
    if shift is None or not actor.is_active:
        raise HallDenied(NO_SHIFT)
    return shift


def _at_my_window(ticket: Ticket, actor: User, *states: TicketStatus) -> Ticket:
    shift = _shift(actor)
    locked = (Ticket.objects.select_for_update(of=("self",)).select_related("hall", "window")
              .get(pk=ticket.pk))
    if locked.window_id != shift.window_id or locked.status not in states:
        raise HallDenied(NOT_YOURS)
    return locked


def current_at(window: Window) -> Ticket | None:
    return (Ticket.objects.select_related("category")
            .filter(window=window, status__in=AT_WINDOW).first())


def _streak(window: Window, category_ids: list[int], day: dt.date, run: int) -> int:
    recent = list(Ticket.objects.filter(hall_id=window.hall_id, day=day,
                                        category_id__in=category_ids, called_at__isnull=False)
                  .order_by("-called_at", "-pk").values_list("priority", flat=True)[:run])
    return priority_streak(list(reversed(recent)))


def call_next(window: Window, *, actor: User, now: dt.datetime | None = None) -> Ticket | None:
    """Call the next ticket at the actor's window (叫号); None when nobody waits."""
    for _ in range(5):  # a lost compare-and-set (SQLite without row locks) tries again
        with transaction.atomic():
            shift = _shift(actor)
            if shift.window_id != window.pk:
                raise HallDenied(NO_SHIFT)
            window = shift.window
            if current_at(window) is not None:
                raise HallError({"ticket": BUSY})
            now = now or timezone.now()
            day = timezone.localdate(now)
            # An accepted tidal plan may switch the window's categories for this hour.
            category_ids = category_ids_at(window, now)
            policy = policy_of(window.hall)
            waiting = Ticket.objects.filter(hall_id=window.hall_id, day=day,
                                            status=TicketStatus.WAITING).filter(
                Q(for_window=window) | Q(for_window__isnull=True, category_id__in=category_ids))
            if connection.features.has_select_for_update_skip_locked:
                waiting = waiting.select_for_update(skip_locked=True, of=("self",))
            walk_in = waiting.filter(priority=PriorityClass.WALK_IN)
            candidates = [t for t in (walk_in.order_by("taken_at", "pk").first(),
                                      waiting.exclude(priority=PriorityClass.WALK_IN)
                                      .order_by("taken_at", "pk").first()) if t is not None]
            chosen = next_ticket(
                [Waiting(t.pk, PriorityClass(t.priority), t.taken_at) for t in candidates],
                priority_streak=_streak(window, category_ids, day, policy.priority_run),
                now=now, policy=policy)
            if chosen is None:
                return None
            won = Ticket.objects.filter(pk=chosen.id, status=TicketStatus.WAITING).update(
                status=TicketStatus.CALLED, window=window, called_by=actor, called_at=now,
                last_called_at=now, calls=1)
            if not won:
                continue
            ticket = Ticket.objects.select_related("hall", "window").get(pk=chosen.id)
            _audit("ticket.called", ticket, actor=actor, window=window.number)
            # After the commit, not inside the call: two windows calling in one category at
            # once both remind the same few tickets, and the second's insert of the same
            # dedupe key waited on the first's uncommitted row until that one committed.
            transaction.on_commit(partial(_queue_reminders, ticket.category_id, day),
                                  robust=True)
            return ticket
    return None


def _queue_reminders(category_id: int, day: dt.date) -> None:
    """Queue the reminders for the worker (``hall.tasks.remind_near_turn``): the call
    answers without them. Should queueing fail, they are sent here instead."""
    from onething.hall.tasks import remind_near_turn

    try:
        remind_near_turn.enqueue(category_id, day.isoformat())
    except Exception:
        log.exception("hall: reminders of category %s not queued; sent in the call",
                      category_id)
        _remind_near(category_id, day)


def _remind_near(category_id: int, day: dt.date) -> None:
    """SMS to those with a mobile who now have ``NEAR`` people or fewer ahead (once each).

    Run when a call has committed (``call_next``), each reminder in its own short
    transaction: the dedupe key makes a second window's reminder of the same ticket a
    no-op, and no call waits on another's uncommitted reminder."""
    from onething.notifications.services import send_sms

    queue = (Ticket.objects.select_related("hall").filter(
        category_id=category_id, day=day, status=TicketStatus.WAITING)
        .order_by("taken_at", "pk"))
    ordered = sorted(queue[:50], key=lambda t: (t.priority == PriorityClass.WALK_IN,
                                                t.taken_at, t.pk))
    for ahead, ticket in enumerate(ordered[:NEAR + 1]):
        if ticket.mobile:
            send_sms(ticket.mobile,
                     f"【{ticket.hall.name}】您的{ticket.code}号前面还有{ahead}人，请到大厅等候叫号。",
                     dedupe_key=f"ticket-near:{ticket.token}")


@transaction.atomic
def recall(ticket: Ticket, *, actor: User, now: dt.datetime | None = None) -> Ticket:
    """Call the same ticket again (重呼); after two recalls, the next one marks it no-show."""
    ticket = _at_my_window(ticket, actor, TicketStatus.CALLED)
    if ticket.calls >= MAX_CALLS:
        return _no_show(ticket, actor=actor, now=now)
    ticket.calls += 1
    ticket.last_called_at = now or timezone.now()
    ticket.save(update_fields=["calls", "last_called_at"])
    _audit("ticket.recalled", ticket, actor=actor, calls=ticket.calls)
    return ticket


def _no_show(ticket: Ticket, *, actor: User, now: dt.datetime | None) -> Ticket:
    ticket.status = TicketStatus.NO_SHOW
    ticket.ended_at = now or timezone.now()
    ticket.save(update_fields=["status", "ended_at"])
    _audit("ticket.no_show", ticket, actor=actor, calls=ticket.calls)
    return ticket


@transaction.atomic
def mark_no_show(ticket: Ticket, *, actor: User, now: dt.datetime | None = None) -> Ticket:
    """过号: the called person did not come."""
    return _no_show(_at_my_window(ticket, actor, TicketStatus.CALLED), actor=actor, now=now)


@transaction.atomic
def start_serving(ticket: Ticket, *, actor: User, now: dt.datetime | None = None) -> Ticket:
    ticket = _at_my_window(ticket, actor, TicketStatus.CALLED)
    ticket.status = TicketStatus.SERVING
    ticket.served_started_at = now or timezone.now()
    ticket.save(update_fields=["status", "served_started_at"])
    _audit("ticket.serving", ticket, actor=actor)
    return ticket


@transaction.atomic
def finish(ticket: Ticket, *, actor: User, application: Any = None,
           now: dt.datetime | None = None) -> Ticket:
    """办结: the person was served; ``application``: the case handled (linked)."""
    ticket = _at_my_window(ticket, actor, TicketStatus.SERVING)
    ticket.status = TicketStatus.DONE
    ticket.served_ended_at = ticket.ended_at = max(now or timezone.now(),
                                                   ticket.served_started_at)
    if application is not None:
        ticket.application = application
    ticket.save(update_fields=["status", "served_ended_at", "ended_at", "application"])
    _audit("ticket.done", ticket, actor=actor,
           application=getattr(application, "pk", None),
           served_seconds=int((ticket.served_ended_at - ticket.served_started_at)
                              .total_seconds()))
    return ticket


@transaction.atomic
def link_application(ticket: Ticket, application: Any, *, actor: User) -> Ticket:
    """The clerk's intake links the application it created to the ticket at the window."""
    ticket = _at_my_window(ticket, actor, *AT_WINDOW)
    ticket.application = application
    ticket.save(update_fields=["application"])
    _audit("ticket.linked", ticket, actor=actor, application=application.pk)
    return ticket


@transaction.atomic
def transfer(ticket: Ticket, *, actor: User, to_category: ServiceCategory | None = None,
             to_window: Window | None = None, now: dt.datetime | None = None) -> Ticket:
    """转移: end this ticket's part here and queue it again in another category or for
    another window of the hall, keeping its code and original arrival time."""
    ticket = _at_my_window(ticket, actor, *AT_WINDOW)
    if (to_category is None) == (to_window is None):
        raise HallError({"to": "请选择转到的窗口或类别 (choose a window or a category)"})
    if to_window is not None:
        to_window = Window.objects.get(pk=to_window.pk)
        if (to_window.hall_id != ticket.hall_id or not to_window.active
                or to_window.pk == ticket.window_id):
            raise HallError({"to": "不能转到该窗口 (cannot transfer to that window)"})
        category = ticket.category
    else:
        assert to_category is not None
        category = ServiceCategory.objects.get(pk=to_category.pk)
        if category.hall_id != ticket.hall_id or not category.active:
            raise HallError({"to": "不能转到该类别 (cannot transfer to that category)"})
    now = now or timezone.now()
    ticket.status = TicketStatus.TRANSFERRED
    ticket.ended_at = now
    ticket.save(update_fields=["status", "ended_at"])
    moved = Ticket.objects.create(
        hall_id=ticket.hall_id, category=category, day=ticket.day, letter=ticket.letter,
        number=ticket.number, taken_at=ticket.taken_at, channel=ticket.channel,
        priority=ticket.priority, for_window=to_window, holder_name=ticket.holder_name,
        mobile=ticket.mobile, user=ticket.user, issued_by=ticket.issued_by,
        application=ticket.application, token=secrets.token_urlsafe(16),
        transferred_from=ticket)
    _audit("ticket.transferred", ticket, actor=actor,
           to_window=getattr(to_window, "number", None), to_category=category.letter)
    return moved


@transaction.atomic
def leave(ticket: Ticket, *, user: User | None = None, token: str = "",
          now: dt.datetime | None = None) -> Ticket:
    """放弃: the holder gives up a waiting ticket (their account, or the ticket's token)."""
    ticket = Ticket.objects.select_for_update(of=("self",)).get(pk=ticket.pk)
    mine = (user is not None and ticket.user_id == user.pk) or (
        token and secrets.compare_digest(token, ticket.token))
    if not mine:
        raise HallDenied("这不是您的号 (this is not your ticket)")
    if ticket.status != TicketStatus.WAITING:
        raise HallError({"ticket": "该号已不在等候中 (the ticket is no longer waiting)"})
    ticket.status = TicketStatus.LEFT
    ticket.ended_at = now or timezone.now()
    ticket.save(update_fields=["status", "ended_at"])
    _audit("ticket.left", ticket, actor=user)
    return ticket



def link_current(*, actor: User, application: Any) -> Ticket | None:
    """After the clerk's intake at a window: link the application to the ticket at the
    clerk's window, if there is one (None otherwise: no shift, or nobody called)."""
    shift = (WindowShift.objects.filter(user=actor, ended_at__isnull=True)
             .values_list("window_id", flat=True).first())
    if shift is None:
        return None
    ticket = Ticket.objects.filter(window_id=shift, status__in=AT_WINDOW).first()
    if ticket is None:
        return None
    return link_application(ticket, application, actor=actor)
