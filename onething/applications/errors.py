"""Errors of the application services, shown to users as they are ("中文 (English)")."""

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
    def __init__(self, message: str = "您无权处理此办件 (you may not act on this case)") -> None:
        super().__init__(message)
