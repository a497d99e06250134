"""Reads for appointments (预约): a day's slots with places left, a person's bookings, the
no-show pause, and lookups by code for the kiosk and the window."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Count, Q
from django.utils import timezone

from onething.accounts.models import User
from onething.domain.appointments import (
    AppointmentStatus,
    Slot,
    day_slots,
    effective_windows,
    normalize_code,
    paused_until,
    slot_capacity,
)
from onething.domain.hall import STAFFED_WINDOW_KINDS, DayKind
from onething.hall.models import Appointment, Hall, ServiceCategory, Window
from onething.hall.selectors import NotVisible, day_kind_of, day_kinds, periods_of

HALL_TZ = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class SlotPlaces:
    """A slot of a day with its capacity for appointments and places left."""

    slot: Slot
    starts: dt.datetime  # aware, Asia/Shanghai
    ends: dt.datetime
    capacity: int
    booked: int

    @property
    def left(self) -> int:
        return max(0, self.capacity - self.booked)

    @property
    def label(self) -> str:
        return self.slot.label

    @property
    def value(self) -> str:
        """The slot's start in a form's value: 2026-12-08T09:00."""
        return self.starts.strftime("%Y-%m-%dT%H:%M")


def local(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(HALL_TZ)


def is_closed(day: dt.date) -> bool:
    """A statutory holiday (or a day off moved by 调休) closes the hall; ordinary weekends
    are the weekly schedule's business."""
    return day_kind_of(day) is DayKind.HOLIDAY


def windows_for(category: ServiceCategory) -> list[int]:
    """For each staffed active window serving ``category``: how many active categories it
    serves (a window serving k categories counts 1/k for each)."""
    windows = list(Window.objects.filter(categories=category, active=True,
                                         kind__in=list(STAFFED_WINDOW_KINDS))
                   .values_list("pk", flat=True))
    through = Window.categories.through
    rows = (through.objects.filter(window_id__in=windows, servicecategory__active=True)
            .values("window_id").annotate(k=Count("pk")).values_list("k", flat=True))
    return [int(k) for k in rows]


def bookable_categories(hall: Hall) -> list[ServiceCategory]:
    return list(hall.categories.filter(active=True, bookable=True).order_by("order", "letter"))


def day_places(category: ServiceCategory, day: dt.date) -> list[SlotPlaces]:
    """The slots of ``day`` in ``category`` with their capacity and bookings."""
    hall = category.hall
    policy = hall.appointment_policy
    slots = day_slots(periods_of(hall), day, slot_minutes=policy.slot_minutes,
                      kind=day_kind_of(day))
    if not slots:
        return []
    windows = effective_windows(windows_for(category))
    starts = [dt.datetime.combine(day, s.starts, HALL_TZ) for s in slots]
    booked = dict(Appointment.objects.filter(
        category=category, slot_starts__in=starts, status=AppointmentStatus.BOOKED)
        .values_list("slot_starts").annotate(n=Count("pk")).order_by())
    booked = {local(at): n for at, n in booked.items()}
    return [SlotPlaces(s, start, dt.datetime.combine(day, s.ends, HALL_TZ),
                       slot_capacity(windows=windows, slot_minutes=policy.slot_minutes,
                                     handling_minutes=category.handling_minutes,
                                     appointment_percent=policy.appointment_percent,
                                     service=s.service),
                       booked.get(start, 0))
            for s, start in zip(slots, starts, strict=True)]


def open_places(category: ServiceCategory, day: dt.date,
                now: dt.datetime | None = None) -> list[SlotPlaces]:
    """The slots of ``day`` that can still be booked at ``now``: starting at least the
    hall's cut-off (``cutoff_minutes``) later — what the booking check accepts."""
    now = now or timezone.now()
    cutoff = dt.timedelta(minutes=category.hall.appointment_policy.cutoff_minutes)
    return [p for p in day_places(category, day) if p.starts - now >= cutoff]


def find_slot(category: ServiceCategory, starts: dt.datetime) -> SlotPlaces | None:
    wanted = local(starts)
    return next((p for p in day_places(category, wanted.date()) if p.starts == wanted), None)


