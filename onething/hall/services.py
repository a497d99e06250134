"""Writes for halls: profiles and opening hours, ticket categories, windows, window
assignments and shifts. One function per change, each checked and audited.

Who may do what:

* Halls, categories, windows and window assignments: centre managers and
  administrators (``actor=None`` is the operator at the command line or a set-up script).
* Shifts (值班): a clerk, an assistant or a manager starts one at an active, staffed
  window (not the self-service area) of an active hall. Someone with windows assigned
  works only at those; someone with none may take any staffed window (small centres
  need not assign). Starting a shift ends one's own open shift elsewhere first (moving
  to another counter). A shift ends when its holder ends it or signs out, when a
  manager ends it, or when the account is disabled.
* The database keeps one open shift per window and one per person (partial unique
  indexes); two clerks pressing "start" at one window at the same moment get one shift
  and one "already taken" answer, never two shifts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from onething.accounts.models import Role, User
from onething.accounts.staff import (
    MANAGING_ROLES,
    WINDOW_STAFF_ROLES,
    check_may_change,
    operator_label,
)
from onething.audit.services import record_audit
from onething.catalog.models import Department, Region
from onething.domain.appointments import AppointmentStatus
from onething.domain.hall import (
    HALL_KIND_LABELS,
    STAFFED_WINDOW_KINDS,
    WINDOW_KIND_LABELS,
    Period,
    ScheduleProblem,
    WindowKind,
    check_category_letter,
    check_periods,
)
from onething.hall.models import (
    Appointment,
    Hall,
    OpeningPeriod,
    ServiceCategory,
    Window,
    WindowShift,
)


class HallDenied(PermissionError):
    """The actor may not make this change (a 403 in the workbench)."""


class HallError(ValueError):
    """Input that cannot be taken; ``errors`` maps a field to a "中文 (English)" message."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("；".join(errors.values()))


NOT_A_MANAGER = ("只有中心管理人员和系统管理员可以管理办事大厅 "
                 "(only centre managers and administrators manage halls)")


def may_manage_halls(actor: User | None) -> bool:
    return actor is None or (actor.is_active and actor.role in MANAGING_ROLES)


def _check_manager(actor: User | None) -> None:
    if not may_manage_halls(actor):
        raise HallDenied(NOT_A_MANAGER)


def _audit(kind: str, *, actor: User | None, subject: Any, details: dict[str, Any]) -> None:
    record_audit(kind, actor=actor, subject=subject,
                 actor_label="" if actor is not None else operator_label(), details=details)


def _text(errors: dict[str, str], field: str, value: str, limit: int, *,
          required: bool = False, label: str = "") -> str:
    value = (value or "").strip()
    if required and not value:
        errors[field] = f"请填写{label} ({field.replace('_', ' ')} required)"
    elif len(value) > limit:
        errors[field] = f"{label}不能超过{limit}字 ({field.replace('_', ' ')}: at most {limit})"
    return value


def _jsonable(value: Any) -> Any:
    if isinstance(value, Region | Department):
        return value.pk if isinstance(value, Region) else value.code
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    return value


# -- halls -------------------------------------------------------------------------------


@dataclass(frozen=True)
class HallProfile:
    """What a hall's profile says; ``periods`` replace the weekly schedule."""

    name: str
    slug: str
    kind: str
    region: Region
    address: str
    phone: str
    map_url: str = ""
    bus_lines: str = ""
    accessible_entrance: str = ""
    hours_note: str = ""
    is_main: bool = False
    active: bool = True
    order: int = 0
    periods: Sequence[Period] = ()
    # The calling order's starvation bound (Hall.priority_run).
    priority_run: int = 3
    # Appointments (Hall.appointment_*, no_show_*; domain.appointments.AppointmentPolicy).
    appointment_slot_minutes: int = 30
    appointment_percent: int = 30
    appointment_horizon_days: int = 7
    appointment_cutoff_minutes: int = 60
    no_show_limit: int = 3
    no_show_window_days: int = 90
    no_show_pause_days: int = 30
    # The hall's service target: the figures' share within target, the tidal plan's target.
    target_wait_minutes: int = 15
    service_level_percent: int = 80


