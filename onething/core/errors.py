"""Errors every app raises and every front end shows as they are.

They live here, below the apps, so that an app that refuses bad input or an action
(certificates, payments, applications) needs no other app to say so. The message is
Chinese with English in parentheses (docs/i18n.md).
"""

from __future__ import annotations

from collections.abc import Mapping


class SubmissionError(ValueError):
    """Everything wrong with a submission or an action's input, by field:
    ``errors[field] = message``."""

    def __init__(self, errors: Mapping[str, str], code: str = "invalid_submission") -> None:
        self.errors = dict(errors)
        self.code = code
        super().__init__("；".join(f"{k}: {v}" for k, v in self.errors.items()))


class CaseActionDenied(PermissionError):
    """The actor may not do this to this case (or to what the case produced)."""

    def __init__(self, message: str = "您无权处理此办件 (you may not act on this case)") -> None:
        super().__init__(message)
