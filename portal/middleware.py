from django.conf import settings
from django.utils import translation


class CookieLocaleMiddleware:
    """The language is the visitor's choice (the switch sets a cookie) or zh-hans.

    Unlike LocaleMiddleware it ignores the browser's Accept-Language, so the simulator
    opens in Chinese like the pages it imitates, whatever the browser says.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