def bookable_days(hall: Hall, today: dt.date | None = None) -> list[dt.date]:
    """Days from today to the horizon on which the hall has slots."""
    today = today or timezone.localdate()
    policy = hall.appointment_policy
    periods = periods_of(hall)
    days = [today + dt.timedelta(days=n) for n in range(policy.horizon_days + 1)]
    kinds = day_kinds()
    return [d for d in days if day_slots(periods, d, slot_minutes=policy.slot_minutes,
                                         kind=kinds(d))]


def no_show_days(person: User, hall: Hall, now: dt.datetime) -> list[dt.date]:
    """The days of the person's no-shows at the hall, counting bookings that lapsed but
    were not marked yet (the marking runs on a timer)."""
    from onething.domain.tickets import CHECK_IN_LATE

    rows = Appointment.objects.filter(person=person, hall=hall).filter(
        Q(status=AppointmentStatus.NO_SHOW)
        | Q(status=AppointmentStatus.BOOKED, slot_starts__lt=now - CHECK_IN_LATE))
    return list(rows.values_list("day", flat=True))


def booking_paused_until(person: User, hall: Hall,
                         now: dt.datetime | None = None) -> dt.date | None:
    now = now or timezone.now()
    return paused_until(no_show_days(person, hall, now), today=timezone.localdate(now),
                        policy=hall.appointment_policy)


def appointments_of(person: User, *, upcoming_only: bool = False) -> list[Appointment]:
    rows = (Appointment.objects.select_related("hall", "category", "ticket")
            .filter(person=person))
    if upcoming_only:
        rows = rows.filter(status=AppointmentStatus.BOOKED)
    return list(rows.order_by("-slot_starts")[:50])


def appointment_of(person: User, appointment_id: int) -> Appointment:
    """The person's own appointment (others' are not found)."""
    found = (Appointment.objects.select_related("hall", "category", "ticket")
             .filter(pk=appointment_id, person=person).first())
    if found is None:
        raise NotVisible(appointment_id)
    return found


def appointment_by_code(code: str, hall: Hall | None = None) -> Appointment:
    rows = Appointment.objects.select_related("hall", "category", "person", "ticket").filter(
        code=normalize_code(code) or "-")
    if hall is not None:
        rows = rows.filter(hall=hall)
    found = rows.first()
    if found is None:
        raise NotVisible(code)
    return found


def appointment_in_hall(hall: Hall, appointment_id: int) -> Appointment:
    """A booking at ``hall`` (the window's change and cancel; another hall's: not found)."""
    found = (Appointment.objects.select_related("hall", "category", "person", "ticket")
             .filter(pk=appointment_id, hall=hall).first())
    if found is None:
        raise NotVisible(appointment_id)
    return found


def bookable_categories_for_department(department_id: int | None) -> list[ServiceCategory]:
    """The categories taking appointments (active, bookable, of an active hall) that serve
    one department's matters (``ServiceCategory.department``): the single-matter page
    links to booking in them. 综合 categories (no department) take every matter and are
    reached from the hall's profile and the bundle guides, not listed per matter."""
    if department_id is None:
        return []
    return list(ServiceCategory.objects.select_related("hall").filter(
        department_id=department_id, active=True, bookable=True, hall__active=True)
        .order_by("-hall__is_main", "hall__order", "hall__name", "order", "letter"))


def todays_appointments(hall: Hall, person: User, day: dt.date | None = None
                        ) -> list[Appointment]:
    """The person's bookings at the hall today (the kiosk's signed-in check-in)."""
    return list(Appointment.objects.select_related("hall", "category").filter(
        hall=hall, person=person, day=day or timezone.localdate(),
        status=AppointmentStatus.BOOKED).order_by("slot_starts"))


def hall_day(hall: Hall, day: dt.date | None = None) -> list[Appointment]:
    """A hall's bookings of a day (the window's list)."""
    return list(Appointment.objects.select_related("category", "person", "ticket").filter(
        hall=hall, day=day or timezone.localdate()).order_by("slot_starts", "pk"))


def bookable_category(category_id: int, hall_id: int | None = None) -> ServiceCategory:
    """An active, bookable category of an active hall (NotVisible otherwise)."""
    rows = ServiceCategory.objects.select_related("hall").filter(
        pk=category_id, active=True, bookable=True, hall__active=True)
    if hall_id is not None:
        rows = rows.filter(hall_id=hall_id)
    found = rows.first()
    if found is None:
        raise NotVisible(category_id)
    return found
