"""The Chinese font embedded in every PDF the platform prints.

Certificates (``certificates/pdf.py``) and large-print notices
(``accessibility/largeprint.py``) embed the same TrueType font so a printout
reads the same everywhere. It comes from a Debian package
(``fonts-wqy-microhei``, installed by ``scripts/ensure-fonts.sh``); nothing is
fetched at run time. ``settings.ONETHING_CERTIFICATE_FONT`` (kept under its
first name) points at another .ttf/.ttc when set.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# Debian packages' paths, in order of preference.
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",     # fonts-wqy-microhei
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",       # fonts-wqy-zenhei
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",  # fonts-droid-fallback
)


def font_path() -> Path:
    """The configured font, else the first Debian CJK font installed; raises
    ImproperlyConfigured (with what to install) when there is none."""
    configured = getattr(settings, "ONETHING_CERTIFICATE_FONT", "") or ""
    if configured:
        path = Path(configured)
        if not path.is_file():
            raise ImproperlyConfigured(
                f"ONETHING_CERTIFICATE_FONT={configured} does not exist")
        return path
    for candidate in FONT_CANDIDATES:
        path = Path(candidate)
        if path.is_file():
            return path
    raise ImproperlyConfigured(
        "没有找到中文字体，无法生成 PDF (no CJK font): install Debian's "
        "fonts-wqy-microhei (scripts/ensure-fonts.sh) or set ONETHING_CERTIFICATE_FONT")
