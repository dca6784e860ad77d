"""The provider API's keys in the staff console: a supervisor makes one (shown once),
names it, sees when it was last used, and revokes it."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from api import keys
from api.models import ApiKey
from filings.policies import beijing_text


class NewKeyForm(forms.ModelForm):
    class Meta:
        model = ApiKey
        fields = ["provider", "name"]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
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
