"""Writes for appointments (预约): book, change, cancel, check in, mark no-shows. Each one
checked by the rules of onething.domain.appointments and audited (``appointment.*``).

Capacity under concurrency: a booking first makes sure the slot's lock row
(``AppointmentSlot``) exists (``INSERT … ON CONFLICT DO NOTHING``), then locks it
(``SELECT … FOR UPDATE``) and only then counts the slot's bookings. Two people booking
the last place at once queue on that row: the second counts the first's committed
booking and is told the slot is full. A change locks both slots in a fixed order (by
category, then start), so two changes crossing each other cannot deadlock. A partial
unique index keeps one active booking per person, category and day even when one person
books from two phones at once.

Who may act: the person (``actor`` is the person), or a member of staff at a window
(clerk, assistant, manager) of the booking's hall (``hall.services.serves_hall``) for the
person in front of them; staff changing or cancelling someone's booking give a reason,
recorded in the audit event.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from onething.accounts.models import User
from onething.accounts.staff import WINDOW_STAFF_ROLES
from onething.audit.services import record_audit
from onething.domain.appointments import (
    AppointmentStatus,
    BookingChannel,
    BookingProblem,
    check_booking,
    check_in,
    lapsed,
    new_code,
)
from onething.domain.tickets import Channel, PriorityClass
from onething.hall import appointment_selectors as sel
from onething.hall.models import Appointment, AppointmentSlot, Hall, ServiceCategory, Ticket
from onething.hall.services import HallDenied, HallError, serves_hall

NOT_YOURS = "这不是您的预约 (this is not your appointment)"
NOT_ACTIVE = "该预约已不能修改（已取消、已签到或已过期） (the appointment is no longer active)"
NOT_HALL_STAFF = "您不是该办事大厅的工作人员 (you are not staff of this hall)"
REASON_REQUIRED = "请填写改约或取消的原因 (give the reason)"
REASON_MAX = 200


def _audit(kind: str, appointment: Appointment, *, actor: User | None, **details: Any) -> None:
    record_audit(kind, actor=actor, subject=appointment,
                 details={"hall": appointment.hall_id, "code": appointment.code,
                          "category": appointment.category.letter,
                          "slot": sel.local(appointment.slot_starts).strftime("%Y-%m-%d %H:%M"),
                          **details})


def _is_window_staff(actor: User | None) -> bool:
    return actor is not None and actor.is_active and actor.role in WINDOW_STAFF_ROLES


def _may_act(appointment_person_id: int, actor: User | None, hall: Hall | None = None) -> None:
    """The person, or window staff; with ``hall``, staff of that hall only."""
    if actor is None or not actor.is_active:
        raise HallDenied(NOT_YOURS)
    if actor.pk == appointment_person_id:
        return
    if not _is_window_staff(actor):
        raise HallDenied(NOT_YOURS)
    if hall is not None and not serves_hall(actor, hall):
        raise HallDenied(NOT_HALL_STAFF)


def _staff_reason(appointment: Appointment, actor: User, reason: str) -> str:
    """Staff changing or cancelling someone's booking give a reason (it is audited)."""
    reason = " ".join(reason.split())
    if actor.pk != appointment.person_id and not reason:
        raise HallError({"reason": REASON_REQUIRED})
    if len(reason) > REASON_MAX:
        raise HallError({"reason": f"原因不能超过 {REASON_MAX} 个字 "
                                   f"(the reason is longer than {REASON_MAX} characters)"})
    return reason


def _problem(exc: BookingProblem) -> HallError:
    return HallError({exc.field: exc.message})


def _lock_slots(category_id: int, *starts: dt.datetime) -> None:
    ordered = sorted(set(starts))
    AppointmentSlot.objects.bulk_create(  # INSERT … ON CONFLICT DO NOTHING
        [AppointmentSlot(category_id=category_id, starts=start) for start in ordered],
        ignore_conflicts=True)
    list(AppointmentSlot.objects.select_for_update()
         .filter(category_id=category_id, starts__in=ordered).order_by("starts"))


