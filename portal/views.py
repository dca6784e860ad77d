"""The applicant pages: central and provincial verify/resend, the province directory,
and "where is my filing"."""

import json
import logging

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache

from filings import policies
from filings.models import FilingApplication, FilingStatus, Province, Role
from filings.privacy import mask_mobile
from infra import rates
from portal.forms import LookupForm, ResendForm, VerifyForm
from verification import actions, contact_checks, messages, throttles
from verification.models import AttemptAction, Verification, VerificationStatus

logger = logging.getLogger(__name__)

# A page's state (see ChannelFormView): a signed cookie scoped to the page's path,
# good for an hour.
STATE_COOKIE = "portal_state"
STATE_SALT = "portal.page-state"
STATE_TTL = 3600
PROVINCE_CODES_TTL = 24 * 3600
STATUS_STYLES = {
    messages.VERIFIED_ALL: "success",
    messages.VERIFIED_WAIT_FOR_OTHERS: "success",
    messages.ALREADY_VERIFIED: "info",
    messages.RESENT: "success",
}
FAILURE_STATUSES = {2, 21, 0}


def client_ip(request):
    return request.META.get("REMOTE_ADDR") or None


def _redirect_see_other(url):
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


def _province_or_404(code):
    return get_object_or_404(Province, code=code)


def _require_province_code(code):
    """404 unless `code` names a province. Provinces are reference data that staff
    can edit but never add or remove, so their codes are cached."""

    def load():
        return sorted(Province.objects.values_list("code", flat=True))

    try:
        codes = cache.get_or_set("portal:province-codes", load, PROVINCE_CODES_TTL)
    except rates.CACHE_ERRORS:
        codes = load()
    if code not in codes:
        raise Http404("No such province.")


def _site_context(province):
    """What the page header and tabs need: the central site or one province's."""
    if province is None:
        return {
            "province": None,
            "verify_url": "/verify/",
            "resend_url": "/resend/",
            "home_url": "/",
        }
    base = f"/p/{province.code}/"
    return {
        "province": province,
        "central_now": not policies.get_policy(province.current_policy).is_provincial,
        "verify_url": f"{base}verify/",
        "resend_url": f"{base}resend/",
        "home_url": base,
    }


def what_now(action, result):
    """Under the MIIT sentence, what happens next, in the simulator's own words and
    the page's language: {"text", "lookup": offer "where is my filing", "done": the
    form is no longer offered}; None when the sentence says it all."""
    status = result.get("status")
    if action == AttemptAction.VERIFY and status == messages.FAILED_CONTACT_PROVIDER:
        return {
            "text": _(
                "Your filing went back to your access provider: too many failed "
                "attempts. What happens next: the provider corrects the filing and "
                "submits it again, and everyone who must verify gets a new text "
                "with a new code. Until then there is nothing to verify here."
            ),
            "lookup": True,
            "done": True,
        }
    if action == AttemptAction.RESEND and status == messages.NOTHING_PENDING:
        return {
            "text": _(
                "If your filing went back to your access provider (its deadline "
                "passed, or too many attempts failed), the provider submits it again "
                "and you get a new text then. See where your filing stands:"
            ),
            "lookup": True,
            "done": False,
        }
    if action == AttemptAction.VERIFY and status == messages.VERIFIED_WAIT_FOR_OTHERS:
        waiting = [str(Role(role).label) for role in result.get("waiting", [])]
        return {
            "text": _(
                "Still to verify: %(people)s, each with the code in their own text. "
                "Once everyone has, the filing goes to the communications "
                "administration for review, and your access provider tells you the "
                "outcome."
            )
            % {"people": "、".join(waiting) if waiting else _("the others named")},
            "lookup": True,
            "done": True,
        }
    if action == AttemptAction.VERIFY and status in (
        messages.VERIFIED_ALL,
        messages.ALREADY_VERIFIED,
    ):
        return {
            "text": _(
                "Nothing more to do here. The filing is with the communications "
                "administration for review; your access provider tells you the "
                "outcome."
            ),
            "lookup": True,
            "done": True,
        }
    return None


def banner(action, result):
    """The banner for a stored result: CSS style, status code (or None), sentence."""
    language = get_language() or settings.LANGUAGE_CODE
    if result.get("retry_after") is not None:
        return {
            "style": "warning",
            "status": None,
            "text": messages.throttled_text(result["retry_after"], language),
        }
    if result.get("contact_check") in contact_checks.ANSWERS:
        style, text = contact_checks.answer_text(result["contact_check"], language)
        return {
            "style": style,
            "status": None,
            "contact_check": result["contact_check"],
            "text": text,
        }
    status = result["status"]
    table = (
        messages.VERIFY_ANSWERS
        if action == AttemptAction.VERIFY
        else messages.RESEND_ANSWERS
    )
    style = STATUS_STYLES.get(status)
    if style is None:
        style = "danger" if status in FAILURE_STATUSES else "warning"
    return {"style": style, "status": status, "text": table[status].text(language)}


