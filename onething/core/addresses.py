"""Addresses printed on paper or sent out (QR codes, SMS links)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def public_url(request: HttpRequest, path: str) -> str:
    """``path`` as an absolute address: under ``ONETHING_PUBLIC_URL`` when the deployment
    sets it (behind a proxy the request's host may be internal), else this request's."""
    base = (getattr(settings, "ONETHING_PUBLIC_URL", "") or "").rstrip("/")
    return base + path if base else request.build_absolute_uri(path)
