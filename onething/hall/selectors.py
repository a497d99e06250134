"""Reads for halls: the public profiles, the manager's lists, who is at which window,
which hall a receipt names, and the halls' entries in the site search."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import Count, Max, Prefetch, QuerySet

from onething.accounts.models import User
from onething.domain.hall import (
    HALL_KIND_LABELS,
    STAFFED_WINDOW_KINDS,
    DayKind,
    Period,
    ServiceKind,
    day_kind,
)
from onething.hall.models import Hall, OpeningPeriod, ServiceCategory, Window, WindowShift
from onething.hall.services import assigned_window_ids, may_manage_halls, may_work_at


class NotVisible(LookupError):
    """Not there, or not for this viewer (a 404: ids are not probed)."""


def day_kinds() -> Callable[[dt.date], DayKind]:
    """Each day's kind in the working-day calendar (domain.hall.day_kind), from one read
    of the calendar: a holiday closes every hall, a make-up working Saturday or Sunday
    (调休上班) follows the weekday periods. Years without a notice follow the provisional
    schedule."""
    from onething.catalog.selectors import working_day_calendar

    calendar = working_day_calendar(provisional=True)
    return lambda day: day_kind(calendar, day)


def day_kind_of(day: dt.date) -> DayKind:
    """One day's kind (``day_kinds``)."""
    return day_kinds()(day)


def periods_of(hall: Hall) -> list[Period]:
    """The hall's weekly schedule as domain periods (uses a prefetch when there is one)."""
    return [Period(p.weekday, p.starts, p.ends, ServiceKind(p.service))
            for p in hall.opening_periods.all()]


def _with_periods(halls: QuerySet[Hall]) -> QuerySet[Hall]:
    return halls.select_related("region").prefetch_related(
        Prefetch("opening_periods", queryset=OpeningPeriod.objects.order_by("weekday", "starts")))


# -- public ---------------------------------------------------------------------------------


def public_halls() -> list[Hall]:
    """Active halls, the main one first, each with its schedule (the portal's 办事大厅)."""
    return list(_with_periods(Hall.objects.filter(active=True)))


def main_hall() -> Hall | None:
    """The main hall (footer, receipts of online applications), else the first active one."""
    return (_with_periods(Hall.objects.filter(active=True)).order_by("-is_main", "order", "name")
            .first())


def hall_for_receipt(application) -> Hall | None:
    """The hall a receipt names: where the application was taken in — the hall of the
    window its submitting clerk was signed in at when it was submitted — else the main
    hall (online, API and kiosk applications: the centre to turn to)."""
    submitted_at = getattr(application, "submitted_at", None)
    if submitted_at is not None and application.submitted_by_id:
        shift = (WindowShift.objects.select_related("window__hall")
                 .filter(user_id=application.submitted_by_id, started_at__lte=submitted_at)
                 .exclude(ended_at__lt=submitted_at).order_by("-started_at").first())
        if shift is not None:
            return shift.window.hall
    return main_hall()


# -- the manager's pages --------------------------------------------------------------------


def halls_for(viewer: User) -> list[Hall]:
    """Every hall, active or not, with its counts of windows and categories (managers)."""
    if not may_manage_halls(viewer):
        return []
    return list(Hall.objects.select_related("region")
                .annotate(window_count=Count("windows", distinct=True),
                          category_count=Count("categories", distinct=True)))


def hall_for(viewer: User, hall_id: int) -> Hall:
    if not may_manage_halls(viewer):
        raise NotVisible(hall_id)
    hall = _with_periods(Hall.objects.filter(pk=hall_id)).first()
    if hall is None:
        raise NotVisible(hall_id)
    return hall


def regions() -> QuerySet:
    """Where a hall can be (the catalogue's regions, by code)."""
    from onething.catalog.models import Region

    return Region.objects.order_by("code")


def default_region():
    """The region a new hall is most likely in: the main hall's, else the first region
    without subdivisions (a county) in the catalogue."""
    from onething.catalog.models import Region

    main = Hall.objects.filter(is_main=True).values_list("region_id", flat=True).first()
    if main:
        return main
    return (Region.objects.filter(children__isnull=True).order_by("code")
            .values_list("code", flat=True).first())


def categories_of(hall: Hall) -> list[ServiceCategory]:
    return list(hall.categories.select_related("department").order_by("order", "letter"))


def category_for(viewer: User, hall: Hall, category_id: int) -> ServiceCategory:
    category = hall.categories.filter(pk=category_id).first()
    if category is None or not may_manage_halls(viewer):
        raise NotVisible(category_id)
    return category


@dataclass(frozen=True)
class WindowRow:
    window: Window
    categories: list[ServiceCategory]
    staff: list[User]
    shift: WindowShift | None  # the open shift, if someone is at the window