@method_decorator(never_cache, name="dispatch")  # it shows what the person typed
class ChannelFormView(View):
    """A verify or resend page on a channel, with post/redirect/get.

    A processed submission puts its result and the values to keep in a signed cookie
    scoped to the page's path, and redirects; the page then shows the result once.
    The state thus travels with the browser: the redirect may land on any web
    process or node, whatever the cache, and the public pages never touch the
    session table. Each rendered form carries a one-time token, so a double-click or
    a reloaded POST is processed only once: the attempt it writes holds the token,
    which the database keeps unique.
    """

    action: AttemptAction
    form_class: type[forms.Form]
    template_name: str
    kept_fields: tuple[str, ...] = ("mobile", "cert_last6")
    cleared_fields: tuple[str, ...] = ("code", "captcha_1")

    @staticmethod
    def _read_state(request):
        """The page state the browser brought ({} if none, forged or stale)."""
        value = request.get_signed_cookie(
            STATE_COOKIE, default=None, salt=STATE_SALT, max_age=STATE_TTL
        )
        try:
            state = json.loads(value) if value else {}
        except ValueError:
            return {}
        return state if isinstance(state, dict) else {}

    @staticmethod
    def _keep_state(request, response, state):
        response.set_signed_cookie(
            STATE_COOKIE,
            json.dumps(state, separators=(",", ":")),
            salt=STATE_SALT,
            path=request.path,
            httponly=True,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )

    def _render(self, request, province, form, result=None, status=200):
        context = {
            **_site_context(province),
            "form": form,
            "action": self.action,
            "banner": banner(self.action, result) if result else None,
            "what_now": what_now(self.action, result) if result else None,
            "kept_mobile": form.initial.get("mobile", ""),
            "kept_cert_last6": form.initial.get("cert_last6", ""),
            "kept_reference": (result or {}).get("reference", ""),
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request, province=None):
        province = _province_or_404(province) if province else None
        state = self._read_state(request)
        result = state.pop("result", None)
        initial = state.get("initial")
        # A copy: the form adds its one-time token to its initial data, and that
        # token must not travel on in the kept state.
        form = self.form_class(
            initial=dict(initial) if isinstance(initial, dict) else {}
        )
        response = self._render(
            request, province, form, result if isinstance(result, dict) else None
        )
        if result:
            self._keep_state(request, response, state)  # the answer is shown once
        return response

    def post(self, request, province=None):
        if province:
            _require_province_code(province)
        if request.POST.get("new_picture"):
            # Another picture, nothing checked: the same form, what was typed kept.
            province = _province_or_404(province) if province else None
            return self._render(request, province, self._refreshed(request.POST))
        form = self.form_class(request.POST)
        if not form.is_valid():
            if "captcha" in form.errors and actions.submission_processed(
                form.cleaned_data.get("submission")
            ):
                # Sent again: its picture went with the first sending.
                return self._sent_again(request)
            if "captcha" in form.errors and form.cleaned_data.get("mobile"):
                channel = actions.Channel(province) if province else actions.CENTRAL
                actions.record_wrong_picture(
                    self.action,
                    channel,
                    form.cleaned_data["mobile"],
                    ip=client_ip(request),
                    user_agent=request.META.get("HTTP_USER_AGENT", ""),
                )
            data = form.data.copy()
            # Only the picture was wrong: keep everything else that was typed.
            cleared = (
                ("captcha_1",)
                if set(form.errors) == {"captcha"}
                else self.cleared_fields
            )
            for name in cleared:
                data[name] = ""
            form.data = data
            if "captcha" in form.errors:
                answer = form.fields["captcha"].widget.widgets[1]
                answer.attrs["aria-describedby"] = "id_captcha_error"
            province = _province_or_404(province) if province else None
            return self._render(request, province, form)
        channel = actions.Channel(province) if province else actions.CENTRAL
        try:
            outcome = self.run(channel, form.cleaned_data, request)
        except actions.SentAgain:
            return self._sent_again(request)
        result = {"status": outcome.status, **self.more_result(outcome)}
        if outcome.throttled:
            result = {"status": None, "retry_after": outcome.throttled.retry_after}
        response = _redirect_see_other(request.path)
        state = {
            "initial": {name: form.cleaned_data[name] for name in self.kept_fields},
            "result": result,
        }
        self._keep_state(request, response, state)
        return response

    def _refreshed(self, posted):
        """An unbound form holding what was typed, with a new picture."""
        keep = [*self.kept_fields, "code", "reference", "submission"]
        initial = {name: posted.get(name, "") for name in keep if name in posted}
        return self.form_class(initial=initial)

    @staticmethod
    def _sent_again(request):
        """A form processed before: to the page, which shows the first answer (its
        cookie came with the first response)."""
        logger.info("A form was sent again; it was processed the first time.")
        return _redirect_see_other(request.path)

    def run(self, channel, data, request):
        raise NotImplementedError

    def more_result(self, outcome):
        """What else the page says about this outcome (kept with the result)."""
        return {}


