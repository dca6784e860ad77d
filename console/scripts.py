"""Answer scripts (答复口径): the words an agent reads to a customer, written by
supervisors in Chinese and English for a situation, a work queue reason or a MIIT
status code, offered on the filing page where they fit, copied with one click.

Every change is a new version, kept whole (`AnswerScriptVersion`); each copy is
counted with the version copied (`AnswerScriptUse`).
"""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from console import next_step, queue
from console.models import (
    AnswerScript,
    AnswerScriptUse,
    AnswerScriptVersion,
    ScriptKey,
)
from verification import messages as miit

WORDS = ("title_zh", "title_en", "text_zh", "text_en")
# The queue reason each situation puts a filing under, where one does.
QUEUE_REASON_OF = {
    "text_undelivered": queue.TEXT_FAILED,
    "one_failure_left": queue.ONE_FROM_LIMIT,
    "deadline_soon": queue.DEADLINE_SOON,
    "expired": queue.RETURNED,
    "returned": queue.RETURNED,
}


# Each situation of "What to do now" (console.next_step), as staff read it.
SITUATION_LABELS = {
    "text_undelivered": _("The last text did not reach the phone"),
    "wrong_page": _("The applicant tried the wrong page"),
    "resend_cap_reached": _("Every resend the policy allows is used"),
    "one_failure_left": _("One wrong entry from the limit"),
    "deadline_soon": _("The deadline is near"),
    "expired": _("Returned: the deadline passed"),
    "returned": _("Returned to the provider"),
}


def known_keys(kind):
    """The keys a script of `kind` may have: [(key, label)]."""
    if kind == ScriptKey.SITUATION:
        return [(name, SITUATION_LABELS[name]) for name in next_step.SITUATIONS]
    if kind == ScriptKey.QUEUE_REASON:
        return list(queue.REASONS)
    labels = {**miit.RESEND_ANSWERS, **miit.VERIFY_ANSWERS}
    return [
        (str(code), _("%(code)d: %(zh)s") % {"code": code, "zh": labels[code].zh})
        for code in sorted(labels)
    ]


def key_choices():
    """Every key of every kind, grouped by kind, for the script's form."""
    return [("", "—")] + [
        (kind.label, [(f"{kind}:{key}", label) for key, label in known_keys(kind)])
        for kind in ScriptKey
    ]


def key_label(kind, key):
    """The key as staff read it."""
    return dict(known_keys(kind)).get(key, "—")


def save_script(script, user):
    """Save `script` as `user` wrote it: a new one is version 1; a change to its
    words is the next version; either way that version is kept whole."""
    with transaction.atomic():
        if script.pk is None:
            script.version = 1
            script.save()
        else:
            before = AnswerScript.objects.select_for_update().get(pk=script.pk)
            changed = any(getattr(before, w) != getattr(script, w) for w in WORDS)
            script.version = before.version + (1 if changed else 0)
            script.save()
            if not changed:
                return script
        AnswerScriptVersion.objects.create(
            script=script,
            version=script.version,
            written_by=user,
            **{w: getattr(script, w) for w in WORDS},
        )
    return script


def count_use(script, filing, user):
    """`user` copied `script` on `filing`'s page."""
    return AnswerScriptUse.objects.create(
        script=script, version=script.version, filing=filing, user=user
    )


def keys_for(story):
    """What the filing's state is keyed by now: {(kind, key)}."""
    keys = set()
    for step in next_step.all_steps(story):
        keys.add((ScriptKey.SITUATION, step.situation))
        if step.situation in QUEUE_REASON_OF:
            keys.add((ScriptKey.QUEUE_REASON, QUEUE_REASON_OF[step.situation]))
    latest = {}
    for attempt in story.attempts:  # newest first
        latest.setdefault(attempt.verification_id or attempt.mobile, attempt.status)
    keys.update((ScriptKey.MIIT_STATUS, str(status)) for status in latest.values())
    return keys


def offered(story):
    """The offered scripts that fit the filing's state, those for the most pressing
    situation first. (How often each was copied is the scripts' list's to say: a
    count here would read every copy ever made on every filing page view.)"""
    keys = keys_for(story)
    # Every offered script in one query (a desk has dozens), whatever the keys are,
    # so the page's query count does not depend on the filing's history.
    found = AnswerScript.objects.filter(is_active=True).order_by("id")
    first = next_step.next_step(story)
    fitting = [s for s in found if (s.key_kind, s.key) in keys]
    return sorted(
        fitting,
        key=lambda s: (not (first and s.key == first.situation), s.key_kind, s.id),
    )
