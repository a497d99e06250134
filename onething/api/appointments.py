"""Appointments (预约) in the API: a hall's slots of a day (public), and an applicant's
bookings — book, list, change, cancel (token scopes: ``read`` to read, ``submit`` to book, change
and cancel, as for applications). Errors keep the API's one shape (ErrorOut): a booking the
rules refuse is 422 ``booking_refused`` with the field in ``errors``."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from onething.api.errors import ApiError
from onething.api.schemas import ErrorOut, ObjectId, StrictIn
from onething.hall import appointment_selectors as sel
from onething.hall import appointment_services, selectors
from onething.hall.services import HallDenied, HallError

if TYPE_CHECKING:
    from onething.accounts.choices import User

router = Router(tags=["appointments"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
NO_HALL = "没有这个办事大厅或类别 (no such hall or category)"


class SlotOut(Schema):
    starts: dt.datetime = Field(examples=["2026-12-08T09:00:00+08:00"])
    ends: dt.datetime
    capacity: int
    left: int


class AppointmentIn(StrictIn):
    category: ObjectId
    starts: dt.datetime = Field(description="a slot's start, e.g. 2026-12-08T09:00:00+08:00")


class AppointmentChangeIn(StrictIn):
    starts: dt.datetime = Field(description="the new slot's start, same hall and category, "
                                            "e.g. 2026-12-09T09:00:00+08:00")


class AppointmentOut(Schema):
    id: int
    code: str = Field(examples=["K7M2QX"])
    hall: str
    hall_id: int
    category: str
    category_id: int
    starts: dt.datetime
    ends: dt.datetime
    status: str = Field(examples=["booked"])
    channel: str
    ticket: str | None = None


def _out(appointment) -> dict:
    return {"id": appointment.pk, "code": appointment.code, "hall": appointment.hall.name,
            "hall_id": appointment.hall_id, "category": appointment.category.name,
            "category_id": appointment.category_id,
            "starts": sel.local(appointment.slot_starts),
            "ends": sel.local(appointment.slot_ends), "status": appointment.status,
            "channel": appointment.channel,
            "ticket": appointment.ticket.code if appointment.ticket_id else None}


def _category(category_id: int, hall_id: int | None = None):
    try:
        return sel.bookable_category(category_id, hall_id)
    except selectors.NotVisible as exc:
        raise ApiError(404, "not_found", NO_HALL) from exc


def _refused(exc: Exception) -> ApiError:
    if isinstance(exc, HallDenied):
        return ApiError(403, "forbidden", str(exc))
    assert isinstance(exc, HallError)
    return ApiError(422, "booking_refused", str(exc), exc.errors)


@router.get("/halls/{hall_id}/appointment-slots", response={200: list[SlotOut], **ERRORS},
            auth=None)
def appointment_slots(request: HttpRequest, hall_id: ObjectId, category: ObjectId, day: dt.date):
    """A day's slots of a category with their places for appointments (public)."""
    found = _category(category, hall_id)
    return [{"starts": p.starts, "ends": p.ends, "capacity": p.capacity, "left": p.left}
            for p in sel.day_places(found, day)]


def _applicant(request: HttpRequest) -> User:
    user = request.auth  # type: ignore[attr-defined]
    if not user.is_applicant:
        raise ApiError(403, "forbidden", "预约只对办事群众开放 (appointments are for applicants)")
    return user


@router.post("/appointments", response={201: AppointmentOut, **ERRORS})
def book_appointment(request: HttpRequest, payload: AppointmentIn):
    """Book a slot for the token's applicant (the booking rules: docs/hall.md)."""
    user = _applicant(request)
    found = _category(payload.category)
    try:
        booked = appointment_services.book_appointment(
            found, person=user, actor=user, slot_starts=payload.starts, channel="api")
    except (HallError, HallDenied) as exc:
        raise _refused(exc) from exc
    return Status(201, _out(sel.appointment_of(user, booked.pk)))


@router.get("/appointments", response={200: list[AppointmentOut], **ERRORS})
def my_appointments(request: HttpRequest):
    """The applicant's appointments, latest slot first (50 at most)."""
    return [_out(a) for a in sel.appointments_of(_applicant(request))]


def _own(user: User, appointment_id: int):
    try:
        return sel.appointment_of(user, appointment_id)
    except selectors.NotVisible as exc:  # someone else's is not found either
        raise ApiError(404, "not_found", "没有这个预约 (no such appointment)") from exc


@router.post("/appointments/{appointment_id}/change", response={200: AppointmentOut, **ERRORS})
def change_appointment(request: HttpRequest, appointment_id: ObjectId,
                       payload: AppointmentChangeIn):
    """改约: move the applicant's booking to another slot of the same hall and category,
    by the booking rules (horizon, cut-off, a place left, one active booking per person,
    category and day — the booking being moved not counted). The old place is freed only
    if the new one is taken; a refusal (422 ``booking_refused``) leaves the booking as it
    was. Someone else's appointment: 404."""
    user = _applicant(request)
    found = _own(user, appointment_id)
    try:
        appointment_services.change_appointment(found, slot_starts=payload.starts, actor=user)
    except (HallError, HallDenied) as exc:
        raise _refused(exc) from exc
    return _out(sel.appointment_of(user, appointment_id))


@router.post("/appointments/{appointment_id}/cancel", response={200: AppointmentOut, **ERRORS})
def cancel_appointment(request: HttpRequest, appointment_id: ObjectId):
    """取消: frees the place (never counted as a no-show). Someone else's appointment: 404."""
    user = _applicant(request)
    found = _own(user, appointment_id)
    try:
        appointment_services.cancel_appointment(found, actor=user)
    except (HallError, HallDenied) as exc:
        raise _refused(exc) from exc
    return _out(sel.appointment_of(user, appointment_id))