class VerifyView(ChannelFormView):
    action = AttemptAction.VERIFY
    form_class = VerifyForm
    template_name = "portal/verify.html"

    def run(self, channel, data, request):
        return actions.verify(
            channel,
            data["mobile"],
            data["code"],
            data["cert_last6"],
            ip=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
            submission=data.get("submission", ""),
        )

    def more_result(self, outcome):
        """The filing's reference when the answer concerns one filing (for "where is
        my filing"), and after a person verified, the roles of the people still to
        verify; or a contact check's answer."""
        if outcome.contact_check:
            return {"status": None, "contact_check": outcome.contact_check}
        if not outcome.verifications:
            return {}
        filing_ids = {v.filing_id for v in outcome.verifications}
        more = {}
        if len(filing_ids) == 1:
            more["reference"] = outcome.verifications[0].filing.reference
        if outcome.status != messages.VERIFIED_WAIT_FOR_OTHERS:
            return more
        roles = set()
        for verification in Verification.objects.filter(
            filing_id__in=filing_ids, status=VerificationStatus.PENDING
        ):
            roles.update(verification.roles)
        return {**more, "waiting": sorted(roles)}


class ResendView(ChannelFormView):
    action = AttemptAction.RESEND
    form_class = ResendForm
    template_name = "portal/resend.html"
    cleared_fields = ("captcha_1",)

    def run(self, channel, data, request):
        return actions.resend(
            channel,
            data["mobile"],
            data["cert_last6"],
            ip=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
            submission=data.get("submission", ""),
        )


def home(request):
    """The central site's home page."""
    return render(request, "portal/home.html", _site_context(None))


def province_home(request, province):
    """A provincial communications administration's (simulated) site."""
    province = _province_or_404(province)
    context = _site_context(province)
    context["policy"] = policies.get_policy(province.current_policy)
    return render(request, "portal/province_home.html", context)


def province_directory(request):
    """Every province, its simulated verification site and the policy that applies."""
    rows = [
        {
            "province": province,
            "policy_label": province.get_current_policy_display(),
            "provincial": policies.get_policy(province.current_policy).is_provincial,
        }
        for province in Province.objects.all()
    ]
    return render(request, "portal/provinces.html", {"rows": rows})


def _lookup(reference, mobile, cert_last6):
    """Filings named `reference` on which this mobile + certificate tail is a person."""
    leaders = Q(subject__leader__mobile=mobile) & Q(
        subject__leader__certificate_number__endswith=cert_last6
    )
    admins = Q(
        services__administrator__mobile=mobile,
        services__administrator__certificate_number__endswith=cert_last6,
    )
    filings = (
        FilingApplication.objects.filter(leaders | admins, reference=reference)
        .select_related("provider")
        .prefetch_related("verifications")
        .distinct()
        .order_by("pk")
    )
    now = timezone.now()
    found = []
    for filing in filings:
        pending = filing.status == FilingStatus.PENDING_VERIFICATION
        seconds_left = (
            int((filing.verification_deadline - now).total_seconds())
            if pending and filing.verification_deadline
            else None
        )
        found.append(
            {
                "filing": filing,
                "seconds_left": max(seconds_left, 0)
                if seconds_left is not None
                else None,
                "verifications": [
                    {
                        "roles": [Role(role).label for role in v.roles],
                        "mobile": mask_mobile(v.mobile),
                        "status": v.get_status_display(),
                        "verified": v.status == "verified",
                    }
                    for v in filing.verifications.all()
                ],
            }
        )
    return found


@never_cache  # it shows what the person typed and their people's progress
def lookup(request):
    """Where is my filing: which roles have verified, which are pending, time left."""
    context = {"form": LookupForm(), "searched": False}
    if request.method == "POST" and request.POST.get("new_picture"):
        typed = ("reference", "mobile", "cert_last6")
        context["form"] = LookupForm(
            initial={name: request.POST.get(name, "") for name in typed}
        )
    elif request.method == "POST":
        form = LookupForm(request.POST)
        context["form"] = form
        if form.is_valid():
            data = form.cleaned_data
            throttled = throttles.hit(
                "lookup", mobile=data["mobile"], ip=client_ip(request)
            )
            if throttled:
                context["throttle_text"] = messages.throttled_text(
                    throttled.retry_after, get_language() or "zh-hans"
                )
            else:
                context["searched"] = True
                context["results"] = _lookup(
                    data["reference"], data["mobile"], data["cert_last6"]
                )
        data = form.data.copy()
        data["captcha_1"] = ""
        form.data = data
        if "captcha" in form.errors:
            answer = form.fields["captcha"].widget.widgets[1]
            answer.attrs["aria-describedby"] = "id_captcha_error"
    return render(request, "portal/lookup.html", context)