def _check(category: ServiceCategory, person: User, starts: dt.datetime, now: dt.datetime,
           *, ignore: int | None = None) -> sel.SlotPlaces:
    """The slot at ``starts`` if ``person`` may book it now (its lock is held)."""
    place = sel.find_slot(category, starts)
    if place is None:
        raise HallError({"slot": "该时段不可预约 (no such slot)"})
    others = Appointment.objects.filter(person=person, category=category,
                                        day=place.starts.date(), status=AppointmentStatus.BOOKED)
    if ignore is not None:
        others = others.exclude(pk=ignore)
    try:
        check_booking(slot_starts=place.starts, now=now, today=timezone.localdate(now),
                      slot_day=place.starts.date(), policy=category.hall.appointment_policy,
                      booked=place.booked, capacity=place.capacity,
                      same_day_bookings=others.count(),
                      paused_until=sel.booking_paused_until(person, category.hall, now))
    except BookingProblem as exc:
        raise _problem(exc) from exc
    return place


def _new_code() -> str:
    for _ in range(10):
        code = new_code()
        if not Appointment.objects.filter(code=code).exists():
            return code
    raise RuntimeError("no free appointment code")  # pragma: no cover - 8.9e8 codes


def book_appointment(category: ServiceCategory, *, person: User, slot_starts: dt.datetime,
                     actor: User, channel: BookingChannel | str,
                     now: dt.datetime | None = None) -> Appointment:
    """Book a slot (预约) for ``person``: the booking rules of domain.appointments, with the
    slot's lock held while its places are counted (see the module's note)."""
    now = now or timezone.now()
    channel = BookingChannel(channel)
    _may_act(person.pk, actor, category.hall)
    if channel is BookingChannel.WINDOW and not _is_window_staff(actor):
        raise HallDenied("只有工作人员可以在窗口代为预约 (only staff book at a window)")
    if not person.is_active or not person.is_applicant:
        raise HallError({"person": "只能为办事群众预约 (appointments are for applicants)"})
    category = ServiceCategory.objects.select_related("hall").get(pk=category.pk)
    if not (category.active and category.bookable and category.hall.active):
        raise HallError({"category": "该类别不接受预约 (this category takes no appointments)"})
    try:
        with transaction.atomic():
            _lock_slots(category.pk, sel.local(slot_starts))
            place = _check(category, person, slot_starts, now)
            appointment = Appointment.objects.create(
                hall=category.hall, category=category, person=person,
                day=place.starts.date(), slot_starts=place.starts, slot_ends=place.ends,
                channel=channel, code=_new_code(), booked_at=now,
                booked_by=actor if actor.pk != person.pk else None)
            _audit("appointment.booked", appointment, actor=actor, channel=str(channel))
    except IntegrityError as exc:  # the same person booking twice at once
        raise HallError({"category": "您当天在该类别已有预约，请改约或取消原预约 "
                                     "(you already have a booking in this category that day: "
                                     "change or cancel it)"}) from exc
    return appointment


def _locked(appointment: Appointment) -> Appointment:
    return (Appointment.objects.select_for_update(of=("self",))
            .select_related("hall", "category__hall").get(pk=appointment.pk))


@transaction.atomic
def change_appointment(appointment: Appointment, *, slot_starts: dt.datetime, actor: User,
                       now: dt.datetime | None = None, reason: str = "") -> Appointment:
    """改约: move the booking to another slot of the same category in one transaction
    (the old place is freed only if the new one is taken). Staff of the hall may change
    someone's booking at the window, giving ``reason`` (audited)."""
    now = now or timezone.now()
    _may_act(appointment.person_id, actor, appointment.hall)
    reason = _staff_reason(appointment, actor, reason)
    _lock_slots(appointment.category_id, sel.local(appointment.slot_starts),
                sel.local(slot_starts))
    appointment = _locked(appointment)
    if appointment.status != AppointmentStatus.BOOKED or lapsed(appointment.slot_starts, now):
        raise HallError({"appointment": NOT_ACTIVE})
    if sel.local(slot_starts) == sel.local(appointment.slot_starts):
        return appointment
    before = sel.local(appointment.slot_starts).strftime("%Y-%m-%d %H:%M")
    place = _check(appointment.category, appointment.person, slot_starts, now,
                   ignore=appointment.pk)
    appointment.day = place.starts.date()
    appointment.slot_starts, appointment.slot_ends = place.starts, place.ends
    appointment.save(update_fields=["day", "slot_starts", "slot_ends"])
    _audit("appointment.changed", appointment, actor=actor, before=before,
           **({"reason": reason} if reason else {}))
    return appointment


