from django import template
from django.utils.translation import gettext

from onething.payments.money import amount
from onething.workbench.labels import label as _label

register = template.Library()


@register.filter
def yuan(fen: int) -> str:
    """Integer fen as 元 with two decimals: "400.00 元", in English "CNY 400.00"."""
    return gettext("%(amount)s 元") % {"amount": amount(int(fen))}


@register.filter
def label(value: object, kind: str) -> str:
    """``{{ due.item|label:"due_item" }}``: a domain or model label, translated."""
    return _label(kind, value)
