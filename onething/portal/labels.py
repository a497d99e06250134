"""Translated labels for the fixed vocabularies the portal shows.

The domain keeps its Chinese labels (it imports no Django); the portal shows
them through gettext so that the English interface reads English. Anything
not listed falls back to the domain's own label.
"""

from __future__ import annotations

import re

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

from onething.core.labels import SHARED_LABELS
from onething.domain.catalog import BUNDLE_CATEGORIES, MATTER_KINDS

# Section headings of the home page, by bundle category.
CATEGORY_HEADINGS = {
    "personal": _("个人办事"),
    "enterprise": _("企业办事"),
}

MATTER_KIND_LABELS = {
    "licence": _("行政许可"),
    "confirmation": _("行政确认"),
    "benefit": _("行政给付"),
    "registration": _("行政登记"),
    "public_service": _("公共服务"),
    "other": _("其他"),
}


# What an applicant sees of a case and an application, by stored value. Statuses
# share their contexts (and English) with the workbench's labels
# (onething/workbench/labels.py): one status, one word. Events and delivery
# options have the portal's own contexts: the applicant reads what happened
# ("Accepted") and what they may choose ("By post to your address"), where the
# workbench shows buttons and the staff's view.
LABELS: dict[str, dict[str, Promise]] = {
    **SHARED_LABELS,
    # onething.applications.models.DeliveryMethod
    "delivery_method": {
        "pickup": pgettext_lazy("delivery option", "窗口领取"),
        "post": pgettext_lazy("delivery option", "邮寄到家"),
        "electronic": pgettext_lazy("delivery option", "电子证照"),
    },
}


def label(kind: str, value: object) -> str:
    """The label of a stored ``value`` in the active language; "" when it is not
    listed (templates then fall back to the model's own label)."""
    found = LABELS[kind].get(str(value))
    return str(found) if found is not None else ""


def category_heading(key: str) -> str:
    return str(CATEGORY_HEADINGS.get(key, f"{BUNDLE_CATEGORIES.get(key, key)}办事"))


def matter_kinds() -> dict[str, str]:
    """Matter kind key -> label in the active language."""
    return {key: str(MATTER_KIND_LABELS.get(key, label)) for key, label in MATTER_KINDS.items()}


_LIMIT = re.compile(r"^(\d+)个(工作日|自然日)$")


def time_limit(label: str) -> str:
    """A time-limit label from the planner ("5个工作日", "30个自然日", "即办") in the
    active language; anything else is shown as it is."""
    if label == "即办":
        return str(_("即办"))
    match = _LIMIT.match(label)
    if match is None:
        return label
    days = int(match.group(1))
    if match.group(2) == "工作日":
        return ngettext("%(days)d个工作日", "%(days)d个工作日", days) % {"days": days}
    return ngettext("%(days)d个自然日", "%(days)d个自然日", days) % {"days": days}
