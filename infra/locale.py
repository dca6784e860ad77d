"""The language of every page, whichever door serves it: the visitor's choice, else
what the browser asks for, else Chinese."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation.trans_real import parse_accept_lang_header

# What a browser may ask for, by the start of its language tag, and what it gets.
BROWSER_LANGUAGES = [("zh", "zh-hans"), ("en", "en")]


def browser_language(header: str | None) -> str | None:
    """The supported language a browser's Accept-Language asks for first, or None.

    Tags are read in the browser's order of preference (q values): any Chinese
    variant (zh, zh-CN, zh-Hant-TW...) gives zh-hans, any English one gives en.
    """
    for tag, _quality in parse_accept_lang_header(header or ""):
        tag = tag.lower()
        for prefix, language in BROWSER_LANGUAGES:
            if tag == prefix or tag.startswith(f"{prefix}-"):
                return language
    return None


class CookieLocaleMiddleware:
    """The language is the visitor's choice (the switch sets a cookie); without one,
    what the browser asks for (Accept-Language) if it is Chinese or English; else
    zh-hans, like the pages the simulator imitates."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.supported = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen in self.supported:
            language = chosen
        else:
            asked = browser_language(request.headers.get("Accept-Language"))
            language = asked or settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        # The same address answers in another language for another cookie or browser.
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        return response
