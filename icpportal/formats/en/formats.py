"""English pages read dates as the Chinese ones do (icpportal.formats.zh_Hans)."""

from icpportal.formats.zh_Hans.formats import (  # noqa: F401 - Django reads them here
    DATE_FORMAT,
    DATE_INPUT_FORMATS,
    DATETIME_FORMAT,
    DATETIME_INPUT_FORMATS,
    SHORT_DATE_FORMAT,
    SHORT_DATETIME_FORMAT,
    TIME_FORMAT,
    TIME_INPUT_FORMATS,
)
