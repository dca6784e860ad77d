"""The demo environment's pages: the front door with "try it", the simulated phone,
and the supervisors' time travel. They exist only in demo mode."""

import functools
import re
import secrets

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from stdnum.cn import ric

from demo import timetravel, training
from demo.forms import GatewayRuleForm, NewRunForm, PhoneForm, TimeTravelForm
from demo.models import GatewayRule, TrainingRun
from filings.importing import parse_record
from filings.models import Person, Provider
from infra import scope, times
from infra.times import BEIJING
from verification import moves, sms
from verification.models import DeliveryReport, SmsMessage, SmsStatus


def console_page(view):
    """A demo page for staff, behind the console's own guard: logged in as staff,
    past the second factor and the one-time password, not idle, and read in the
    reader's provider scope (the console's admin_view, never cached)."""

    @functools.wraps(view)
    def guarded(request, *args, **kwargs):
        return admin.site.admin_view(view)(request, *args, **kwargs)

    return guarded


def redirect_see_other(url):
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


def demo_enabled():
    """The demo phone exists only in demo mode with the database SMS backend."""
    return settings.DEMO_MODE and sms.get_backend().is_outbox


@never_cache  # the texts of the number typed
def demo_phone(request):
    """A simulated phone: the inbox of one mobile number, newest first."""
    if not demo_enabled():
        raise Http404("The demo phone is available only in demo mode.")
    form = PhoneForm(request.GET or None)
    inbox = None
    if form.is_bound and form.is_valid():
        inbox = phone_inbox(form.cleaned_data["mobile"])
        origin = request.build_absolute_uri("/").rstrip("/")
        for text in inbox:
            text.shown_text = on_this_site(text.text, origin)
    identity = request.session.get("demo_identity")
    if identity and not (
        inbox is not None and form.cleaned_data["mobile"] == identity["mobile"]
    ):
        identity = None  # show the hint only next to that identity's own inbox
    return render(
        request,
        "demo/phone.html",
        {"form": form, "inbox": inbox, "identity": identity},
    )


INBOX_LIMIT = 100
LINK_ORIGIN = re.compile(r"https?://[^\s/]+(?=/)")


def on_this_site(text, origin):
    """The text with its links opening on the site the phone is read on: texts link
    only to this site, and one sent (or seeded) while the demo ran on another host
    or port still opens here."""
    return LINK_ORIGIN.sub(origin, text)


def phone_inbox(mobile, limit=INBOX_LIMIT):
    """What the phone of `mobile` received, newest first: the texts the gateway took
    that no delivery report says were lost or are still on their way, each as often
    as the carrier delivered it, stamped with when it arrived."""
    texts = (
        SmsMessage.objects.filter(recipient=mobile, status=SmsStatus.SENT)
        .exclude(report__in=[DeliveryReport.AWAITING, DeliveryReport.UNDELIVERED])
        .order_by("-id")[:limit]
    )
    inbox = []
    for text in texts:
        text.arrived_at = text.reported_at or text.sent_at or text.created_at
        inbox += [text] * text.copies
    inbox.sort(key=lambda text: (text.arrived_at, text.pk), reverse=True)
    return inbox[:limit]


def _new_demo_identity():
    """A fresh applicant for the demo: a 1700 mobile and a valid resident ID."""
    while True:
        mobile = f"1700{secrets.randbelow(10**7):07d}"
        if not Person.objects.filter(mobile=mobile).exists():
            break
    born = f"19{secrets.randbelow(30) + 70}0{secrets.randbelow(9) + 1}1{secrets.randbelow(9)}"
    base = f"110102{born}{secrets.randbelow(1000):03d}"
    return mobile, base + ric.calc_check_digit(base + "0")


def demo_home(request):
    """The demo's front door: what the simulator shows, and a button to try it."""
    if not demo_enabled():
        raise Http404("The demo pages are available only in demo mode.")
    if request.method == "POST":
        mobile, certificate = _new_demo_identity()
        today = timezone.localtime(timezone.now(), BEIJING)
        reference = f"TRY-{today:%m%d}-{secrets.token_hex(3).upper()}"
        person = {
            "name": "体验用户",
            "certificate_type": "resident_id",
            "certificate_number": certificate,
            "mobile": mobile,
        }
        record = {
            "provider": "aliyun",
            "reference": reference,
            "province": "bj",
            "type": "first_filing",
            "policy": "miit-current",
            "subject": {
                "name": "体验用户",
                "nature": "individual",
                "certificate_type": "resident_id",
                "certificate_number": certificate,
                "leader": person,
            },
            "services": [
                {
                    "kind": "website",
                    "name": "我的体验网站",
                    "domains": [f"try-{reference[-6:].lower()}.example.cn"],
                    "administrator": person,
                }
            ],
        }
        moves.import_filing(parse_record(record))
        request.session["demo_identity"] = {
            "mobile": mobile,
            "cert_last6": certificate[-6:],
            "reference": reference,
        }
        return redirect_see_other(f"/demo/phone/?mobile={mobile}")
    return render(
        request,
        "demo/home.html",
        {
            "queue_hours": settings.QUEUE_DEADLINE_HOURS,
            "scenarios": training.SCENARIOS,
        },
    )


