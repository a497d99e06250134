"""The applications' vocabulary that front ends name: the channel an application came in by.

Kept apart from the models so that a UI app names it without importing another app's
models (docs/architecture.md, "Guards"); ``applications.models`` imports it.
"""

from __future__ import annotations

from django.db import models


class Channel(models.TextChoices):
    PORTAL = "portal", "网上办事大厅"
    API = "api", "接口"
    WINDOW = "window", "综合窗口"
    KIOSK = "kiosk", "自助终端"
