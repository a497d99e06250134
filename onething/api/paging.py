"""Keyset paging: an opaque cursor holding the sort key of the last row sent.

Unlike offsets, a keyset cursor neither skips nor repeats rows when cases
move in or out of a queue between two requests.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

from django.db.models import QuerySet

from onething.api.errors import ApiError
from onething.applications.selectors import in_queue_order

PAGE_SIZE = 50


def _encode(values: list[Any]) -> str:
    raw = json.dumps(values, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(values, list):
            raise ValueError
        return values
    except ValueError as exc:
        raise _bad_cursor() from exc


def _bad_cursor() -> ApiError:
    return ApiError(400, "invalid_cursor", "分页游标无效 (invalid cursor)", {"cursor": "invalid"})


def page_by_due_date(qs: QuerySet, cursor: str = "") -> tuple[list, str | None]:
    """Cases in queue order (promised due date, cases not yet accepted first, then
    id), keyset-paged on the same expression the case_open_queue index holds."""
    after = None
    if cursor:
        values = _decode(cursor)
        if len(values) != 2 or not isinstance(values[1], int):
            raise _bad_cursor()
        due, last_id = values
        try:
            after = (None if due is None else dt.date.fromisoformat(str(due)), last_id)
        except ValueError as exc:
            raise _bad_cursor() from exc
    qs = in_queue_order(qs, after=after)
    rows = list(qs[: PAGE_SIZE + 1])
    if len(rows) <= PAGE_SIZE:
        return rows, None
    rows = rows[:PAGE_SIZE]
    last = rows[-1]
    due_value = last.promised_due_date.isoformat() if last.promised_due_date else None
    return rows, _encode([due_value, last.pk])


def page_by_newest(qs: QuerySet, cursor: str = "") -> tuple[list, str | None]:
    """Newest first, by id."""
    qs = qs.order_by("-id")
    if cursor:
        values = _decode(cursor)
        if len(values) != 1 or not isinstance(values[0], int):
            raise _bad_cursor()
        qs = qs.filter(id__lt=values[0])
    rows = list(qs[: PAGE_SIZE + 1])
    if len(rows) <= PAGE_SIZE:
        return rows, None
    rows = rows[:PAGE_SIZE]
    return rows, _encode([rows[-1].pk])
