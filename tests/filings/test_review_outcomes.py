"""The catalogue of review outcomes, row by row: every reason has its words and its
fix in both languages, and the manual lists it."""

from pathlib import Path

import pytest
from django.utils import translation

from filings import review_outcomes

ALL = {**review_outcomes.REJECTION_REASONS, **review_outcomes.SUBMISSION_CONFLICTS}
MANUAL = (Path(__file__).resolve().parents[2] / "docs" / "review.md").read_text()

# The list the access providers publish as the common causes of rejection.
PUBLISHED = {
    "domain_registrant_mismatch",
    "registrar_not_approved",
    "site_name_too_short",
    "site_name_forbidden_prefix",
    "site_name_is_domain",
    "cross_province",
    "site_open_before_filing",
    "site_unreachable_or_mismatch",
    "pre_approval_missing",
    "certificate_scan_unreadable",
    "mobile_not_in_province",
    "mobile_used_by_other_subject",
}


def test_the_published_reasons_are_all_there():
    assert set(review_outcomes.REJECTION_REASONS) == PUBLISHED
    assert set(review_outcomes.SUBMISSION_CONFLICTS) == {
        "subject_in_flight",
        "domain_filed_by_other_subject",
    }


@pytest.mark.parametrize("code", sorted(ALL))
def test_each_outcome_is_said_in_both_languages_and_documented(code):
    outcome = ALL[code]
    said = review_outcomes.in_both_languages(outcome)
    assert said["code"] == code
    for part in ("text", "fix"):
        assert said[part]["en"].strip() and said[part]["zh-hans"].strip()
        assert said[part]["en"] != said[part]["zh-hans"], f"{code} {part} untranslated"
        assert any("\u4e00" <= ch <= "\u9fff" for ch in said[part]["zh-hans"])
    assert f"`{code}`" in MANUAL


def test_in_language_follows_the_active_language():
    outcome = review_outcomes.rejection("registrar_not_approved")
    with translation.override("zh-hans"):
        assert review_outcomes.in_language(outcome)["text"] == (
            "域名注册商未获工信部批准。"
        )
    with translation.override("en"):
        assert review_outcomes.in_language(outcome)["text"].startswith(
            "The domain's registrar"
        )


def test_an_unknown_code_names_the_known_ones():
    with pytest.raises(ValueError, match="one of domain_registrant_mismatch"):
        review_outcomes.rejection("materials incomplete")
