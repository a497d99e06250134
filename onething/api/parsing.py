"""The API's JSON parser: strict numbers, no control characters, no lone surrogates.

Python's ``json`` accepts ``NaN``, ``Infinity`` and ``1e999`` (which becomes
infinity) and decodes ``"\\ud800"`` to a lone surrogate that no page can
render and PostgreSQL cannot store. This parser refuses all of them with
:class:`InputRejected`, which the error handlers turn into a 400 with its code.
"""

from __future__ import annotations

import json
import math
from typing import Any

from django.http import HttpRequest
from ninja.parser import Parser

from onething.domain.validators import ValidationProblem, check_structure


class InputRejected(ValueError):
    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(message)


def _no_constant(name: str) -> Any:
    raise InputRejected("invalid_number",
                        f"不接受 {name}，数字应为有限值 (non-finite number {name} is not allowed)")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise InputRejected("invalid_number",
                            f"数字超出范围 (number out of range: {text[:20]})")
    return value


def loads(raw: bytes | str) -> Any:
    """Decode JSON, refusing non-finite numbers and unsafe characters (InputRejected)."""
    data = json.loads(raw, parse_constant=_no_constant, parse_float=_finite_float)
    try:
        check_structure(data)
    except ValidationProblem as exc:
        raise InputRejected("invalid_character" if exc.code != "nesting" else "too_deep",
                            exc.message) from exc
    return data


class StrictParser(Parser):
    def parse_body(self, request: HttpRequest) -> Any:
        return loads(request.body)
