from django import template

register = template.Library()


@register.filter
def lookup(mapping: dict, key: str) -> object:
    """``{{ labels|lookup:value }}``: the label, or the value itself."""
    return mapping.get(key, key)
