"""Signals the applications app sends to apps above it.

``application_submitted`` — an application was submitted (not for a replayed
idempotent submission), after its cases and any instant decisions: arguments
``application_id`` and ``actor`` (who submitted it). The accessibility app stores the
收件回执 as issued then, so every later copy says what the one handed over said.
"""

from django.dispatch import Signal

application_submitted = Signal()
