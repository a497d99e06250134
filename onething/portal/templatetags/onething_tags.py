from django import template

from onething.portal.labels import label as translate_label
from onething.portal.labels import time_limit as translate_time_limit

register = template.Library()


@register.filter
def lookup(mapping: dict, key: str) -> object:
    """``{{ names|lookup:code }}``."""
    return mapping.get(key, key)


@register.filter
def time_limit(label: str) -> str:
    """``{{ m.promised_label|time_limit }}``: "5个工作日" / "即办" in the active language."""
    return translate_time_limit(label)


@register.filter
def label(value: object, kind: str) -> str:
    """``{{ case.status|label:"case_status"|default:case.status_label }}``: a stored
    value's label in the active language (onething.portal.labels.LABELS), "" if unknown."""
    return translate_label(kind, value)


@register.filter
def department_count(items: list) -> int:
    """How many departments act on a stage: planned matters (``department``) or the
    application page's case entries (``{"case": …}``). "各部门同时办理" needs two."""
    codes = set()
    for item in items:
        case = item.get("case") if isinstance(item, dict) else None
        codes.add(case.department_id if case is not None else getattr(item, "department", None))
    return len(codes)
