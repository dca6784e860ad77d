"""Forms of the demo pages."""

import datetime

from django import forms
from django.contrib.admin.widgets import AdminSplitDateTime
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from demo import clock
from demo.models import GatewayRule
from filings.validators import normalize_mobile
from infra import scope
from infra.times import BEIJING

# Generous for spaces and a +86 prefix, as on the applicant pages.
MAX_INPUT = 32


class PhoneForm(forms.Form):
    """The demo phone: which number's inbox to read."""

    mobile = forms.CharField(
        label=_("Mobile number"),
        max_length=MAX_INPUT,
        strip=True,
        error_messages={
            "required": _("The mobile number cannot be empty."),
            "max_length": _("Please enter a correct mobile number."),
            "null_characters_not_allowed": _("Remove the invalid characters."),
        },
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )

    def clean_mobile(self):
        try:
            return normalize_mobile(self.cleaned_data["mobile"])
        except ValidationError as exc:
            message = (
                _("The mobile number must be numeric.")
                if exc.code == "not_digits"
                else _("Please enter a correct mobile number.")
            )
            raise ValidationError(message, code=exc.code) from exc


FARTHEST_TRAVEL = datetime.timedelta(days=3653)


class TimeTravelForm(forms.Form):
    """Where a supervisor moves the demo's clock to."""

    # The admin's date and time widgets: their calendar, clock and formats follow
    # the console's language, where a browser's own picker follows the browser's.
    when = forms.SplitDateTimeField(
        label=_("Move the demo to (Beijing time)"),
        widget=AdminSplitDateTime,
    )
    include_training = forms.BooleanField(
        label=_("Let the training scenarios' deadlines pass too"),
        help_text=_(
            "Unchecked, a training scenario whose deadline would pass has it "
            "extended by the travel's length instead."
        ),
        required=False,
        label_suffix="",  # the label follows its box
    )

    def clean_when(self):
        when = self.cleaned_data["when"]
        # Typed as Beijing time, whatever the server's time zone.
        if timezone.is_aware(when):
            when = timezone.make_naive(when)
        when = when.replace(tzinfo=BEIJING)
        if when <= timezone.now():
            if clock.ahead():  # a travel (a double click's first) got there
                raise forms.ValidationError(
                    _("The demo is already at or past that time; choose a later one.")
                )
            raise forms.ValidationError(_("Choose a time in the future."))
        if when - timezone.now() > FARTHEST_TRAVEL:
            raise forms.ValidationError(_("Choose a time within the next ten years."))
        return when

    @staticmethod
    def tomorrow():
        return timezone.localtime() + datetime.timedelta(days=1)


class NewRunForm(forms.Form):
    """A trainer (or a trainee for themselves) builds a scenario."""

    scenario = forms.ChoiceField(label=_("Scenario"))
    trainee = forms.ModelChoiceField(
        label=_("For"), queryset=User.objects.none(), required=False
    )

    def __init__(self, *args, scenarios=(), trainer=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scenario"].choices = [(s.key, s.title) for s in scenarios]
        if trainer:
            self.fields["trainee"].queryset = scope.staff_in_scope(
                User.objects.filter(is_staff=True, is_active=True)
            ).order_by("username")
        else:
            del self.fields["trainee"]


class GatewayRuleForm(forms.ModelForm):
    """How the training gateway treats one carrier's texts (or every carrier's)."""

    delay_minutes = forms.IntegerField(
        label=_("Delay (minutes)"), min_value=1, max_value=24 * 60, initial=10
    )
    lost_percent = forms.IntegerField(
        label=_("Share lost (%)"), min_value=1, max_value=100, initial=100
    )

    class Meta:
        model = GatewayRule
        fields = ["carrier", "behaviour", "delay_minutes", "lost_percent"]

    def validate_unique(self):
        pass  # a carrier's rule is replaced, not refused (see save_rule)

    def save_rule(self, user):
        """Replace the carrier's rule; the lost share counts afresh."""
        data = self.cleaned_data
        rule, _ = GatewayRule.objects.update_or_create(
            carrier=data["carrier"],
            defaults={
                "behaviour": data["behaviour"],
                "delay_minutes": data["delay_minutes"],
                "lost_percent": data["lost_percent"],
                "texts_seen": 0,
                "updated_by": user,
            },
        )
        return rule
