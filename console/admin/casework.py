"""The case work's records: macros, answer scripts (made by supervisors), notes,
follow-ups and escalations."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from console import (
    casework,
    labels,
    scripts,
    timeline,
)
from console.admin.base import (
    CappedCountPaginator,
    ConsoleAdmin,
    OwnedByTeam,
    ReadOnlyAdmin,
)
from console.models import (
    WAITING_STATUSES,
    AnswerScript,
    AnswerScriptVersion,
    Escalation,
    FollowUp,
    Macro,
    MacroAction,
    MacroStep,
    Note,
    ScriptKey,
)
from infra import scope


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
class MacroAdmin(OwnedByTeam, ConsoleAdmin):
    """Supervisors define the macros; agents and auditors read them."""

    form = MacroForm
    inlines = [MacroStepInline]
    list_display = (
        "local_name_display",
        "steps_display",
        "follow_up_hours",
        "is_active",
        "team_display",
    )
    list_editable = ()
    ordering = ("position", "id")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related("steps")
            .select_related("provider")
        )

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


class AnswerScriptForm(forms.ModelForm):
    which = forms.ChoiceField(
        label=_("for"),
        choices=scripts.key_choices,
        help_text=_(
            "The situation of “What to do now”, the work queue reason or the MIIT "
            "status code the answer is for."
        ),
    )

    class Meta:
        model = AnswerScript
        fields = ("title_zh", "title_en", "text_zh", "text_en", "is_active")
        widgets = {
            "title_en": forms.TextInput(attrs={"lang": "en", "size": 60}),
            "title_zh": forms.TextInput(attrs={"lang": "zh-Hans", "size": 60}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_fields(["which", *self.Meta.fields])
        if self.instance.pk:
            self.initial["which"] = f"{self.instance.key_kind}:{self.instance.key}"

    def clean(self):
        data = super().clean()
        kind, _sep, key = (data.get("which") or "").partition(":")
        known = dict(scripts.known_keys(kind)) if kind in ScriptKey.values else {}
        if key in known:
            self.instance.key_kind, self.instance.key = kind, key
        else:
            self.add_error("which", _("Choose what the answer is for."))
        for name in ("title_zh", "title_en", "text_zh", "text_en"):
            try:
                casework.check_free_text(data.get(name, ""), required=False)
            except casework.CaseRefused as exc:
                self.add_error(name, str(exc))
        return data


class AnswerScriptVersionInline(admin.TabularInline):
    model = AnswerScriptVersion
    extra = 0
    can_delete = False
    fields = ("version", "written", "written_by", "words_zh", "words_en")
    readonly_fields = fields
    ordering = ("-version",)
    verbose_name_plural = _("earlier versions (newest first)")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("written (Beijing time)"))
    def written(self, obj):
        return timeline.beijing(obj.written_at)

    @admin.display(description=_("answer (Chinese)"))
    def words_zh(self, obj):
        return format_html(
            '<span lang="zh-Hans"><strong>{}</strong><br>{}</span>',
            obj.title_zh,
            obj.text_zh,
        )

    @admin.display(description=_("answer (English)"))
    def words_en(self, obj):
        return format_html(
            '<span lang="en"><strong>{}</strong><br>{}</span>',
            obj.title_en,
            obj.text_en,
        )


def _uses_in_scope():
    """The copies a reader may count: their own provider's, or everyone's."""
    provider_id = scope.provider_in_scope()
    return Q() if provider_id is None else Q(uses__filing__provider_id=provider_id)


@admin.register(AnswerScript)
class AnswerScriptAdmin(OwnedByTeam, ConsoleAdmin):
    """Supervisors write the answers; everyone reads them. Every change is kept as
    a version (`console.scripts.save_script`); a script is withdrawn by no longer
    offering it, never deleted."""

    form = AnswerScriptForm
    inlines = [AnswerScriptVersionInline]
    list_display = (
        "local_title_display",
        "key_kind",
        "key_display",
        "version",
        "copied",
        "team_display",
    )
    list_filter = ("key_kind", "is_active")
    search_fields = ("title_zh", "title_en")
    ordering = ("key_kind", "key", "id")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(copied_count=Count("uses", filter=_uses_in_scope()))
            .select_related("provider")
        )

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        scripts.save_script(obj, request.user)

    @admin.display(description=_("title"))
    def local_title_display(self, obj):
        return obj.local_title

    @admin.display(description=_("which"))
    def key_display(self, obj):
        return scripts.key_label(obj.key_kind, obj.key)

    @admin.display(description=_("copied"), ordering="copied_count")
    def copied(self, obj):
        return obj.copied_count


@admin.register(Escalation)
class EscalationAdmin(ReadOnlyAdmin):
    """Every request for a supervisor, answered or not; supervisors answer them on
    their own page (linked from the work queue)."""

    list_display = ("asked", "filing", "action", "asked_by_name", "status", "answer")
    list_filter = ("status", "action")
    list_select_related = ("filing", "asked_by", "answered_by")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related("asked_by__groups", "answered_by__groups")
        )

    search_fields = ("=filing__reference",)
    search_help_text = _("A filing reference.")
    show_full_result_count = False
    paginator = CappedCountPaginator
    ordering = ("-asked_at", "-id")
    fields = (
        "asked",
        "filing",
        "action",
        "hours",
        "reason",
        "asked_by_name",
        "status",
        "answered_by_name",
        "answered",
        "answer",
    )
    readonly_fields = fields

    @admin.display(description=_("asked (Beijing time)"), ordering="asked_at")
    def asked(self, obj):
        return timeline.beijing(obj.asked_at)

    @admin.display(description=_("answered (Beijing time)"))
    def answered(self, obj):
        return timeline.beijing(obj.answered_at) if obj.answered_at else "—"

    @admin.display(description=_("asked by"))
    def asked_by_name(self, obj):
        return labels.staff_label(obj.asked_by)

    @admin.display(description=_("answered by"))
    def answered_by_name(self, obj):
        return labels.staff_label(obj.answered_by) if obj.answered_by else "—"
