"""Display preferences: interface language and elder-friendly mode (适老化).

Both are remembered for the device (a cookie) and, when someone is signed
in, for the user, so they follow the person to another device. The page
language is Chinese unless someone chose otherwise: the browser's
Accept-Language is not consulted (a shared kiosk or a hall PC must start in
Chinese).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

ELDER_COOKIE = "onething_elder"
YEAR = 365 * 24 * 3600
LANGUAGES = dict(settings.LANGUAGES)


def chosen_language(request: HttpRequest) -> str:
    cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    if cookie in LANGUAGES:
        return cookie
    user = getattr(request, "user", None)
    saved = getattr(user, "language", "") if user is not None and user.is_authenticated else ""
    return saved if saved in LANGUAGES else settings.LANGUAGE_CODE


def elder_mode(request: HttpRequest) -> bool:
    cookie = request.COOKIES.get(ELDER_COOKIE)
    if cookie in ("0", "1"):
        return cookie == "1"
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and getattr(user, "elder_mode", False))


class LanguageMiddleware:
    """Activate the chosen language (after authentication, so a saved choice counts)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = chosen_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        response.headers.setdefault("Vary", "Cookie")
        translation.deactivate()
        return response


def context(request: HttpRequest) -> dict[str, Any]:
    """Template context: what the switches on every page need."""
    language = getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)
    other = next((code for code in LANGUAGES if code != language), settings.LANGUAGE_CODE)
    return {
        "elder_mode": elder_mode(request),
        "page_language": language,
        "html_lang": "zh-Hans" if language.startswith("zh") else language,
        "other_language": other,
        "other_language_name": LANGUAGES[other],
    }


def _back(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next") or request.META.get("HTTP_REFERER") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        target = "/"
    return redirect(target)


def _cookie(response: HttpResponse, name: str, value: str, request: HttpRequest) -> None:
    response.set_cookie(name, value, max_age=YEAR, samesite="Lax", httponly=True,
                        secure=request.is_secure())


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    language = request.POST.get("language", "")
    response = _back(request)
    if language in LANGUAGES:
        _cookie(response, settings.LANGUAGE_COOKIE_NAME, language, request)
        if request.user.is_authenticated:
            request.user.language = language
            request.user.save(update_fields=["language"])
    return response


@require_POST
def set_elder_mode(request: HttpRequest) -> HttpResponse:
    on = request.POST.get("elder") == "1"
    response = _back(request)
    _cookie(response, ELDER_COOKIE, "1" if on else "0", request)
    if request.user.is_authenticated:
        request.user.elder_mode = on
        request.user.save(update_fields=["elder_mode"])
    return response