PROFILE_FIELDS = ("name", "slug", "kind", "region", "address", "phone", "map_url", "bus_lines",
                  "accessible_entrance", "hours_note", "is_main", "active", "order",
                  "priority_run", "appointment_slot_minutes", "appointment_percent",
                  "appointment_horizon_days", "appointment_cutoff_minutes", "no_show_limit",
                  "no_show_window_days", "no_show_pause_days", "target_wait_minutes",
                  "service_level_percent")

# The hall's numeric settings: field → (lowest, highest, "中文 (English)" when outside).
SLOT_LENGTHS = (15, 20, 30, 60)
SETTING_BOUNDS: dict[str, tuple[int, int, str]] = {
    "priority_run": (1, 20, "连续优先叫号上限应为1至20 (the priority run must be 1 to 20)"),
    "appointment_percent": (0, 100, "预约名额占比应为0至100 (the appointment share must be "
                                    "0 to 100 %)"),
    "appointment_horizon_days": (0, 60, "可预约天数应为0至60 (bookable days ahead: 0 to 60)"),
    "appointment_cutoff_minutes": (0, 1440, "最晚提前预约时间应为0至1440分钟 (the booking "
                                            "cut-off must be 0 to 1440 minutes)"),
    "no_show_limit": (1, 20, "爽约次数上限应为1至20 (the no-show limit must be 1 to 20)"),
    "no_show_window_days": (1, 365, "爽约统计天数应为1至365 (the no-show window must be "
                                    "1 to 365 days)"),
    "no_show_pause_days": (1, 365, "暂停预约天数应为1至365 (the booking pause must be "
                                   "1 to 365 days)"),
    "target_wait_minutes": (1, 240, "目标等候时间应为1至240分钟 (the target wait must be "
                                    "1 to 240 minutes)"),
    "service_level_percent": (50, 99, "服务水平目标应为50%至99% (the service-level target "
                                      "must be 50 to 99 %)"),
}
SLOT_LENGTH_ERROR = ("预约时段长度应为15、20、30或60分钟 (the slot length must be 15, 20, 30 or "
                     "60 minutes)")
SLOT_LENGTH_BOOKED = ("还有未到的预约，不能修改预约时段长度 (bookings are still to come: the "
                      "slot length cannot change until they are over)")


def _clean_settings(profile: HallProfile, hall: Hall | None,
                    errors: dict[str, str]) -> dict[str, Any]:
    """The hall's numeric settings (calling order, appointments, service target)."""
    values: dict[str, Any] = {}
    for field, (low, high, message) in SETTING_BOUNDS.items():
        value = getattr(profile, field)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            errors[field] = message
        values[field] = value
    slot = profile.appointment_slot_minutes
    values["appointment_slot_minutes"] = slot
    if slot not in SLOT_LENGTHS or isinstance(slot, bool):
        errors["appointment_slot_minutes"] = SLOT_LENGTH_ERROR
    elif hall is not None and slot != hall.appointment_slot_minutes:
        if Appointment.objects.filter(hall=hall, status=AppointmentStatus.BOOKED,
                                      slot_ends__gt=timezone.now()).exists():
            errors["appointment_slot_minutes"] = SLOT_LENGTH_BOOKED
    return values


