from django import template

from onething.payments.models import yuan as _yuan

register = template.Library()


@register.filter
def yuan(fen: int) -> str:
    """Integer fen as 元 with two decimals."""
    return _yuan(int(fen))
