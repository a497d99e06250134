"""Signals the accounts app sends to other apps.

``assurance_raised`` is sent after an applicant's identity assurance level rose
(``identity.verify_online``, ``identity.verify_in_person``) and the change committed,
with ``user``. The applications app decides again, on it, the cases whose automatic
decision (秒批) was held back for the level; accounts imports no app above it.
"""

from __future__ import annotations

from django.dispatch import Signal

assurance_raised = Signal()