def _clean_profile(profile: HallProfile, hall: Hall | None) -> dict[str, Any]:
    errors: dict[str, str] = {}
    values: dict[str, Any] = {
        "name": _text(errors, "name", profile.name, 100, required=True, label="名称"),
        "address": _text(errors, "address", profile.address, 200, required=True, label="地址"),
        "phone": _text(errors, "phone", profile.phone, 50, required=True, label="咨询电话"),
        "bus_lines": _text(errors, "bus_lines", profile.bus_lines, 300, label="公交线路"),
        "accessible_entrance": _text(errors, "accessible_entrance",
                                     profile.accessible_entrance, 2000, label="无障碍通道"),
        "hours_note": _text(errors, "hours_note", profile.hours_note, 2000, label="办公时间说明"),
        "region": profile.region, "is_main": bool(profile.is_main),
        "active": bool(profile.active), "order": max(0, min(int(profile.order or 0), 999)),
    }
    values.update(_clean_settings(profile, hall, errors))
    slug = (profile.slug or "").strip().lower()
    if not slug or len(slug) > 50 or not all(c.isascii() and (c.isalnum() or c == "-")
                                              for c in slug) or slug.startswith("-"):
        errors["slug"] = ("标识为1至50个小写英文字母、数字或连字符 (slug: 1–50 lower-case letters, "
                          "digits or hyphens)")
    values["slug"] = slug
    if profile.kind not in HALL_KIND_LABELS:
        errors["kind"] = "请选择办事大厅类型 (choose the kind of hall)"
    values["kind"] = profile.kind
    map_url = (profile.map_url or "").strip()
    if map_url and (not map_url.startswith(("https://", "http://")) or len(map_url) > 500
                    or any(c.isspace() for c in map_url)):
        errors["map_url"] = "地图链接应以 https:// 开头 (the map link must be an https:// address)"
    values["map_url"] = map_url
    if values["is_main"] and not values["active"]:
        errors["active"] = "主办事大厅必须启用 (the main hall must be active)"
    others = Hall.objects.exclude(pk=hall.pk) if hall else Hall.objects.all()
    if values["name"] and others.filter(name=values["name"]).exists():
        errors["name"] = "已有同名的办事大厅 (a hall of that name exists)"
    if slug and others.filter(slug=slug).exists():
        errors["slug"] = "该标识已被使用 (slug already taken)"
    try:
        check_periods(profile.periods)
    except ScheduleProblem as exc:
        errors["periods"] = "；".join(exc.problems)
    if errors:
        raise HallError(errors)
    return values


def _period_rows(hall: Hall) -> list[list[Any]]:
    return [[p.weekday, p.starts.strftime("%H:%M"), p.ends.strftime("%H:%M"), p.service]
            for p in hall.opening_periods.order_by("weekday", "starts")]


@transaction.atomic
def save_hall(profile: HallProfile, *, actor: User | None, hall: Hall | None = None) -> Hall:
    """Create a hall (``hall`` None) or change one, with its weekly schedule. Making a
    hall the main one makes the previous main hall an ordinary one, in one transaction."""
    _check_manager(actor)
    if hall is not None:
        hall = Hall.objects.select_for_update().get(pk=hall.pk)
    values = _clean_profile(profile, hall)
    periods = check_periods(profile.periods)
    changes: dict[str, list[Any]] = {}
    if values["is_main"]:
        # Lock the current main hall's row: two halls made main at once queue here.
        previous = Hall.objects.select_for_update().filter(is_main=True)
        if hall is not None:
            previous = previous.exclude(pk=hall.pk)
        for other in previous:
            other.is_main = False
            other.save(update_fields=["is_main", "updated_at"])
            _audit("hall.updated", actor=actor, subject=other,
                   details={"hall": other.name, "changes": {"is_main": [True, False]}})
    created = hall is None
    if created:
        hall = Hall(**values)
    else:
        for name in PROFILE_FIELDS:
            old = getattr(hall, name)
            if old != values[name]:
                changes[name] = [_jsonable(old), _jsonable(values[name])]
            setattr(hall, name, values[name])
    before = [] if created else _period_rows(hall)
    try:
        with transaction.atomic():
            hall.save()
    except IntegrityError as exc:  # the same name or slug saved at the same moment
        raise HallError({"name": "已有同名或同标识的办事大厅 (a hall of that name or slug "
                                 "exists)"}) from exc
    hall.opening_periods.all().delete()
    OpeningPeriod.objects.bulk_create(
        OpeningPeriod(hall=hall, weekday=p.weekday, starts=p.starts, ends=p.ends,
                      service=p.service) for p in periods)
    after = _period_rows(hall)
    if before != after:
        changes["periods"] = [before, after]
    if not hall.active:  # a hall taken out of use: nobody works a shift there any more
        for shift in (WindowShift.objects.select_for_update(of=("self",))
                      .select_related("window__hall", "user")
                      .filter(window__hall=hall, ended_at__isnull=True)):
            _close(shift, actor=actor, reason="hall_closed")
    if created:
        _audit("hall.created", actor=actor, subject=hall,
               details={"hall": hall.name, "slug": hall.slug, "is_main": hall.is_main})
    elif changes:
        hall.save(update_fields=["updated_at"])  # the schedule alone changed: a new version
        _audit("hall.updated", actor=actor, subject=hall,
               details={"hall": hall.name, "changes": changes})
    return hall


