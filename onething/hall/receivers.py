"""A window shift ends when its holder signs out or the account is disabled; the main
hall's name signs the SMS the notifications app sends."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver

from onething.accounts.staff import staff_disabled
from onething.hall.services import end_shifts_of
from onething.notifications.services import register_centre_name


def _main_hall_name() -> str:
    from onething.hall.selectors import main_hall

    hall = main_hall()
    return hall.name if hall is not None else ""


register_centre_name(_main_hall_name)


@receiver(user_logged_out, dispatch_uid="hall_shift_ends_at_sign_out")
def _signed_out(sender: Any, request: Any = None, user: Any = None, **kwargs: Any) -> None:
    if user is not None and getattr(user, "is_staff_member", False):
        end_shifts_of(user, actor=user, reason="signed_out")


@receiver(staff_disabled, dispatch_uid="hall_shift_ends_when_disabled")
def _disabled(sender: Any, member: Any, actor: Any = None, **kwargs: Any) -> None:
    end_shifts_of(member, actor=actor, reason="disabled")
