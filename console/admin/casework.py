"""The case work's records: macros (made by supervisors), notes and follow-ups."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from console import (
    casework,
    timeline,
)
from console.admin.base import CappedCountPaginator, ReadOnlyAdmin
from console.models import (
    WAITING_STATUSES,
    FollowUp,
    Macro,
    MacroAction,
    MacroStep,
    Note,
)


class MacroStepInline(admin.TabularInline):
    model = MacroStep
    extra = 1
    fields = ("position", "action", "hours")


class MacroForm(forms.ModelForm):
    class Meta:
        model = Macro
        fields = (
            "name_zh",
            "name_en",
            "reason_template",
            "note_template",
            "follow_up_hours",
            "is_active",
            "position",
        )

    def clean(self):
        data = super().clean()
        for name in ("reason_template", "note_template"):
            problem = casework.template_problems(data.get(name, ""))
            if problem:
                self.add_error(name, problem)
                continue
            try:
                casework.check_free_text(data.get(name, ""), required=False)
            except casework.CaseRefused as exc:
                self.add_error(name, str(exc))
        hours = data.get("follow_up_hours")
        if hours is not None and not 1 <= hours <= 24 * 90:
            self.add_error("follow_up_hours", _("Between 1 and 2160 hours (90 days)."))
        return data


class MacroStepFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        steps = [
            f.cleaned_data
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]
        for form in self.forms:
            data = form.cleaned_data
            if not data or data.get("DELETE"):
                continue
            extend = data.get("action") == MacroAction.EXTEND_DEADLINE
            hours = data.get("hours")
            if extend and not (hours and 1 <= hours <= 336):
                form.add_error("hours", _("Extend by 1 to 336 hours."))
            if not extend and hours:
                form.add_error("hours", _("Only “Extend the deadline” takes hours."))
        if not steps:
            raise ValidationError(_("A macro needs at least one override."))


MacroStepInline.formset = MacroStepFormSet  # type: ignore[misc]  # the stubs' ClassVar


@admin.register(Macro)
class MacroAdmin(admin.ModelAdmin):
    """Supervisors define the macros; agents and auditors read them."""

    form = MacroForm
    inlines = [MacroStepInline]
    list_display = (
        "local_name_display",
        "steps_display",
        "follow_up_hours",
        "is_active",
    )
    list_editable = ()
    ordering = ("position", "id")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("steps")

    @admin.display(description=_("name"))
    def local_name_display(self, obj):
        return obj.local_name

    @admin.display(description=_("steps"))
    def steps_display(self, obj):
        return " → ".join(str(s.get_action_display()) for s in obj.steps.all())


@admin.register(Note)
class NoteAdmin(ReadOnlyAdmin):
    list_display = ("written", "filing", "author_display", "text")
    list_select_related = ("filing", "author")
    search_fields = ("=filing__reference",)
    search_help_text = _("A filing reference.")
    show_full_result_count = False
    paginator = CappedCountPaginator
    ordering = ("-id",)
    fields = ("written", "filing", "author_display", "text")
    readonly_fields = fields

    @admin.display(description=_("written (Beijing time)"), ordering="created_at")
    def written(self, obj):
        return timeline.beijing(obj.created_at)

    @admin.display(description=_("author"))
    def author_display(self, obj):
        return obj.author.get_username()


class FollowUpStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("open", _("Open")), ("due", _("Due now")), ("done", _("Done"))]

    def queryset(self, request, queryset):
        open_ = queryset.filter(
            done_at__isnull=True, filing__status__in=WAITING_STATUSES
        )
        if self.value() == "open":
            return open_
        if self.value() == "due":
            return open_.filter(due_at__lte=timezone.now())
        if self.value() == "done":
            return queryset.exclude(pk__in=open_.values("pk"))
        return queryset


@admin.register(FollowUp)
class FollowUpAdmin(ReadOnlyAdmin):
    list_display = ("due", "filing", "note", "set_by", "state")
    list_select_related = ("filing", "created_by", "done_by")
    list_filter = (FollowUpStateFilter,)
    search_fields = ("=filing__reference",)
    search_help_text = _("A filing reference.")
    show_full_result_count = False
    paginator = CappedCountPaginator
    ordering = ("due_at", "id")
    fields = ("due", "filing", "note", "set_by", "state")
    readonly_fields = fields

    @admin.display(description=_("due (Beijing time)"), ordering="due_at")
    def due(self, obj):
        return timeline.beijing(obj.due_at)

    @admin.display(description=_("set by"))
    def set_by(self, obj):
        return obj.created_by.get_username()

    @admin.display(description=_("state"))
    def state(self, obj):
        if obj.done_at and obj.done_by_id is None:
            return _("Closed at %(when)s: the filing is “%(status)s”") % {
                "when": timeline.beijing(obj.done_at),
                "status": obj.filing.get_status_display(),
            }
        if obj.done_at:
            return _("Done by %(who)s at %(when)s") % {
                "who": obj.done_by.get_username() if obj.done_by else "—",
                "when": timeline.beijing(obj.done_at),
            }
        if obj.filing.status not in WAITING_STATUSES:
            return _("Closed: the filing is “%(status)s”") % {
                "status": obj.filing.get_status_display()
            }
        return _("Open")
