"""The catalogue of review outcomes: why an administration rejects a filing, and why a
filing is refused at submission, each with a code, its words for the provider and
what the provider must fix.

The reasons are those the access providers publish as the common causes of rejection
(the domain real-name check, unapproved registrars, site names, cross-province
filings, sites open before their filing or not reachable, missing pre-approvals,
unreadable certificate scans, mobiles not of the province or used by another
subject). A rejection carries its code in the audit trail, the filing and the
provider's `filing.rejected` event; the words come from here, in the reader's
language (both languages in a webhook's payload, which is written once for every
reader).
"""

from dataclasses import dataclass
from typing import Any

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Outcome:
    """One coded reason: its words and what the provider must do about it."""

    code: str
    text: Promise
    fix: Promise


def _table(*rows: Outcome) -> dict[str, Outcome]:
    return {row.code: row for row in rows}


# Why the administration rejects a filing under review.
REJECTION_REASONS = _table(
    Outcome(
        "domain_registrant_mismatch",
        _(
            "The domain's registrant is not the filing's subject (domain real-name "
            "check)."
        ),
        _(
            "Have the domain's registrant changed to the subject at the registrar and "
            "its real-name check passed, then file again."
        ),
    ),
    Outcome(
        "registrar_not_approved",
        _("The domain's registrar is not approved by the MIIT."),
        _("Transfer the domain to a registrar the MIIT has approved, then file again."),
    ),
    Outcome(
        "site_name_too_short",
        _("The website's name has fewer than 3 characters."),
        _("Give the website a name of at least 3 characters."),
    ),
    Outcome(
        "site_name_forbidden_prefix",
        _("The website's name begins with 中国, 中华, 全国 or 国家."),
        _(
            "Choose a name without these words at its start; they need the State "
            "Council's approval."
        ),
    ),
    Outcome(
        "site_name_is_domain",
        _("The website's name is its domain, or letters and digits alone."),
        _("Name the website in words that say what it is about."),
    ),
    Outcome(
        "cross_province",
        _(
            "A cross-province filing: the subject's certificate is not of the "
            "province filed in."
        ),
        _(
            "File in the province of the subject's certificate, or attach a "
            "residence permit of this province."
        ),
    ),
    Outcome(
        "site_open_before_filing",
        _("The website is open to the public before its filing is approved."),
        _("Close the website until the filing is approved, then file again."),
    ),
    Outcome(
        "site_unreachable_or_mismatch",
        _(
            "The filed website cannot be reached, or what it shows does not match "
            "the filing."
        ),
        _(
            "Make the domain resolve to the filed service and its content match the "
            "filing's description, then file again."
        ),
    ),
    Outcome(
        "pre_approval_missing",
        _(
            "A pre-approval (前置审批) the website's service needs is missing "
            "(news, publishing, medicine, finance...)."
        ),
        _(
            "Get the pre-approval from the competent department and attach it, or "
            "remove that service from the website."
        ),
    ),
    Outcome(
        "certificate_scan_unreadable",
        _("The certificate scans are unreadable, incomplete or out of date."),
        _("Upload clear colour scans of valid certificates, both sides."),
    ),
    Outcome(
        "mobile_not_in_province",
        _("A contact's mobile was not issued in the province filed in."),
        _(
            "Give a mobile issued in the province, or attach proof that the person "
            "lives or works there."
        ),
    ),
    Outcome(
        "mobile_used_by_other_subject",
        _("A contact's mobile is already used by another subject's filing."),
        _(
            "Give a mobile no other subject's filing uses, or have the other "
            "filing's contact changed first."
        ),
    ),
)

# Why a filing is refused when it is submitted (`filings.conflicts`).
SUBMISSION_CONFLICTS = _table(
    Outcome(
        "subject_in_flight",
        _(
            "The subject already has a filing pending verification or under "
            "review; a subject has one filing in flight at a time."
        ),
        _(
            "Wait for the filing in flight to be decided, or withdraw it, then "
            "submit again."
        ),
    ),
    Outcome(
        "domain_filed_by_other_subject",
        _(
            "A domain of the filing is held by another subject's filing, approved "
            "or in flight."
        ),
        _(
            "Have the other subject cancel its filing of the domain (or transfer it "
            "by a change filing) first."
        ),
    ),
)


def rejection(code: str) -> Outcome:
    """The rejection reason `code`; ValueError names the known ones if unknown."""
    try:
        return REJECTION_REASONS[code]
    except KeyError:
        raise ValueError(
            f"Unknown rejection reason {code!r}; one of {', '.join(REJECTION_REASONS)}."
        ) from None


def in_both_languages(outcome: Outcome) -> dict[str, Any]:
    """An outcome as a payload written once for every reader: the code, and the
    words and the fix in Chinese and English."""
    said: dict[str, Any] = {"code": outcome.code, "text": {}, "fix": {}}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            said["text"][language] = str(outcome.text)
            said["fix"][language] = str(outcome.fix)
    return said


def in_language(outcome: Outcome) -> dict[str, str]:
    """An outcome in the active language: code, text, fix."""
    return {"code": outcome.code, "text": str(outcome.text), "fix": str(outcome.fix)}
