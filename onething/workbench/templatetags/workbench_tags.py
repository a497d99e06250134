from django import template

from onething.workbench.labels import label as _label

register = template.Library()


@register.filter
def label(value: object, kind: str) -> str:
    """``{{ case.status|label:"case_status" }}``: a domain or model label, translated."""
    return _label(kind, value)
