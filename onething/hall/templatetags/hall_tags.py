"""Template helpers for halls: labels, opening-hours lines and the portal footer."""

from __future__ import annotations

from django import template

from onething.hall import labels, selectors

register = template.Library()


@register.filter
def hall_label(value: object, kind: str) -> str:
    """``{{ window.kind|hall_label:"window_kind" }}``: a hall label, translated."""
    return labels.label(kind, value)


@register.filter
def opening_hours(hall) -> list[dict[str, str]]:
    """``{% for line in hall|opening_hours %}{{ line.days }}：{{ line.hours }}``."""
    return labels.schedule_lines(selectors.periods_of(hall))


@register.inclusion_tag("hall/_footer.html")
def hall_footer() -> dict:
    """The main hall's address, hours and phone for the portal's footer (nothing when
    there is no hall yet)."""
    return {"hall": selectors.main_hall()}


@register.filter
def window_label(window) -> str:
    """``{{ shift.window|window_label }}``: number, name, kind and department."""
    return labels.window_label(window)


@register.simple_tag
def current_shift(user):
    """``{% current_shift user as shift %}``: the user's open window shift, or None."""
    if not getattr(user, "is_staff_member", False):
        return None
    return selectors.current_shift(user)


@register.filter
def hall_mask(name: str) -> str:
    """张三 → 张*: staff lists of bookings show the masked name only."""
    from onething.domain.tickets import mask_name

    return mask_name(name or "")


@register.filter
def minutes(seconds: float) -> float:
    """``{{ plan_hour.aht_seconds|minutes|floatformat:1 }}``: seconds as minutes."""
    return float(seconds) / 60
