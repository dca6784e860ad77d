"""No page of the console shows a raw code, JSON or a UTC time, in either language.

A seeded demo database is walked page by page (the front page, every list, one record
of every kind, a filing in each status, its history, the confirmation of an override,
time travel) as a supervisor, in Chinese and in English, and the text a person reads
is checked."""

import datetime
import re
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

from console import casework
from console.models import Macro, MacroAction
from filings.models import (
    ActorKind,
    EventType,
    FilingApplication,
    FilingStatus,
    PolicyKey,
    Provider,
)
from tests.console.conftest import change_url, form_action
from verification.models import SmsKind, SmsStatus, VerificationStatus, WrongPart

pytestmark = pytest.mark.django_db

SNAKE_CASE = re.compile(r"\b[a-z]+_[a-z_]+\b")  # pending_verification, code_resent
JSON = re.compile(r"[{\[]\s*\"|\":\s")
UTC = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}|\+00:00|\bUTC\b")
LABELLED = [
    FilingStatus,
    EventType,
    ActorKind,
    VerificationStatus,
    SmsStatus,
    SmsKind,
    WrongPart,
    PolicyKey,
    MacroAction,
]


class VisibleText(HTMLParser):
    """The text a person reads as the console's own words: no tags, attributes,
    scripts or styles, no text typed into a form field (a textarea holds what
    someone wrote) and nothing marked as English on purpose (`lang="en"`: the
    English version of an answer script on the Chinese page)."""

    SKIPPED = ("script", "style", "textarea")

    def __init__(self):
        super().__init__()
        self.parts, self.skipping = [], []

    def handle_starttag(self, tag, attrs):
        english = tag != "html" and (dict(attrs).get("lang") or "").startswith("en")
        if tag in self.SKIPPED or english:
            self.skipping.append(tag)

    def handle_endtag(self, tag):
        if self.skipping and self.skipping[-1] == tag:
            self.skipping.pop()

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def visible(html):
    parser = VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def english_labels():
    """English labels with a different Chinese translation: none may show in the
    Chinese console."""
    found = set()
    for choices in LABELLED:
        for _value, label in choices.choices:
            with translation.override("en"):
                english = str(label)
            with translation.override("zh-hans"):
                chinese = str(label)
            if english != chinese and len(english) > 4:
                found.add(english)
    return found


@pytest.fixture
def seeded(settings):
    settings.DEMO_MODE = True
    call_command("seed_demo", filings=150, seed=11, no_accounts=True, verbosity=0)


def pages(client, user, extra=()):
    """Every console page `user` may read, as (name, response)."""
    urls = [
        *extra,
        "/admin/",
        "/admin/demo/time-travel/",
        "/admin/queue/",
        "/admin/queue/?owner=mine",
        "/admin/queue/?reason=returned",
    ]
    for model in admin.site._registry:
        opts = model._meta
        if not user.has_perm(f"{opts.app_label}.view_{opts.model_name}"):
            continue
        urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        first = model._default_manager.order_by("-pk").first()
        if first is not None:
            urls.append(
                reverse(
                    f"admin:{opts.app_label}_{opts.model_name}_change", args=[first.pk]
                )
            )
    for status in FilingStatus.values:
        filing = FilingApplication.objects.filter(status=status).first()
        if filing is not None:
            urls.append(change_url(filing))
            urls.append(
                reverse("admin:filings_filingapplication_history", args=[filing.pk])
            )
    urls += [
        "/admin/verification/attempt/?outcome=wrong",
        "/admin/filings/auditevent/?event_type__exact=code_resent",
        "/admin/filings/filingapplication/?status__exact=returned",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        yield url, response
    pending = FilingApplication.objects.filter(
        status=FilingStatus.PENDING_VERIFICATION
    ).first()
    yield "confirm resend", form_action(client, pending, "resend_code", confirm=False)


def with_case_work(user):
    """A pending filing with an owner, a note, a follow-up and a macro's run."""
    pending = FilingApplication.objects.filter(
        status=FilingStatus.PENDING_VERIFICATION,
        verification_deadline__gt=timezone.now(),
    ).first()
    casework.claim(pending, user)
    casework.add_note(pending, user, "客户来电 / the customer called")
    casework.set_follow_up(pending, user, timezone.now() + datetime.timedelta(hours=3))
    casework.run_macro(Macro.objects.order_by("position").first(), pending, user)
    return pending


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_no_page_shows_a_raw_code_json_or_utc(seeded, login, supervisor, language):
    worked = with_case_work(supervisor)
    client = login(supervisor, language)
    untranslated = english_labels() if language == "zh-hans" else set()
    codes = set(Provider.objects.values_list("code", flat=True))
    other_language = "name_en" if language == "zh-hans" else "name_zh"
    other_names = set(Provider.objects.values_list(other_language, flat=True))
    walked = 0
    for url, response in pages(client, supervisor, [change_url(worked)]):
        text = visible(response.content.decode())
        assert not SNAKE_CASE.findall(text), (url, SNAKE_CASE.findall(text)[:5])
        assert not JSON.search(text), (url, JSON.search(text).group(0))
        assert not UTC.search(text), (url, UTC.search(text).group(0))
        shown = sorted(label for label in untranslated if label in text)
        assert not shown, (url, shown)
        # a provider is called by its name in the page's language only (except on
        # the providers' own pages, which define the names and the SMS signature)
        if "/filings/provider/" not in url:
            words = set(re.findall(r"[\w-]+", text))
            assert not codes & words, (url, codes & words)
            # a text message's own signature (【腾讯云】) is its content, not a label
            unsigned = re.sub(r"【[^】]*】", "", text)
            assert not [n for n in other_names if n in unsigned], url
        walked += 1
    assert walked > 25
