"""Signals the catalogue sends to other apps.

``calendar_changed`` is sent after holiday data changed (a year's State Council
notice entered with ``onething holidays add``, in the admin, or by a catalogue
load), with ``years``: the set of years whose working days may have changed.
The applications app recomputes open cases' due dates on it.
"""

from __future__ import annotations

from django.dispatch import Signal

calendar_changed = Signal()
