"""The provider API in the staff console: a supervisor makes a key (shown once),
names it, sees when it was last used, and revokes it; the webhook endpoints (their
secret shown once, rotated, enabled, disabled), and every delivery with its attempts,
sent again on request."""

from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from console.admin.base import CappedCountPaginator, ConsoleAdmin
from filings.models import ProviderEventType
from infra.times import beijing_text
from integrations import keys, tasks, webhooks
from integrations.models import (
    ApiKey,
    DeliveryStatus,
    EndpointDisabled,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)


class NewKeyForm(forms.ModelForm):
    class Meta:
        model = ApiKey
        fields = ["provider", "name"]


@admin.register(ApiKey)
class ApiKeyAdmin(ConsoleAdmin):
    form = NewKeyForm
    list_display = (
        "name",
        "provider",
        "prefix_display",
        "created",
        "last_used",
        "state",
    )
    list_filter = ("provider",)
    actions = ["revoke_keys"]

    @admin.display(description=_("key begins"))
    def prefix_display(self, obj):
        return f"{obj.prefix}…"

    @admin.display(description=_("created"))
    def created(self, obj):
        return beijing_text(obj.created_at)

    @admin.display(description=_("last used (Beijing time)"))
    def last_used(self, obj):
        return beijing_text(obj.last_used_at)

    @admin.display(description=_("state"))
    def state(self, obj):
        if obj.revoked_at:
            return _("revoked at %(when)s") % {"when": beijing_text(obj.revoked_at)}
        return _("live")

    def get_readonly_fields(self, request, obj=None):
        return ("provider", "name") if obj else ()

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # revoked, never deleted: the audit trail names keys

    def save_model(self, request, obj, form, change):
        if change:
            return
        record, key = keys.create_key(
            form.cleaned_data["provider"],
            form.cleaned_data["name"],
            created_by=request.user,
        )
        obj.pk = record.pk
        messages.warning(
            request,
            _(
                "The new key for %(provider)s, shown this once (only its hash is "
                "kept): %(key)s"
            )
            % {"provider": record.provider.local_name, "key": key},
        )

    @admin.action(description=_("Revoke the selected keys"), permissions=["add"])
    def revoke_keys(self, request, queryset):
        revoked = sum(keys.revoke(record) for record in queryset)
        messages.success(request, _("%(n)d keys revoked.") % {"n": revoked})


# Webhooks -------------------------------------------------------------------------
class EndpointURLField(forms.URLField):
    """A URL field that names a control character as the reason it refuses an
    address, where the plain field would only say the URL is not valid (or take
    DEL and the C1 controls)."""

    def to_python(self, value):
        try:
            webhooks.refuse_control_characters(value)
        except webhooks.EndpointRefused as exc:
            raise forms.ValidationError(exc.detail, code="control_character") from exc
        return super().to_python(value)


class EndpointForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        label=_("events"),
        choices=ProviderEventType.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("The events sent to it; none ticked means every event."),
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["provider", "url", "events", "description"]
        field_classes = {"url": EndpointURLField}

    def clean_url(self):
        try:
            return webhooks.check_url(self.cleaned_data["url"])
        except webhooks.EndpointRefused as exc:
            raise forms.ValidationError(exc.detail) from exc

    def clean_description(self):
        """The API's rule: no control characters, at most 200 characters."""
        try:
            return webhooks.check_description(self.cleaned_data["description"])
        except webhooks.EndpointRefused as exc:
            raise forms.ValidationError(exc.detail) from exc


