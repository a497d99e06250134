from django import template

from onething.workbench.labels import label as _label

register = template.Library()


@register.filter
def lookup(mapping: dict, key: str) -> object:
    """``{{ labels|lookup:value }}``: the label, or the value itself."""
    return mapping.get(key, key)


@register.filter
def label(value: object, kind: str) -> str:
    """``{{ case.status|label:"case_status" }}``: a domain or model label, translated."""
    return _label(kind, value)
