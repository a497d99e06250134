from urllib.parse import urlencode

from django import template
from django.utils.translation import gettext_lazy as _

from onething.accessibility import selectors

register = template.Library()

# (format in the address, link text); the notice's name goes before it, hidden
# visually, so every link has its own accessible name.
FORMATS = (
    ("large.pdf", _("大字版（PDF）")),
    ("braille.txt", _("盲文版（文本，Unicode 盲文点字）")),
    ("brf", _("盲文版（BRF，供点字机）")),
)


@register.simple_tag
def accessible_notices(application):
    """The case notices of an application page's (already visible) application."""
    return selectors.available_notices(application)


@register.simple_tag
def notice_formats():
    return FORMATS


@register.simple_tag
def answers_query(answers):
    """``?q=o&…`` for a plan's answers, or nothing."""
    answers = dict(answers or {})
    return f"?{urlencode(answers)}" if answers else ""