def windows_of(hall: Hall) -> list[WindowRow]:
    windows = list(hall.windows.select_related("department")
                   .prefetch_related("categories", "staff").order_by("number"))
    open_shifts = {s.window_id: s for s in WindowShift.objects.select_related("user")
                   .filter(window__hall=hall, ended_at__isnull=True)}
    return [WindowRow(w, sorted(w.categories.all(), key=lambda c: (c.order, c.letter)),
                      sorted(w.staff.all(), key=lambda u: u.username), open_shifts.get(w.pk))
            for w in windows]


def window_for(viewer: User, hall: Hall, window_id: int) -> Window:
    window = hall.windows.filter(pk=window_id).first()
    if window is None or not may_manage_halls(viewer):
        raise NotVisible(window_id)
    return window


def assignable_windows() -> QuerySet[Window]:
    """Every staffed window of every active hall, for the staff form's choices."""
    return (Window.objects.select_related("hall", "department")
            .filter(hall__active=True, kind__in=list(STAFFED_WINDOW_KINDS))
            .order_by("-hall__is_main", "hall__order", "hall__name", "number"))


def assignments(users: Iterable[User]) -> dict[int, list[Window]]:
    """The windows assigned to each of ``users`` (the staff list's column)."""
    ids = [u.pk for u in users]
    found: dict[int, list[Window]] = {pk: [] for pk in ids}
    through = Window.staff.through
    for row in (through.objects.filter(user_id__in=ids).select_related("window__hall")
                .order_by("window__hall__name", "window__number")):
        found[row.user_id].append(row.window)
    return found


# -- shifts ------------------------------------------------------------------------------------


def current_shift(user: User) -> WindowShift | None:
    """The user's open shift, with its window and hall (the workbench header)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (WindowShift.objects.select_related("window__hall", "window__department")
            .filter(user=user, ended_at__isnull=True).first())


def open_shifts(users: Iterable[User]) -> dict[int, WindowShift]:
    """The open shift of each of ``users`` who has one (the staff list)."""
    return {s.user_id: s for s in WindowShift.objects.select_related("window__hall")
            .filter(user__in=[u.pk for u in users], ended_at__isnull=True)}


def windows_open_to(user: User) -> list[tuple[Window, WindowShift | None]]:
    """The windows ``user`` may start a shift at, each with whoever holds it now."""
    assigned = assigned_window_ids(user)
    windows = [w for w in Window.objects.select_related("hall", "department")
               .filter(active=True, hall__active=True, kind__in=list(STAFFED_WINDOW_KINDS))
               .order_by("-hall__is_main", "hall__order", "hall__name", "number")
               if may_work_at(user, w, assigned)]
    held = {s.window_id: s for s in WindowShift.objects.select_related("user")
            .filter(window__in=windows, ended_at__isnull=True)}
    return [(w, held.get(w.pk)) for w in windows]


def shift_for(user: User, shift_id: int) -> WindowShift:
    shift = (WindowShift.objects.select_related("window__hall", "user")
             .filter(pk=shift_id).first())
    if shift is None or (shift.user_id != user.pk and not may_manage_halls(user)):
        raise NotVisible(shift_id)
    return shift


def recent_shifts(user: User, limit: int = 10) -> list[WindowShift]:
    return list(WindowShift.objects.select_related("window__hall")
                .filter(user=user).order_by("-started_at")[:limit])


# -- the site search -----------------------------------------------------------------------

# Words people search with to find a hall, besides its own name and address.
HALL_SEARCH_WORDS = ("办事大厅", "办事大厅地址", "政务服务中心", "政务服务中心地址",
                     "便民服务中心", "政务大厅", "服务大厅在哪", "办事地点", "办公时间")


@dataclass(frozen=True)
class HallEntry:
    """One hall as the search index sees it (see onething.domain.search.Entry)."""

    key: str
    title: str
    url_path: str
    synonyms: tuple[str, ...]


def search_entries() -> list[HallEntry]:
    entries = []
    for hall in Hall.objects.filter(active=True).order_by("-is_main", "order", "name"):
        synonyms = [hall.address, HALL_KIND_LABELS.get(hall.kind, ""),
                    f"{hall.name}地址", *HALL_SEARCH_WORDS]
        entries.append(HallEntry(hall.slug, hall.name, f"/halls/#{hall.slug}",
                                 tuple(s for s in dict.fromkeys(synonyms) if s)))
    return entries


def search_token() -> str:
    """Changes whenever a hall is added, changed, (de)activated or removed."""
    found = Hall.objects.aggregate(count=Count("id"), latest=Max("updated_at"))
    latest = found["latest"].isoformat() if found["latest"] else "-"
    return f"{found['count']}:{latest}"