# -- categories -------------------------------------------------------------------------


@transaction.atomic
def save_category(hall: Hall, *, actor: User | None, letter: str, name: str,
                  description: str = "", department: Department | None = None,
                  active: bool = True, order: int = 0,
                  handling_minutes: int | None = None, bookable: bool | None = None,
                  category: ServiceCategory | None = None) -> ServiceCategory:
    """Add a ticket category to a hall (``category`` None) or change one. Its appointment
    settings: ``handling_minutes`` (the planned minutes per person, 1–240; slot capacities
    derive from it) and ``bookable`` (takes appointments); None keeps the current value
    (a new category: 15 minutes, bookable)."""
    _check_manager(actor)
    if category is not None:
        category = ServiceCategory.objects.select_for_update().get(pk=category.pk)
        if category.hall_id != hall.pk:
            raise HallError({"category": "该类别不属于这个办事大厅 (not this hall's category)"})
    errors: dict[str, str] = {}
    try:
        letter = check_category_letter(letter)
    except ValueError as exc:
        errors["letter"] = str(exc)
    values = {
        "letter": letter,
        "name": _text(errors, "name", name, 50, required=True, label="名称"),
        "description": _text(errors, "description", description, 200, label="说明"),
        "department": department, "active": bool(active),
        "order": max(0, min(int(order or 0), 999)),
        "handling_minutes": (handling_minutes if handling_minutes is not None
                             else category.handling_minutes if category else 15),
        "bookable": bool(bookable if bookable is not None
                         else category.bookable if category else True),
    }
    minutes = values["handling_minutes"]
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= 240:
        errors["handling_minutes"] = ("平均办理时长应为1至240分钟 (the handling time must be "
                                      "1 to 240 minutes)")
    others = hall.categories.exclude(pk=category.pk) if category else hall.categories.all()
    if "letter" not in errors and others.filter(letter=values["letter"]).exists():
        errors["letter"] = (f"本大厅已有取号字母 {values['letter']} (letter "
                            f"{values['letter']} is taken in this hall)")
    if values["name"] and others.filter(name=values["name"]).exists():
        errors["name"] = "本大厅已有同名的取号类别 (a category of that name exists)"
    if errors:
        raise HallError(errors)
    created = category is None
    changes: dict[str, list[Any]] = {}
    if created:
        category = ServiceCategory(hall=hall, **values)
    else:
        for key, value in values.items():
            old = getattr(category, key)
            if old != value:
                changes[key] = [_jsonable(old), _jsonable(value)]
            setattr(category, key, value)
        if not changes:
            return category
    try:
        with transaction.atomic():
            category.save()
    except IntegrityError as exc:
        raise HallError({"letter": "取号字母或名称已被使用 (letter or name taken)"}) from exc
    _audit("category.created" if created else "category.updated", actor=actor,
           subject=category,
           details={"hall": hall.name, "letter": category.letter, "name": category.name,
                    **({"changes": changes} if changes else {})})
    return category


# -- windows -----------------------------------------------------------------------------


