"""`manage.py db_worker` that is killed (SIGKILL, by itself) right after it takes its
first text's task and before it touches the text: the task row is left "running" and
the text "queued", with no worker alive to send it. The rehearsal runs it as the only
worker; the sweep must queue the text again and reap the row.

Writes the text's id to REHEARSAL_STRANDED_FILE just before it dies.
"""

import os
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django  # noqa: E402

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "icpportal.settings")
    django.setup()
    from django.core.management import call_command

    from verification import tasks

    def killed_after_the_claim(message_id, *backend):
        Path(os.environ["REHEARSAL_STRANDED_FILE"]).write_text(f"{message_id}\n")
        os.kill(os.getpid(), signal.SIGKILL)

    tasks._claim = killed_after_the_claim
    call_command("db_worker", *sys.argv[1:])
