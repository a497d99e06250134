"""``{{ bundle.name|localized }}``: a catalogue text in the active language
(the English beside the Chinese, the Chinese when none is given)."""

from __future__ import annotations

from typing import Any

from django import template

from onething.catalog import translation

register = template.Library()


@register.filter
def localized(value: Any, attr: str | None = None) -> str:
    """``text|localized`` or ``row|localized:"name"``."""
    return translation.localized(value, attr)


@register.filter
def localized_choice(choice: str, definition: Any) -> str:
    return translation.localized_choice(definition, choice)


@register.filter
def chinese_only(value: Any) -> Any:
    """Chinese search words (a bundle's synonyms): shown on Chinese pages only."""
    return "" if translation.english_active() else value
