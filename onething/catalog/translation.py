"""Catalogue content in the reader's language (docs/catalog.md "English").

The catalogue's texts are Chinese; the YAML may give English beside them
(``en:``), stored on each row's ``en``. In English mode a screen shows the
English where there is one and the Chinese otherwise. One accessor does it:

- ``localized(text)`` for a catalogue text however it reached the screen (a
  row's ``name``, a plan stored with an application, a search hit): looked up
  in the catalogue's Chinese → English dictionary;
- ``row.localized("name")`` (``Translatable``) for a row at hand.

What an applicant filed and what a certificate certifies are not catalogue
texts and are never passed through it.
"""

from __future__ import annotations

import threading
from typing import Any

from django.core.signals import request_finished, request_started
from django.utils import translation

_memo = threading.local()


def english_active() -> bool:
    return (translation.get_language() or "").startswith("en")


def _row_english(row: Any, attr: str) -> str:
    english = getattr(row, "en", None) or {}
    value = english.get(attr)
    return value if isinstance(value, str) and value else ""


def localized(value: Any, attr: str | None = None) -> str:
    """``value`` (a catalogue text, or ``value.<attr>`` of a row or a mapping) in the
    active language, the Chinese when no English is given."""
    if attr is not None:
        row = value
        value = row.get(attr, "") if isinstance(row, dict) else getattr(row, attr, "")
        if english_active() and not isinstance(row, dict):
            english = _row_english(row, attr)
            if english:
                return english
    if value is None:
        return ""
    text = str(value)
    if not text or not english_active():
        return text
    return dictionary().get(text.strip(), text)


def localized_choice(definition: Any, choice: str) -> str:
    """A choice of a choice field (the stored value stays the Chinese choice)."""
    if english_active():
        english = (getattr(definition, "en", None) or {}).get("choices", {})
        if choice in english:
            return str(english[choice])
    return localized(choice)


def dictionary() -> dict[str, str]:
    """Chinese text → English over the whole catalogue, per catalogue version;
    within one request the version is read once."""
    from onething.catalog.selectors import english_texts

    cached = getattr(_memo, "texts", None)
    if cached is None:
        cached = english_texts()
        if getattr(_memo, "in_request", False):
            _memo.texts = cached
    return cached


def _request_started(**kwargs: object) -> None:
    _memo.texts = None
    _memo.in_request = True


def _request_finished(**kwargs: object) -> None:
    _memo.texts = None
    _memo.in_request = False


request_started.connect(_request_started, dispatch_uid="catalog-translation-start")
request_finished.connect(_request_finished, dispatch_uid="catalog-translation-finish")