@transaction.atomic
def cancel_appointment(appointment: Appointment, *, actor: User,
                       now: dt.datetime | None = None, reason: str = "") -> Appointment:
    """取消预约: frees the place; a cancellation is never counted as a no-show. Staff of
    the hall may cancel someone's booking at the window, giving ``reason`` (audited)."""
    now = now or timezone.now()
    _may_act(appointment.person_id, actor, appointment.hall)
    reason = _staff_reason(appointment, actor, reason)
    appointment = _locked(appointment)
    if appointment.status != AppointmentStatus.BOOKED or lapsed(appointment.slot_starts, now):
        raise HallError({"appointment": NOT_ACTIVE})
    appointment.status = AppointmentStatus.CANCELLED
    appointment.ended_at = now
    appointment.save(update_fields=["status", "ended_at"])
    _audit("appointment.cancelled", appointment, actor=actor,
           **({"reason": reason} if reason else {}))
    return appointment


@transaction.atomic
def check_in_appointment(appointment: Appointment, *, channel: Channel | str,
                         actor: User | None = None, now: dt.datetime | None = None) -> Ticket:
    """签到: the appointment becomes a ticket (domain.tickets.check_in_class) — from 30
    minutes before the slot to 15 after, a priority ticket of class APPOINTMENT; later, an
    ordinary walk-in ticket and the appointment is marked late; earlier, refused.

    ``channel``: kiosk (by code or signed in: ``actor`` may be None with the code),
    phone (the person, "我已到达"), door (staff at the window or door)."""
    from onething.hall.ticket_services import issue_ticket

    now = now or timezone.now()
    channel = Channel(channel)
    if channel is Channel.DOOR and not _is_window_staff(actor):
        raise HallDenied("只有工作人员可以代为签到 (only staff check in for someone)")
    if channel is Channel.PHONE:
        _may_act(appointment.person_id, actor)
        if actor is None or actor.pk != appointment.person_id:
            raise HallDenied(NOT_YOURS)
    appointment = _locked(appointment)
    if appointment.status != AppointmentStatus.BOOKED:
        raise HallError({"appointment": "该预约已签到、取消或过期 "
                                        "(already checked in, cancelled or expired)"})
    if appointment.day != timezone.localdate(now):
        raise HallError({"appointment": "只能在预约当天签到 (check in on the day booked)"})
    try:
        outcome = check_in(sel.local(appointment.slot_starts), sel.local(now))
    except BookingProblem as exc:
        raise _problem(exc) from exc
    person = appointment.person
    ticket = issue_ticket(appointment.category, channel=channel, priority=outcome.priority,
                          holder_name=person.real_name, mobile=person.mobile,
                          user=person if channel is Channel.PHONE else None,
                          actor=actor if channel is Channel.DOOR else None, now=now)
    appointment.status = outcome.status
    appointment.ended_at = now
    appointment.ticket = ticket
    appointment.save(update_fields=["status", "ended_at", "ticket"])
    _audit("appointment.checked_in" if outcome.priority is PriorityClass.APPOINTMENT
           else "appointment.late", appointment, actor=actor, ticket=ticket.code,
           channel=str(channel))
    return ticket


def mark_no_shows(*, now: dt.datetime | None = None) -> list[int]:
    """爽约: bookings not checked in by 15 minutes after their slot; each in its own short
    transaction (a row checked in meanwhile is left alone). Run by the
    ``mark_appointment_no_shows`` task (``onething hall no-shows``, hourly timer); booking
    also counts lapsed bookings not marked yet, so the rule never waits for the timer."""
    from onething.domain.tickets import CHECK_IN_LATE

    now = now or timezone.now()
    due = list(Appointment.objects.filter(status=AppointmentStatus.BOOKED,
                                          slot_starts__lt=now - CHECK_IN_LATE)
               .values_list("pk", flat=True))
    marked = []
    for pk in due:
        with transaction.atomic():
            appointment = (Appointment.objects.select_for_update(of=("self",))
                           .select_related("category").filter(pk=pk).first())
            if appointment is None or appointment.status != AppointmentStatus.BOOKED:
                continue
            appointment.status = AppointmentStatus.NO_SHOW
            appointment.ended_at = now
            appointment.save(update_fields=["status", "ended_at"])
            _audit("appointment.no_show", appointment, actor=None)
            marked.append(pk)
    return marked
