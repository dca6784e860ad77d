"""The filing domain's vocabularies: the choices its records take (policies, filing
types, statuses, events, actors...), kept apart from the records themselves
(`filings.models`, which re-exports them)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PolicyKey(models.TextChoices):
    PILOT_2017 = "pilot-2017", _("Provincial pilot (2017, 48 h)")
    PROVINCIAL_2019 = "provincial-2019", _("Provincial sites (2019, 48 h)")
    MIIT_2020 = "miit-2020", _("MIIT central site (2020, 24 h)")
    MIIT_CURRENT = "miit-current", _("MIIT central site (current, 24 h)")


class FilingType(models.TextChoices):
    FIRST_FILING = "first_filing", _("First filing")
    ADD_SERVICE = "add_service", _("Add website/app")
    ADD_ACCESS = "add_access", _("Add access (filing transfer)")
    CHANGE = "change", _("Change filing")
    CANCEL_SUBJECT = "cancel_subject", _("Cancel subject")
    CANCEL_SERVICE = "cancel_service", _("Cancel website/app")
    CANCEL_ACCESS = "cancel_access", _("Cancel access")


class ChangeScope(models.TextChoices):
    SUBJECT = "subject", _("Subject")
    SERVICE = "service", _("Service")
    BOTH = "both", _("Subject and service")


class Role(models.TextChoices):
    LEADER = "leader", _("Entity leader")
    ADMINISTRATOR = "administrator", _("Website/app administrator")


class ServiceKind(models.TextChoices):
    WEBSITE = "website", _("Website")
    APP = "app", _("App")


class AppPlatform(models.TextChoices):
    """The platforms an app filing (APP备案) names."""

    ANDROID = "android", _("Android")
    IOS = "ios", _("iOS")
    HARMONYOS = "harmonyos", _("HarmonyOS")


class SubjectNature(models.TextChoices):
    ENTERPRISE = "enterprise", _("Enterprise")
    INDIVIDUAL = "individual", _("Individual")
    GOVERNMENT = "government", _("Government agency")
    PUBLIC_INSTITUTION = "public_institution", _("Public institution")
    SOCIAL_ORGANIZATION = "social_organization", _("Social organisation")
    DEFENCE = "defence", _("Defence body")
    OTHER = "other", _("Other")


class CertificateType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("Resident identity card")
    USCC = "uscc", _("Unified social credit code")
    PASSPORT = "passport", _("Passport")
    HK_MACAO_PERMIT = "hk_macao_permit", _("Mainland travel permit (Hong Kong/Macao)")
    TAIWAN_PERMIT = "taiwan_permit", _("Mainland travel permit (Taiwan)")
    HMT_RESIDENCE_PERMIT = (
        "hmt_residence_permit",
        _("Residence permit (Hong Kong/Macao/Taiwan)"),
    )
    FOREIGN_PERMANENT_RESIDENCE = (
        "foreign_permanent_residence",
        _("Foreign permanent resident ID card"),
    )


class FilingStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING_VERIFICATION = "pending_verification", _("Pending SMS verification")
    UNDER_REVIEW = "under_review", _("Under review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    RETURNED = "returned", _("Returned to provider")
    CANCELLED = "cancelled", _("Cancelled")


class EventType(models.TextChoices):
    """What an audit event records; the values are those the code writes."""

    CREATED = "created", _("Created")
    SUBMITTED = "submitted", _("Submitted")
    VERIFIED = "verified", _("Person verified")
    CODE_RESENT = "code_resent", _("New code sent")
    TEXT_NOT_DELIVERED = "text_not_delivered", _("Text not delivered")
    MOBILE_CHANGED = "mobile_changed", _("Mobile changed")
    VERIFICATION_COMPLETED = "verification_completed", _("Verification complete")
    VERIFICATION_FAILED = "verification_failed", _("Verification failed")
    EXPIRED = "expired", _("Deadline passed")
    RETURNED = "returned", _("Returned to the provider")
    CANCELLED = "cancelled", _("Cancelled")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    DEADLINE_EXTENDED = "deadline_extended", _("Deadline extended")
    # The support team's case work (console.casework): no status moves.
    CLAIMED = "claimed", _("Claimed by an agent")
    ASSIGNED = "assigned", _("Assigned to an agent")
    RELEASED = "released", _("Released")
    FOLLOW_UP_SET = "follow_up_set", _("Follow-up set")
    FOLLOW_UP_DONE = "follow_up_done", _("Follow-up done")
    MACRO_RUN = "macro_run", _("Macro run")
    NOTE_ADDED = "note_added", _("Internal note written")
    ESCALATION_ASKED = "escalation_asked", _("Supervisor asked")
    ESCALATION_APPROVED = "escalation_approved", _("Request approved")
    ESCALATION_DECLINED = "escalation_declined", _("Request declined")
    # The administration's check of contact details after approval
    # (verification.contact_checks).
    CONTACT_CHECK_OPENED = "contact_check_opened", _("Contact check opened")
    CONTACT_CONFIRMED = "contact_confirmed", _("Contact confirmed their mobile")
    CONTACT_CHECK_CONFIRMED = "contact_check_confirmed", _("Contact check passed")
    CONTACT_CHECK_MISSED = "contact_check_missed", _("Contact check missed")
    ACCESS_REMOVED = "access_removed", _("Access removed")


# The support team's case work (console.casework): events with no status move.
CASE_WORK_EVENTS = frozenset(
    {
        EventType.CLAIMED,
        EventType.ASSIGNED,
        EventType.RELEASED,
        EventType.FOLLOW_UP_SET,
        EventType.FOLLOW_UP_DONE,
        EventType.MACRO_RUN,
        EventType.NOTE_ADDED,
        EventType.ESCALATION_ASKED,
        EventType.ESCALATION_APPROVED,
        EventType.ESCALATION_DECLINED,
    }
)


class ActorKind(models.TextChoices):
    SYSTEM = "system", _("System")
    PROVIDER = "provider", _("Access provider")
    APPLICANT = "applicant", _("Applicant")
    STAFF = "staff", _("Staff")
    # The simulated communications administration's own decisions
    # (verification.administration): the demo's and the sandbox's reviewer.
    ADMINISTRATION = "administration", _("Communications administration")


class ProviderEventType(models.TextChoices):
    """What a filing's access provider is told of (webhooks and the event feed)."""

    FILING_SUBMITTED = "filing.submitted", _("Filing submitted")
    VERIFICATION_COMPLETED = "verification.completed", _("A person verified")
    VERIFICATION_FAILED = "verification.failed", _("A person's verification failed")
    VERIFICATION_TEXT_NOT_DELIVERED = (
        "verification.text_not_delivered",
        _("A person's text was not delivered"),
    )
    FILING_UNDER_REVIEW = "filing.under_review", _("Filing under review")
    FILING_RETURNED = "filing.returned", _("Filing returned")
    FILING_APPROVED = "filing.approved", _("Filing approved")
    FILING_REJECTED = "filing.rejected", _("Filing rejected")
    FILING_CANCELLED = "filing.cancelled", _("Filing cancelled")
    CONTACT_CHECK_OPENED = "contact_check.opened", _("Contact check opened")
    CONTACT_CHECK_CONTACT_CONFIRMED = (
        "contact_check.contact_confirmed",
        _("A contact confirmed their mobile"),
    )
    CONTACT_CHECK_CONFIRMED = "contact_check.confirmed", _("Contact check passed")
    CONTACT_CHECK_MISSED = "contact_check.missed", _("Contact check missed")
    FILING_ACCESS_REMOVED = "filing.access_removed", _("Access removed")
