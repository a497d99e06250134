from django import template

register = template.Library()


@register.filter
def lookup(mapping: dict, key: str) -> object:
    """``{{ names|lookup:code }}``."""
    return mapping.get(key, key)
