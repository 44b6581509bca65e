import datetime as dt
import uuid

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def new_form_key(context) -> str:
    """A one-time key for a create form: the server makes one thing per key, however often the form is sent. (In a
    part kept for many requests, a slot that each request fills with a new key: papers.shared_pages.)"""
    return context.get("form_key_slot") or one_time_key()


def one_time_key() -> str:
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
