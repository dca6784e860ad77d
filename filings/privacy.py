"""Masking personal data for display."""


def mask_mobile(mobile):
    """138****8000: the carrier prefix and the last four digits stay visible."""
    if not mobile:
        return ""
    if len(mobile) < 8:
        return "*" * len(mobile)
    return f"{mobile[:3]}{'*' * (len(mobile) - 7)}{mobile[-4:]}"


def mask_certificate(number):
    """**********002X: only the last four characters stay visible."""
    if not number:
        return ""
    visible = min(4, len(number) // 2)
    return "*" * (len(number) - visible) + number[len(number) - visible :]