@transaction.atomic
def save_window(hall: Hall, *, actor: User | None, number: int, kind: str, name: str = "",
                department: Department | None = None,
                categories: Iterable[ServiceCategory] = (), active: bool = True,
                window: Window | None = None) -> Window:
    """Add a window to a hall (``window`` None) or change one: its number, kind,
    department (a specialist window's, and only theirs), the hall's categories it
    serves, and whether it is in use. A window taken out of use ends its open shift."""
    _check_manager(actor)
    if window is not None:
        window = Window.objects.select_for_update().get(pk=window.pk)
        if window.hall_id != hall.pk:
            raise HallError({"window": "该窗口不属于这个办事大厅 (not this hall's window)"})
    errors: dict[str, str] = {}
    try:
        number = int(number)
    except (TypeError, ValueError):
        number = 0
    if not 1 <= number <= 999:
        errors["number"] = "窗口号应为1至999的整数 (window number: 1 to 999)"
    if kind not in WINDOW_KIND_LABELS:
        errors["kind"] = "请选择窗口类型 (choose the kind of window)"
    if kind == WindowKind.SPECIALIST and department is None:
        errors["department"] = "专业窗口须选择所属部门 (a specialist window needs its department)"
    if kind != WindowKind.SPECIALIST:
        department = None
    name = _text(errors, "name", name, 50, label="名称")
    chosen = list(dict.fromkeys(categories))
    if any(c.hall_id != hall.pk for c in chosen):
        errors["categories"] = ("只能选择本大厅的取号类别 (only this hall's categories can be "
                                "chosen)")
    others = hall.windows.exclude(pk=window.pk) if window else hall.windows.all()
    if "number" not in errors and others.filter(number=number).exists():
        errors["number"] = f"本大厅已有{number}号窗口 (window {number} exists in this hall)"
    if errors:
        raise HallError(errors)
    created = window is None
    changes: dict[str, list[Any]] = {}
    values = {"number": number, "kind": kind, "name": name, "department": department,
              "active": bool(active)}
    if created:
        window = Window(hall=hall, **values)
    else:
        for key, value in values.items():
            old = getattr(window, key)
            if old != value:
                changes[key] = [_jsonable(old), _jsonable(value)]
            setattr(window, key, value)
    try:
        with transaction.atomic():
            window.save()
    except IntegrityError as exc:
        raise HallError({"number": f"本大厅已有{number}号窗口 (window {number} exists in "
                                   "this hall)"}) from exc
    before = sorted(window.categories.values_list("letter", flat=True)) if not created else []
    window.categories.set(chosen)
    after = sorted(c.letter for c in chosen)
    if before != after and not created:
        changes["categories"] = [before, after]
    if not window.active or window.kind not in STAFFED_WINDOW_KINDS:
        for shift in WindowShift.objects.select_for_update().filter(window=window,
                                                                    ended_at__isnull=True):
            _close(shift, actor=actor, reason="window_closed")
    if created:
        _audit("window.created", actor=actor, subject=window,
               details={"hall": hall.name, "number": number, "kind": kind,
                        "department": _jsonable(department) if department else "",
                        "categories": after})
    elif changes:
        _audit("window.updated", actor=actor, subject=window,
               details={"hall": hall.name, "number": number, "changes": changes})
    return window


@transaction.atomic
def assign_windows(member: User, windows: Iterable[Window], *, actor: User | None) -> None:
    """The windows ``member`` works at (窗口安排), replacing the previous set. Only staff who
    work at windows (clerks, assistants, managers) can be given windows; an empty set
    means any staffed window."""
    _check_manager(actor)
    member = User.objects.select_for_update().get(pk=member.pk)
    check_may_change(actor, member)  # a manager does not rearrange an administrator
    chosen = list(dict.fromkeys(windows))
    if chosen and member.role not in WINDOW_STAFF_ROLES:
        raise HallError({"windows": "只有窗口工作人员、帮办代办员和中心管理人员可以安排窗口 "
                                    "(only clerks, assistants and managers work at windows)"})
    before = sorted((w.hall.name, w.number) for w in member.assigned_windows.select_related(
        "hall"))
    after = sorted((w.hall.name, w.number) for w in chosen)
    if before == after:
        return
    member.assigned_windows.set(chosen)
    _audit("window.assigned", actor=actor, subject=member,
           details={"username": member.username,
                    "changes": {"windows": [[f"{h} {n}" for h, n in before],
                                            [f"{h} {n}" for h, n in after]]}})


# -- shifts --------------------------------------------------------------------------------

WINDOW_TAKEN = "该窗口已有工作人员在岗 (someone is already working at this window)"
ALREADY_WORKING = "您已在另一个窗口上岗 (you are already working at another window)"


def assigned_window_ids(user: User) -> frozenset[int]:
    return frozenset(user.assigned_windows.values_list("pk", flat=True))


