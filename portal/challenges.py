"""The captcha's characters: none that read as another (I/1/L, O/0/Q, S/5, Z/2, B/8,
G/6, U/V), so what a person reads is what they type."""

import secrets

from captcha.conf import settings as captcha_settings

UNAMBIGUOUS = "ACDEFHJKMNPRTWXY3479"


def unambiguous_challenge():
    """django-simple-captcha's challenge: (what the picture shows, the answer)."""
    text = "".join(
        secrets.choice(UNAMBIGUOUS) for _ in range(captcha_settings.CAPTCHA_LENGTH)
    )
    return text, text.lower()
