"""Form fields and error summaries for the portal templates.

The portal renders its own fields (``portal/_field.html``) from plain dicts so
that every input has a ``<label for>``, its hint and error are tied to it with
``aria-describedby``, and the error summary links to each field. Checking is
done by the services (and the domain validators); these helpers only shape
what the templates show.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

# Input attributes by field type (plan field types and account fields).
_INPUTS: dict[str, tuple[str, dict[str, str]]] = {
    "text": ("text", {}),
    "address": ("text", {"autocomplete": "street-address"}),
    "number": ("number", {"inputmode": "decimal", "min": "0", "step": "any"}),
    "date": ("date", {}),
    "mobile": ("text", {"inputmode": "tel", "autocomplete": "tel-national", "maxlength": "20"}),
    "id_number": ("text", {"inputmode": "text", "autocapitalize": "characters",
                           "spellcheck": "false", "autocomplete": "off", "maxlength": "22"}),
    "uscc": ("text", {"inputmode": "text", "autocapitalize": "characters",
                      "spellcheck": "false", "autocomplete": "off", "maxlength": "22"}),
    "code": ("text", {"inputmode": "numeric", "autocomplete": "one-time-code",
                      "maxlength": "6"}),
    "name": ("text", {"autocomplete": "name"}),
    "organization": ("text", {"autocomplete": "organization"}),
}

HINTS = {
    "id_number": _("18位居民身份证号码，最后一位可能是 X。"),
    "uscc": _("18位统一社会信用代码，见营业执照。"),
    "mobile": _("11位中国大陆手机号码。"),
    "number": _("填写数字。"),
    "date": _("格式：年-月-日，例如 2026-12-20。"),
}


def field(name: str, label: str, *, kind: str = "text", value: Any = "", error: str = "",
          hint: str = "", required: bool = True, options: Iterable[str] = (),
          prefix: str = "field-") -> dict[str, Any]:
    """A dict for ``portal/_field.html``; ``kind`` is a plan field type or an
    account field kind (``code``, ``name``, ``organization``, ``file``)."""
    field_id = f"{prefix}{name}"
    if kind == "choice":
        input_type, attrs = "select", {}
    elif kind in {"textarea", "file"}:
        input_type, attrs = kind, {}
    else:
        input_type, attrs = _INPUTS.get(kind, ("text", {}))
    hint = str(hint or HINTS.get(kind, ""))
    described = " ".join(x for x, on in ((f"{field_id}-hint", hint), (f"{field_id}-error", error))
                         if on)
    return {
        "id": field_id, "name": name, "label": str(label), "type": input_type, "kind": kind,
        "value": "" if value is None else str(value), "error": error, "hint": hint,
        "required": required, "options": list(options), "attrs": attrs,
        "describedby": described, "rows": 4 if kind == "textarea" else 2,
    }


@dataclass(frozen=True)
class ErrorItem:
    message: str
    anchor: str = ""  # the id of the field it belongs to


def summary(errors: Mapping[str, str], anchors: Mapping[str, str]) -> list[ErrorItem]:
    """Error summary items in form order; ``anchors`` maps error key -> field id."""
    order = list(anchors)
    keys = sorted(errors, key=lambda k: order.index(k) if k in order else len(order))
    return [ErrorItem(errors[k], anchors.get(k, "")) for k in keys]
