from django import template

register = template.Library()


@register.filter
def thousands(value: int | None) -> str:
    """1234 → "1,234": like humanize's intcomma, without its locale machinery (rows call it often)."""
    return "" if value is None else f"{value:,}"
