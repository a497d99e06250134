"""The API's language: ``Accept-Language`` (zh-Hans by default, or en), or ``?lang=``.

Unlike the pages (onething/core/preferences.py: a cookie or the user's saved
choice, never the browser), an API client says which language it reads on each
request: the ``lang`` query parameter if given, else the first supported
language of ``Accept-Language`` by its q-values; anything else (an unknown
language, no header) is Chinese. Django's own matching decides what is
supported (``en-GB`` → en, ``zh-CN`` → zh-hans). The response says what it
chose in ``Content-Language`` and varies on ``Accept-Language``.

In English, catalogue texts come through the catalogue's accessor
(:func:`onething.catalog.translation.localized`), status and event labels
through their shared translations (onething/core/labels.py), and messages in
the "中文 (English)" form of the services and validators as the English alone
(:func:`message`). In Chinese they are as they always were.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation.trans_real import parse_accept_lang_header

from onething.catalog.translation import english_active

LANG_PARAMETER = "lang"
# The tags a response names in Content-Language (BCP 47 spelling).
CONTENT_LANGUAGE = {"zh-hans": "zh-Hans", "en": "en"}
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def _supported(code: str) -> str | None:
    code = code.strip().lower()
    if not code or len(code) > 35:
        return None
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return None


def api_language(request: HttpRequest) -> str:
    """The language code (``zh-hans`` or ``en``) the request asks for."""
    if LANG_PARAMETER in request.GET:
        return _supported(request.GET.get(LANG_PARAMETER, "")) or settings.LANGUAGE_CODE
    for code, quality in parse_accept_lang_header(request.headers.get("Accept-Language", "")):
        if quality <= 0 or code == "*":
            continue
        found = _supported(code)
        if found is not None:
            return found
    return settings.LANGUAGE_CODE


def in_request_language(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Run an API view in the language the request asks for and say so in the response."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        language = api_language(request)
        with translation.override(language):
            request.LANGUAGE_CODE = language
            response = view(request, *args, **kwargs)
        response["Content-Language"] = CONTENT_LANGUAGE.get(language, language)
        patch_vary_headers(response, ["Accept-Language"])
        return response

    return wrapped


def english_part(text: str) -> str:
    """The English of a "中文 (English)" message: the bracketed text at its end when
    what comes before is Chinese and the brackets hold none; "" otherwise."""
    stripped = text.rstrip()
    if not stripped.endswith(")"):
        return ""
    depth = 0
    for index in range(len(stripped) - 1, -1, -1):
        char = stripped[index]
        if char == ")":
            depth += 1
        elif char == "(":
            depth -= 1
            if depth == 0:
                before, inside = stripped[:index], stripped[index + 1 : -1].strip()
                if _CJK.search(before) and inside and not _CJK.search(inside):
                    return inside
                return ""
    return ""


def message(text: str) -> str:
    """A message in the active language: in English the English of a
    "中文 (English)" message, in Chinese the message as it is."""
    if not english_active():
        return text
    return english_part(text) or text


LANGUAGE_HELP = (
    "The response's language: ``lang`` (zh-Hans or en) if given, else the first supported "
    "language of ``Accept-Language``; anything else is Chinese (zh-Hans). Catalogue names, "
    "status and event labels and the messages of errors follow it (in Chinese a message "
    "keeps its English in brackets, in English it is the English alone); codes, keys and "
    "the values to send back (``choices``) do not. ``Content-Language`` names the language "
    "of the response."
)

_PARAMETERS = [
    {
        "name": LANG_PARAMETER,
        "in": "query",
        "required": False,
        "description": "zh-Hans or en; overrides Accept-Language (an unknown one is zh-Hans)",
        "schema": {"type": "string", "enum": ["zh-Hans", "en"]},
    },
    {
        "name": "Accept-Language",
        "in": "header",
        "required": False,
        "description": "e.g. ``en`` or ``zh-Hans``; the default is zh-Hans",
        "schema": {"type": "string"},
    },
]
_CONTENT_LANGUAGE = {
    "description": "the response's language: zh-Hans or en",
    "schema": {"type": "string", "enum": ["zh-Hans", "en"]},
}


def document(schema: dict[str, Any]) -> dict[str, Any]:
    """Every operation of the OpenAPI document takes ``lang`` and ``Accept-Language``
    and answers with ``Content-Language``."""
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            given = {(p.get("name"), p.get("in")) for p in operation.get("parameters", [])}
            operation.setdefault("parameters", []).extend(
                dict(p) for p in _PARAMETERS if (p["name"], p["in"]) not in given
            )
            for response in operation["responses"].values():
                response.setdefault("headers", {})["Content-Language"] = dict(_CONTENT_LANGUAGE)
    return schema
