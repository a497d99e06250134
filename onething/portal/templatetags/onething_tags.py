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
