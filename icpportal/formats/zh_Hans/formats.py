"""Dates as staff and applicants read them everywhere, in both languages: the format
the console's own Beijing-time texts use (2026-12-07 09:30), so a page never shows
two formats side by side (Django's zh-hans default is 2026年12月7日 09:30)."""

DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
TIME_FORMAT = "H:i"
