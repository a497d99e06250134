"""In-site messages in the reader's language: stored as template keys and parameters,
rendered when read.

A message is a list of parts, ``[[key, {param: value}], …]``, stored on
``Notification.parts``; each key names a template below (Chinese msgid, English in
this app's catalogue). When the message is shown, each part is rendered in the
active language: catalogue names (``matter``, ``bundle``, ``matters``) through the
catalogue's accessor, an action through the shared event labels, dates (``*_on``,
ISO) in DATE_FORMAT. What a person wrote (a reason) is shown as written. The
Chinese rendering is stored in ``message`` too, so the admin, a search of the
table and old code see the text; a row without parts (sent before parts existed)
shows its ``message``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.utils import formats, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

TEMPLATES: dict[str, Promise] = {
    "submitted": _(
        "您的“%(bundle)s”申请已提交，受理编号 %(number)s，共 %(count)s 个事项同时办理。"
    ),
    "case_step": _("您的申请 %(number)s：“%(matter)s”%(action)s"),
    "correction_hint": _("，请一次性补正告知的材料"),
    "reason": _("。理由：%(reason)s"),
    "cancelled": _("。因此以下事项终止办理：%(matters)s"),
    # The clock (onething/applications/services.py _clock_note)
    "suspended": _("（%(suspension)s），所需时间不计入办理时限"),
    "expected_end": _("，预计至 %(end_on)s"),
    "deemed_accepted": _("，自收件之日 %(received_on)s 起即为受理"),
    "extended_days": _("%(days)s日"),
    "promised_due": _("。承诺办结日期 %(due_on)s"),
    "statutory_due": _("，法定办结日期 %(due_on)s"),
    "provisional": _("（暂定）"),
    # 容缺受理 and 告知承诺 (onething/applications/procedures.py notice)
    "pending_supply": _("。请于 %(due_on)s 前补齐：%(materials)s"),
    "pending_terminate": _("；补齐后作出决定，逾期未补齐的，终止办理"),
    "pending_refer": _("；补齐后作出决定，逾期未补齐的，由承办部门依法作出决定"),
    "commitment_check": _(
        "。部门将于 %(due_on)s 前进行事后核查，请确保承诺内容真实；"
        "承诺不实的，将撤销准予决定并注销证照"
    ),
    # certificates (onething/certificates/services.py revoke_certificate)
    "certificate_revoked": _("您的“%(certificate)s”（编号 %(number)s）已被%(department)s注销"),
    # the daily 容缺 lapse (onething/applications/procedures.py)
    "pending_overdue": _("：%(materials)s，补齐期限为 %(due_on)s。"),
    # the clock moved by a holiday notice (onething/applications/services.py)
    "rescheduled": _("，承诺办结日期由 %(from_on)s 调整为 %(to_on)s"),
    "calendar_updated": _("。%(years)s年节假日安排已更新"),
    # delivery of the result (onething/applications/delivery.py)
    "application_prefix": _("您的申请 %(number)s："),
    "delivery_chosen": _("领取方式已设为“%(delivery_method)s”"),
    "delivery_post_to": _("，寄往 %(address)s（%(recipient)s）"),
    "full_stop": _("。"),
    "dispatched": _("办理结果已由%(carrier)s寄出，运单号 %(tracking)s。"),
    "delivered": _("办理结果已送达（运单号 %(tracking)s）。"),
    "text": _("%(text)s"),  # a part not (yet) written as a template: shown as stored
}
CATALOGUE_PARAMS = {"matter", "bundle", "certificate", "department"}
CATALOGUE_LISTS = {"matters", "materials"}


def part(key: str, **params: Any) -> list[Any]:
    if key not in TEMPLATES:
        raise KeyError(f"no message template {key!r}")
    return [key, params]


def _value(name: str, value: Any) -> str:
    from onething.catalog.translation import localized
    from onething.core.labels import SHARED_LABELS

    if name in CATALOGUE_PARAMS:
        return localized(value)
    if name in CATALOGUE_LISTS:
        separator = pgettext("list separator", "、")
        return separator.join(
            pgettext("quoted name", "“%(name)s”") % {"name": localized(v)} for v in value
        )
    if name == "delivery_method":
        found = SHARED_LABELS["delivery_method"].get(str(value))
        return str(found) if found is not None else str(value)
    if name == "years":
        return pgettext("list separator", "、").join(str(y) for y in value)
    if name == "suspension":
        found = SHARED_LABELS["suspension_kind"].get(str(value))
        return str(found) if found is not None else str(value)
    if name == "action":
        found = SHARED_LABELS["case_event"].get(str(value))
        if found is not None:
            return str(found)
        from onething.domain.cases import ACTION_LABELS, Action

        try:
            return ACTION_LABELS[Action(value)]
        except (KeyError, ValueError):
            return str(value)
    if name.endswith("_on") and isinstance(value, str):
        try:
            return formats.date_format(dt.date.fromisoformat(value), "DATE_FORMAT")
        except ValueError:
            return value
    return str(value)


def render(parts: Sequence[Sequence[Any]]) -> str:
    """The message in the active language; an unknown part is left out."""
    out = []
    for key, params in parts:
        template = TEMPLATES.get(key)
        if template is None:
            continue
        given: Mapping[str, Any] = params or {}
        out.append(str(template) % {name: _value(name, v) for name, v in given.items()})
    return "".join(out)


def render_in(language: str, parts: Sequence[Sequence[Any]]) -> str:
    with translation.override(language):
        return render(parts)
