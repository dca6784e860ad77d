"""A real `db_worker` process that dies (os._exit, as abrupt as SIGKILL) at one step
boundary of the text or webhook path, named by CRASH_AT; with CRASH_AT empty it runs
every queued task that is due and exits, as `db_worker --batch` does.

Run as a script by tests/hardening/test_crash_points.py; each step is where a real
deployment loses a worker sooner or later.
"""

import os
import sys

import django

DIED = 9


def _die():
    sys.stdout.flush()
    os._exit(DIED)


def _always(*args):
    return True


def _is_code(message_or_id, *args):
    """Only a verification code's send dies (the notifications go first)."""
    from verification.models import SmsKind, SmsMessage

    pk = getattr(message_or_id, "pk", message_or_id)
    return SmsMessage.objects.get(pk=pk).kind == SmsKind.VERIFICATION_CODE


def _before(module, name, when=_always):
    original = getattr(module, name)

    def wrapper(*args, **kwargs):
        if when(*args):
            _die()
        return original(*args, **kwargs)

    setattr(module, name, wrapper)


def _after(module, name, when=_always):
    original = getattr(module, name)

    def wrapper(*args, **kwargs):
        result = original(*args, **kwargs)
        if when(*args):
            _die()
        return result

    setattr(module, name, wrapper)


def install(point):
    """Arm the crash at `point` (see CRASH_POINTS in the test)."""
    from integrations import webhooks
    from tests.hardening import phone_backend
    from verification import tasks

    arms = {
        # The text path (verification.tasks).
        "sms:task_claimed": lambda: _before(tasks, "_claim", _is_code),
        "sms:sending": lambda: _after(tasks, "_claim", _is_code),
        "sms:gateway_answered": lambda: setattr(phone_backend, "DIE_AFTER_CODE", True),
        "sms:before_sent": lambda: _before(tasks, "_record_outcome", _is_code),
        "sms:after_sent": lambda: _after(tasks, "_record_outcome", _is_code),
        # The webhook path (integrations.webhooks).
        "webhook:task_claimed": lambda: _before(webhooks, "_claim"),
        "webhook:sending": lambda: _after(webhooks, "_claim"),
        "webhook:receiver_answered": lambda: _before(webhooks, "_settle"),
        "webhook:after_settled": lambda: _after(webhooks, "_settle"),
    }
    arms[point]()


if __name__ == "__main__":
    sys.path.insert(0, os.getcwd())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "icpportal.settings")
    django.setup()
    if os.environ.get("CRASH_AT"):
        install(os.environ["CRASH_AT"])
    from django.core.management import call_command

    call_command(
        "db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0
    )