def may_travel(user):
    """Whether `user` may move the demo's clock: a supervisor of the administration
    (the clock is every team's)."""
    return (
        user is not None
        and user.has_perm("filings.time_travel")
        and scope.provider_of(user) is None
    )


def _travel_allowed(request):
    if not settings.DEMO_MODE:
        raise Http404("Time travel exists only in demo mode.")
    if not may_travel(request.user):
        raise PermissionDenied


@console_page
def time_travel(request):
    """Move the whole demo to a later time (supervisors): the form, then what the
    travel will do and a button to make it, then the travel."""
    _travel_allowed(request)
    form = TimeTravelForm(
        request.POST or None, initial={"when": TimeTravelForm.tomorrow()}
    )
    plan = None
    if request.method == "POST" and form.is_valid():
        when = form.cleaned_data["when"]
        include_training = form.cleaned_data["include_training"]
        if request.POST.get("confirmed") != "1":
            plan = timetravel.plan(when, include_training)
        else:
            try:
                outcome = timetravel.travel(when, include_training)
            except timetravel.TravelRefused:
                form.add_error(
                    "when",
                    _("The demo is already at or past that time; choose a later one."),
                )
            else:
                _report_travel(request, when, outcome)
                return redirect_see_other(reverse("demo-time-travel"))
    context = {
        **admin.site.each_context(request),
        "title": _("Demo time travel"),
        "form": form,
        "plan": plan,
        "plan_when": plan and times.beijing_text(plan.when),
        "clock": timetravel.state(),
        "can_go_back": timetravel.can_go_back(),
    }
    return TemplateResponse(request, "demo/time_travel.html", context)


def _report_travel(request, when, outcome):
    if outcome.arrived:
        messages.info(
            request,
            ngettext(
                "%(n)d late text arrived by then.",
                "%(n)d late texts arrived by then.",
                outcome.arrived,
            )
            % {"n": outcome.arrived},
        )
    returned = ngettext(
        "%(n)d filing returned as expired",
        "%(n)d filings returned as expired",
        outcome.returned,
    ) % {"n": outcome.returned}
    resends = ngettext(
        "%(n)d automatic resend sent",
        "%(n)d automatic resends sent",
        outcome.automatic_resends,
    ) % {"n": outcome.automatic_resends}
    messages.success(
        request,
        _("The demo is now at %(when)s: %(returned)s, %(resends)s.")
        % {
            "when": times.beijing_text(when),
            "returned": returned,
            "resends": resends,
        },
    )


@console_page
def back_to_now(request):
    """Put the demo back as it was before its first travel (SQLite only). Asked for
    with GET (a link, a reload), it shows the time travel page, where the button is."""
    _travel_allowed(request)
    if request.method != "POST":
        return redirect_see_other(reverse("demo-time-travel"))
    try:
        timetravel.back_to_now()
    except timetravel.BackUnavailable as refused:
        if refused.args[0] == "at_now":
            messages.info(request, _("The demo already runs at the real time."))
        elif refused.args[0] == "postgresql":
            messages.error(
                request,
                _(
                    "Back to now is not available on PostgreSQL: it needs the copy "
                    "of the embedded SQLite database taken before the first travel. "
                    "The demo stays at its time."
                ),
            )
        else:
            messages.error(
                request,
                _(
                    "The demo cannot go back to now: that needs the copy of the "
                    "SQLite database taken before the first travel, and this database "
                    "has none. The demo stays at its time; make demo-reset starts over."
                ),
            )
    else:
        messages.success(
            request,
            _("The demo is back at the real time, as it was before the first travel."),
        )
    return redirect_see_other(reverse("demo-time-travel"))


# Training -------------------------------------------------------------------------
TRAINER = "demo.train_staff"


def _training_or_404():
    if not training.available():
        raise Http404("Training exists only in demo mode, with the training gateway.")


def _admin_page(request, template, title, **context):
    return TemplateResponse(
        request,
        template,
        {**admin.site.each_context(request), "title": title, **context},
    )


def _run_rows(runs):
    """Runs with their scenario and result, for the pages' tables."""
    runs = list(runs)
    results = training.check_all(runs)
    return [
        {
            "run": run,
            "scenario": training.BY_KEY[run.scenario],
            "result": results[run.pk],
        }
        for run in runs
    ]


