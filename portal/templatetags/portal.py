from django import template

register = template.Library()


@register.filter
def hours_minutes(seconds):
    """Seconds as (whole hours, minutes)."""
    seconds = max(int(seconds or 0), 0)
    return seconds // 3600, (seconds % 3600) // 60
