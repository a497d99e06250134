"""Signals the certificates app sends to other apps.

``certificate_revoked`` is sent inside ``revoke_certificate``'s transaction with
``certificate`` (already revoked, with its reason) and ``actor``. The applications app
records the revocation in the case's history (办理记录) on it: certificates writes no
other app's rows and imports no app above it (docs/architecture.md, "Guards").
"""

from __future__ import annotations

from django.dispatch import Signal

certificate_revoked = Signal()