@console_page
def training_home(request):
    """The training page: the scenarios to build, the runs handed out, and (for
    trainers) the gateway's behaviour and every trainee's results."""
    _training_or_404()
    trainer = request.user.has_perm(TRAINER)
    administration = scope.provider_of(request.user) is None
    action = request.POST.get("action")
    new_run = NewRunForm(
        request.POST if action == "create" else None,
        scenarios=training.SCENARIOS,
        trainer=trainer,
        initial={"trainee": request.user.pk},
    )
    rule_form = GatewayRuleForm(request.POST if action == "gateway" else None)
    if request.method == "POST":
        if action == "create" and new_run.is_valid():
            return _build_run(request, new_run)
        if action == "gateway":
            if not (trainer and administration):
                # the gateway carries every team's texts: the administration's
                raise PermissionDenied
            if rule_form.is_valid():
                return _set_gateway_rule(request, rule_form)
        if action not in ("create", "gateway"):
            messages.error(request, _("Choose what to do."))
    runs = TrainingRun.objects.select_related("trainee", "filing")
    if not trainer:
        runs = runs.filter(trainee=request.user)
    return _admin_page(
        request,
        "demo/training.html",
        _("Training scenarios"),
        scenarios=training.SCENARIOS,
        new_run=new_run,
        rule_form=rule_form,
        rules=[
            {"rule": rule, "changed": training.beijing(rule.updated_at)}
            for rule in GatewayRule.objects.select_related("updated_by")
        ],
        rows=_run_rows(runs[:50]),
        trainer=trainer,
        gateway_keeper=trainer and administration,
        trainees=_trainees() if trainer else [],
    )


def _build_run(request, new_run):
    """Build the scenario the form asks for, for its trainee (the user by default)."""
    trainee = new_run.cleaned_data.get("trainee") or request.user
    # the trainee's own provider's filing: one they can read
    provider = Provider.objects.filter(pk=scope.staff_provider_id(trainee)).first()
    try:
        # built as a provider's system and an applicant would: unscoped, for the
        # trainee's provider (a provider's staff train on their own customers)
        with scope.provider_scope(None):
            run = training.create_run(
                new_run.cleaned_data["scenario"],
                trainee,
                request.user,
                provider_code=provider.code if provider else None,
            )
    except training.BuildRefused:
        messages.error(
            request,
            _(
                "The scenario could not be built just now (too many tries from the "
                "practice addresses); nothing was kept. Try again in a few minutes."
            ),
        )
        return redirect_see_other(reverse("demo-training"))
    messages.success(
        request,
        _("The scenario “%(title)s” is ready for %(who)s.")
        % {
            "title": training.BY_KEY[run.scenario].title,
            "who": trainee.get_username(),
        },
    )
    return redirect_see_other(reverse("demo-training-run", args=[run.pk]))


def _set_gateway_rule(request, rule_form):
    """Save the training gateway's behaviour for a carrier (trainers only)."""
    rule = rule_form.save_rule(request.user)
    messages.success(
        request,
        _("The training gateway: %(carrier)s, %(behaviour)s.")
        % {
            "carrier": rule.get_carrier_display(),
            "behaviour": rule.get_behaviour_display(),
        },
    )
    return redirect_see_other(reverse("demo-training"))


def _trainees():
    """Every trainee with their runs and how many steps they handled, by name."""
    trainees = {}
    for row in _run_rows(TrainingRun.objects.select_related("trainee", "filing")):
        entry = trainees.setdefault(
            row["run"].trainee_id, {"user": row["run"].trainee, "runs": 0}
        )
        entry["runs"] += 1
        entry["handled"] = entry.get("handled", 0) + row["result"].handled
    return sorted(trainees.values(), key=lambda e: e["user"].get_username())


def _run_for(request, pk):
    _training_or_404()
    run = get_object_or_404(
        TrainingRun.objects.select_related("filing", "trainee", "created_by"), pk=pk
    )
    if run.trainee_id != request.user.pk and not request.user.has_perm(TRAINER):
        raise Http404("Not your training run.")
    return run


@console_page
def training_run(request, pk):
    """One run: the customer's call, the question, the filing to work on, the
    answer on request, and how the work on the filing reads so far."""
    run = _run_for(request, pk)
    if request.method == "POST":
        training.mark_answer_shown(run)
        return redirect_see_other(
            reverse("demo-training-run", args=[run.pk]) + "#answer"
        )
    scenario = training.BY_KEY[run.scenario]
    return _admin_page(
        request,
        "demo/training_run.html",
        scenario.title,
        run=run,
        scenario=scenario,
        situation=training.told(run, scenario.situation),
        answer=training.told(run, scenario.answer) if run.answer_shown_at else "",
        result=training.check(run),
        filing_url=reverse(
            "admin:filings_filingapplication_change", args=[run.filing_id]
        ),
        handed_out=training.beijing(run.created_at),
        answer_shown=training.beijing(run.answer_shown_at),
    )


@console_page
def training_trainee(request, pk):
    """A trainer's page of one trainee's results: every run, what was done, in order,
    and what was missing."""
    _training_or_404()
    if not request.user.has_perm(TRAINER):
        raise PermissionDenied
    trainee = get_object_or_404(
        scope.staff_in_scope(User.objects.all()), pk=pk, is_staff=True
    )
    rows = _run_rows(trainee.training_runs.select_related("filing"))
    for row in rows:
        row["answer_shown"] = training.beijing(row["run"].answer_shown_at)
        row["handed_out"] = training.beijing(row["run"].created_at)
    return _admin_page(
        request,
        "demo/training_trainee.html",
        _("Training results of %(who)s") % {"who": trainee.get_username()},
        trainee=trainee,
        rows=rows,
        handled=sum(1 for row in rows if row["result"].handled),
    )
