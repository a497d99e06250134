"""Reads for the hall figures (大厅运行指标): the tickets and shifts of one hall over a
range of local days, turned into the figures of onething.domain.hallfigures, and their
CSV and xlsx forms. Managers and administrators only (``NotVisible`` otherwise).

Two queries: the hall's ticket rows of those days (``ticket_queue`` index: hall, day),
and the shifts at its windows overlapping the range. A transfer chain stays within one
day, so a range of whole days never cuts one.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

from django.db.models import Q

from onething.accounts.models import User
from onething.domain.hallfigures import (
    DEFAULT_TARGET,
    HALL_TZ,
    CategoryFigures,
    Granularity,
    Interval,
    TicketRow,
    WindowFigures,
    category_figures,
    visits,
    window_figures,
)
from onething.hall.models import Hall, Ticket, WindowShift
from onething.hall.selectors import NotVisible
from onething.hall.services import may_manage_halls

MAX_DAYS = 366  # one request reads at most a year of tickets

DEFAULT_SERVICE_LEVEL = 0.8


@dataclass(frozen=True)
class HallFigures:
    hall: Hall
    first: dt.date
    last: dt.date  # inclusive
    granularity: Granularity
    target: dt.timedelta
    categories: list[CategoryFigures]
    windows: list[WindowFigures]
    category_names: dict[str, str]
    # The hall's service-level target: the share that should be called within ``target``.
    service_level: float = DEFAULT_SERVICE_LEVEL


def target_of(hall: Hall) -> dt.timedelta:
    """The hall's target wait (Hall.target_wait_minutes, 15 minutes by default)."""
    minutes = hall.target_wait_minutes
    return dt.timedelta(minutes=minutes) if minutes else DEFAULT_TARGET


def service_level_of(hall: Hall) -> float:
    """The hall's service-level target as a share (Hall.service_level_percent, 80 %)."""
    return (
        hall.service_level_percent / 100 if hall.service_level_percent else (DEFAULT_SERVICE_LEVEL)
    )


def _bounds(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return (
        dt.datetime.combine(first, dt.time(), tzinfo=HALL_TZ),
        dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=HALL_TZ),
    )


def hall_figures(
    viewer: User,
    hall_id: int,
    first: dt.date,
    last: dt.date,
    granularity: Granularity,
    *,
    now: dt.datetime,
) -> HallFigures:
    """The figures of ``hall_id`` for the local days ``first``..``last`` (inclusive)."""
    if not may_manage_halls(viewer):
        raise NotVisible(hall_id)
    hall = Hall.objects.filter(pk=hall_id).first()
    if hall is None:
        raise NotVisible(hall_id)
    if last < first or (last - first).days >= MAX_DAYS:
        raise ValueError("the range must be 1 to 366 days, first before last")
    start, end = _bounds(first, last)
    tickets = Ticket.objects.filter(hall=hall, day__gte=first, day__lte=last).values_list(
        "pk",
        "transferred_from_id",
        "letter",
        "priority",
        "status",
        "taken_at",
        "called_at",
        "window__number",
        "served_started_at",
        "served_ended_at",
    )
    rows: list[TicketRow] = []
    services: list[Interval] = []
    for (
        pk,
        moved_from,
        letter,
        priority,
        status,
        taken_at,
        called_at,
        window,
        served_from,
        served_to,
    ) in tickets.iterator(chunk_size=5000):
        rows.append(TicketRow(pk, moved_from, letter, priority, status, taken_at, called_at))
        if window is not None and served_from is not None:
            services.append(Interval(window, served_from, served_to))
    shifts = [
        Interval(number, started, ended)
        for number, started, ended in WindowShift.objects.filter(
            window__hall=hall, started_at__lt=end
        )
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=start))
        .values_list("window__number", "started_at", "ended_at")
    ]
    target = target_of(hall)
    return HallFigures(
        hall=hall,
        first=first,
        last=last,
        granularity=granularity,
        target=target,
        categories=category_figures(visits(rows), granularity, target),
        windows=window_figures(
            shifts, services, start, min(end, max(now, start)), granularity, now
        ),
        category_names=dict(hall.categories.values_list("letter", "name")),
        service_level=service_level_of(hall),
    )


# -- exports ----------------------------------------------------------------------------------

CATEGORY_COLUMNS = (
    "period",
    "category",
    "taken",
    "called",
    "average_wait_seconds",
    "p90_wait_seconds",
    "within_target",
    "no_show_rate",
    "left_rate",
    "appointment_share",
)
WINDOW_COLUMNS = ("period", "window", "signed_in_seconds", "serving_seconds", "occupancy")


def period_label(period: dt.datetime, granularity: Granularity) -> str:
    local = period.astimezone(HALL_TZ)
    return local.strftime("%Y-%m-%d" if granularity is Granularity.DAY else "%Y-%m-%d %H:00")


def _seconds(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _share(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def category_rows(figures: HallFigures) -> list[list[object]]:
    """One row per period and category (``*`` = all categories); seconds to 0.1 s,
    shares to 4 decimals, empty where there is nothing to divide by."""
    return [
        [
            period_label(f.period, figures.granularity),
            f.category or "*",
            f.taken,
            f.called,
            _seconds(f.average_wait),
            _seconds(f.p90_wait),
            _share(f.within_target),
            _share(f.no_show_rate),
            _share(f.left_rate),
            _share(f.appointment_share),
        ]
        for f in figures.categories
    ]


def window_rows(figures: HallFigures) -> list[list[object]]:
    return [
        [
            period_label(f.period, figures.granularity),
            f.window,
            _seconds(f.signed_in),
            _seconds(f.serving),
            _share(f.occupancy),
        ]
        for f in figures.windows
    ]


def to_csv(figures: HallFigures, table: str = "categories") -> str:
    """The categories' (or windows') table as CSV, header first; empty cells for None."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    if table == "windows":
        writer.writerow(WINDOW_COLUMNS)
        writer.writerows(window_rows(figures))
    else:
        writer.writerow(CATEGORY_COLUMNS)
        writer.writerows(category_rows(figures))
    return out.getvalue()


def to_xlsx(figures: HallFigures) -> bytes:
    """A workbook with the sheets ``categories`` and ``windows`` (the CSV tables) and
    ``about`` (hall, range, granularity, target wait, percentile method)."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "categories"
    sheet.append(CATEGORY_COLUMNS)
    for row in category_rows(figures):
        sheet.append(row)
    windows = book.create_sheet("windows")
    windows.append(WINDOW_COLUMNS)
    for row in window_rows(figures):
        windows.append(row)
    about = book.create_sheet("about")
    for key, value in (
        ("hall", figures.hall.name),
        ("first_day", figures.first.isoformat()),
        ("last_day", figures.last.isoformat()),
        ("granularity", str(figures.granularity)),
        ("target_wait_seconds", int(figures.target.total_seconds())),
        ("service_level_target", figures.service_level),
        ("p90_method", "nearest rank: sorted waits, value at rank ceil(0.9 n)"),
    ):
        about.append([key, value])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
