"""Template context: the signed-in applicant's unread message count (the header badge)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def unread(request: HttpRequest) -> dict[str, Any]:
    """``unread_messages``: counted only when a page shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_messages": 0}

    def count() -> int:
        from onething.notifications.services import unread_count

        return unread_count(user)

    return {"unread_messages": count}  # a callable: the template calls it when shown