def _endpoint_state(endpoint):
    if endpoint.enabled:
        if endpoint.failing_since:
            return _("failing since %(when)s") % {
                "when": beijing_text(endpoint.failing_since)
            }
        return _("receiving")
    return _("disabled at %(when)s: %(why)s") % {
        "when": beijing_text(endpoint.disabled_at),
        "why": endpoint.get_disabled_reason_display(),
    }


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ConsoleAdmin):
    form = EndpointForm
    list_display = ("url", "provider", "events_display", "state", "created")
    list_filter = ("provider", "disabled_reason")
    actions = ["rotate_secrets", "enable_endpoints", "disable_endpoints"]

    @admin.display(description=_("events"))
    def events_display(self, obj):
        if not obj.events:
            return _("every event")
        return ", ".join(str(ProviderEventType(e).label) for e in obj.events)

    @admin.display(description=_("state"))
    def state(self, obj):
        return _endpoint_state(obj)

    @admin.display(description=_("created"))
    def created(self, obj):
        return beijing_text(obj.created_at)

    def get_readonly_fields(self, request, obj=None):
        return ("provider", "state") if obj else ()

    def get_fields(self, request, obj=None):
        fields = ["provider", "url", "events", "description"]
        return [*fields, "state"] if obj else fields

    def save_model(self, request, obj, form, change):
        if change:
            obj.save()
            return
        made = webhooks.create_endpoint(
            form.cleaned_data["provider"],
            form.cleaned_data["url"],
            form.cleaned_data["events"],
            description=form.cleaned_data["description"],
            created_by=request.user,
        )
        obj.pk = made.pk
        messages.warning(
            request,
            _(
                "The endpoint's signing secret, shown this once (give it to the "
                "provider's receiver): %(secret)s"
            )
            % {"secret": made.secret},
        )

    @admin.action(
        description=_("Rotate the secret of the selected endpoints"),
        permissions=["change"],
    )
    def rotate_secrets(self, request, queryset):
        for endpoint in queryset:
            rotated = webhooks.rotate_secret(endpoint)
            messages.warning(
                request,
                _(
                    "New secret for %(url)s, shown this once (the old one signs too "
                    "until %(until)s): %(secret)s"
                )
                % {
                    "url": rotated.url,
                    "until": beijing_text(rotated.previous_secret_until),
                    "secret": rotated.secret,
                },
            )

    @admin.action(
        description=_("Enable the selected endpoints"), permissions=["change"]
    )
    def enable_endpoints(self, request, queryset):
        for endpoint in queryset:
            webhooks.change_endpoint(endpoint, enabled=True)
        messages.success(request, _("Enabled."))

    @admin.action(
        description=_("Disable the selected endpoints"), permissions=["change"]
    )
    def disable_endpoints(self, request, queryset):
        for endpoint in queryset:
            webhooks.disable(endpoint, EndpointDisabled.BY_STAFF)
        messages.success(request, _("Disabled."))


class AttemptInline(admin.TabularInline):
    model = WebhookAttempt
    fields = ("sent", "answer", "latency_ms", "excerpt", "sent_again_display")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("-started_at", "-id")

    @admin.display(description=_("sent (Beijing time)"))
    def sent(self, obj):
        return beijing_text(obj.started_at)

    @admin.display(description=_("answer"))
    def answer(self, obj):
        return obj.status_code or obj.error

    @admin.display(description=_("sent again"))
    def sent_again_display(self, obj):
        if not obj.sent_again:
            return ""
        if obj.sent_again_by:
            return obj.sent_again_by.get_username()
        return _("by the provider")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ConsoleAdmin):
    paginator = CappedCountPaginator
    show_facets = admin.ShowFacets.NEVER  # facet counts would scan the whole table
    # Six columns that fit beside the console's menu and the filters at 1,280 px:
    # the endpoint by its description (or its address, shortened; the whole address
    # on hover and on the delivery's page) and one time, the one that matters now.
    list_display = (
        "event_display",
        "filing",
        "endpoint_short",
        "status",
        "attempts",
        "when",
    )
    list_filter = ("status", "endpoint__provider")
    search_fields = ("event__filing__reference", "endpoint__url")
    list_select_related = ("event__filing", "endpoint")
    inlines = [AttemptInline]
    actions = ["send_again"]
    fields = readonly_fields = (
        "event_display",
        "filing",
        "endpoint_url",
        "status",
        "attempts",
        "next_attempt",
        "delivered",
    )

    @admin.display(description=_("endpoint"))
    def endpoint_short(self, obj):
        url = obj.endpoint.url
        shown = obj.endpoint.description or Truncator(url.split("://", 1)[-1]).chars(36)
        return format_html('<span title="{}">{}</span>', url, shown)

    @admin.display(description=_("when (Beijing time)"))
    def when(self, obj):
        if obj.delivered_at:
            return _("delivered %(when)s") % {"when": beijing_text(obj.delivered_at)}
        if obj.next_attempt_at and obj.status == DeliveryStatus.PENDING:
            return _("next attempt %(when)s") % {
                "when": beijing_text(obj.next_attempt_at)
            }
        return ""

    @admin.display(description=_("event"))
    def event_display(self, obj):
        return _("%(event)s (no. %(n)d of the filing)") % {
            "event": obj.event.get_event_type_display(),
            "n": obj.event.sequence,
        }

    @admin.display(description=_("filing"))
    def filing(self, obj):
        return obj.event.filing.reference

    @admin.display(description=_("endpoint"))
    def endpoint_url(self, obj):
        return obj.endpoint.url

    @admin.display(description=_("next attempt (Beijing time)"))
    def next_attempt(self, obj):
        return beijing_text(obj.next_attempt_at) if obj.next_attempt_at else ""

    @admin.display(description=_("delivered (Beijing time)"))
    def delivered(self, obj):
        return beijing_text(obj.delivered_at) if obj.delivered_at else ""

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(
        description=_("Send the selected deliveries again now"),
        permissions=["change"],
    )
    def send_again(self, request, queryset):
        sent = sum(
            tasks.send_again_soon(delivery, user=request.user)
            for delivery in queryset.select_related("endpoint")
            if delivery.endpoint.enabled
        )
        messages.success(
            request, _("%(n)d deliveries queued to be sent again.") % {"n": sent}
        )