def may_work_at(user: User, window: Window, assigned: frozenset[int] | None = None) -> bool:
    """Whether ``user`` may start a shift at ``window`` (see the module's rules);
    ``assigned``: the user's assigned window ids, when the caller has them already."""
    if not (user.is_active and user.role in WINDOW_STAFF_ROLES):
        return False
    if not (window.active and window.hall.active and window.kind in STAFFED_WINDOW_KINDS):
        return False
    if user.role == Role.MANAGER:
        return True
    if assigned is None:
        assigned = assigned_window_ids(user)
    return not assigned or window.pk in assigned


def serves_hall(user: User, hall: Hall) -> bool:
    """Whether ``user`` is staff of ``hall``: someone who may work at one of its staffed
    windows (:func:`may_work_at`: managers anywhere; clerks and assistants at their
    assigned windows, or at any when none are assigned)."""
    if not (user.is_active and user.role in WINDOW_STAFF_ROLES and hall.active):
        return False
    assigned = assigned_window_ids(user)
    windows = hall.windows.select_related("hall").filter(
        active=True, kind__in=list(STAFFED_WINDOW_KINDS))
    return any(may_work_at(user, window, assigned) for window in windows)


def _close(shift: WindowShift, *, actor: User | None, reason: str,
           at: dt.datetime | None = None) -> WindowShift:
    shift.ended_at = max(at or timezone.now(), shift.started_at)
    shift.ended_by = actor
    shift.end_reason = reason
    shift.save(update_fields=["ended_at", "ended_by", "end_reason"])
    _audit("shift.ended", actor=actor, subject=shift,
           details={"hall": shift.window.hall.name, "window": shift.window.number,
                    "username": shift.user.username, "reason": reason})
    return shift


@transaction.atomic
def start_shift(window: Window, *, actor: User) -> WindowShift:
    """Sign ``actor`` in at ``window`` (上岗). Ends the actor's open shift at another
    window first; at the same window, the open shift is returned as it is."""
    window = Window.objects.select_related("hall").get(pk=window.pk)
    if not may_work_at(actor, window):
        raise HallDenied("您不能在该窗口上岗 (you cannot work at this window)")
    own = (WindowShift.objects.select_for_update(of=("self",))
           .select_related("window__hall", "user")
           .filter(user=actor, ended_at__isnull=True).first())
    if own is not None and own.window_id == window.pk:
        return own
    if own is not None:
        _close(own, actor=actor, reason="moved")
    shift = WindowShift(window=window, user=actor, started_at=timezone.now())
    try:
        with transaction.atomic():
            shift.save()
    except IntegrityError as exc:  # a concurrent start won: at this window, or by this person
        if WindowShift.objects.filter(user=actor, ended_at__isnull=True).exists():
            raise HallError({"window": ALREADY_WORKING}) from exc
        raise HallError({"window": WINDOW_TAKEN}) from exc
    _audit("shift.started", actor=actor, subject=shift,
           details={"hall": window.hall.name, "window": window.number,
                    "username": actor.username})
    return shift


@transaction.atomic
def end_shift(shift: WindowShift, *, actor: User | None, reason: str = "ended") -> bool:
    """End an open shift (下岗): its holder, or a manager for anyone. False when it had
    ended already."""
    if actor is not None and actor.pk != shift.user_id and not may_manage_halls(actor):
        raise HallDenied("只能结束自己的值班 (you can only end your own shift)")
    shift = (WindowShift.objects.select_for_update(of=("self",))
             .select_related("window__hall", "user").get(pk=shift.pk))
    if shift.ended_at is not None:
        return False
    _close(shift, actor=actor, reason=reason)
    return True


def end_shifts_of(user: User, *, actor: User | None, reason: str) -> int:
    """End the open shift of ``user``, if any (signing out, disabling). Returns how many."""
    with transaction.atomic():
        open_shifts = list(WindowShift.objects.select_for_update(of=("self",))
                           .select_related("window__hall", "user")
                           .filter(user=user, ended_at__isnull=True))
        for shift in open_shifts:
            _close(shift, actor=actor, reason=reason)
    return len(open_shifts)
