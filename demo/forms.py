"""Forms of the demo pages."""

import datetime

from django import forms
from django.contrib.admin.widgets import AdminSplitDateTime
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from filings.policies import BEIJING
from filings.validators import normalize_mobile

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


class TimeTravelForm(forms.Form):
    # The admin's date and time widgets: their calendar, clock and formats follow
    # the console's language, where a browser's own picker follows the browser's.
    when = forms.SplitDateTimeField(
        label=_("Run the deadline sweep as if it were (Beijing time)"),
        widget=AdminSplitDateTime,
    )

    def clean_when(self):
        when = self.cleaned_data["when"]
        # Typed as Beijing time, whatever the server's time zone.
        if timezone.is_aware(when):
            when = timezone.make_naive(when)
        when = when.replace(tzinfo=BEIJING)
        if when <= timezone.now():
            raise forms.ValidationError(_("Choose a time in the future."))
        return when

    @staticmethod
    def tomorrow():
        return timezone.localtime() + datetime.timedelta(days=1)
