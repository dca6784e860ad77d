"""Which records are dated after a moment: every date-and-time field of the project's
own models that records when something happened. Deadlines, due times and expiries
are about the future by nature and are left out."""

from django.apps import apps
from django.db import models

PROJECT_APPS = ("filings", "verification", "integrations", "console", "demo")
# Fields that name a time still to come, not one when something happened.
FUTURE_BY_NATURE = {
    ("filings", "filingapplication", "verification_deadline"),
    ("verification", "verification", "auto_resend_due_at"),
    ("demo", "plannedreport", "due_at"),
    ("console", "followup", "due_at"),
    ("integrations", "webhookendpoint", "previous_secret_until"),
    ("integrations", "webhookdelivery", "next_attempt_at"),
}


def stamp_fields():
    """(model, field name) for every stamp of the project's models."""
    for app in PROJECT_APPS:
        for model in apps.get_app_config(app).get_models():
            for field in model._meta.concrete_fields:
                key = (app, model._meta.model_name, field.name)
                if isinstance(field, models.DateTimeField) and key not in (
                    FUTURE_BY_NATURE
                ):
                    yield model, field.name


def stamps_after(moment):
    """{"app.Model.field": count} of the records dated after `moment`."""
    found = {}
    for model, name in stamp_fields():
        count = model.objects.filter(**{f"{name}__gt": moment}).count()
        if count:
            found[f"{model._meta.label}.{name}"] = count
    return found
