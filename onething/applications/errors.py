"""Errors of the application services, shown to users as they are ("中文 (English)").

Defined in ``onething.core.errors``: certificates and payments raise them too and must
not import this app (no import cycles between apps, docs/architecture.md).
"""

from __future__ import annotations

from onething.core.errors import CaseActionDenied, SubmissionError

__all__ = ["CaseActionDenied", "SubmissionError"]
