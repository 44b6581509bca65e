import datetime as dt
import uuid

from django import template

register = template.Library()


@register.simple_tag
def new_form_key() -> str:
    """A one-time key for a create form: the server makes one thing per key, however often the form is sent."""
    return uuid.uuid4().hex


@register.filter
def thousands(value: int | None) -> str:
    """1234 → "1,234": like humanize's intcomma, without its locale machinery (rows call it often)."""
    return "" if value is None else f"{value:,}"


@register.filter
def isotime(value) -> str:
    """A datetime as the HTML `datetime` attribute wants it: seconds, UTC, no fraction."""
    if not value:
        return ""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
