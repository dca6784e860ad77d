"""Profile each request a gunicorn worker serves, for the verify bench (bench only).

`ProfileMiddleware` is added in front of the application's middleware when the bench
starts a server with BENCH_PROFILE_DIR set; the sessions are combined per worker and
saved when the worker exits (bench/gunicorn_profile.py), then merged and written as
one call tree (`write_report`).
"""

from pathlib import Path

from pyinstrument import Profiler
from pyinstrument.renderers import ConsoleRenderer
from pyinstrument.session import Session

ROOT = Path(__file__).resolve().parents[1]
collected = None


class ProfileMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        global collected
        profiler = Profiler(interval=0.0005)
        profiler.start()
        try:
            return self.get_response(request)
        finally:
            session = profiler.stop()
            collected = (
                session if collected is None else Session.combine(collected, session)
            )


def write_report(folder, out, title):
    """Merge the workers' sessions in `folder` and write the call tree to `out`."""
    sessions = [Session.load(str(p)) for p in sorted(Path(folder).glob("*.pyisession"))]
    if not sessions:
        Path(out).write_text(f"{title}\n\nNo profile was collected.\n")
        return
    merged = sessions[0]
    for session in sessions[1:]:
        merged = Session.combine(merged, session)
    text = ConsoleRenderer(unicode=True, color=False, show_all=False).render(merged)
    # file names relative to the checkout, as the report is read anywhere
    text = text.replace(f"{ROOT}/", "")
    Path(out).write_text(f"{title}\n\n{text}", encoding="utf-8")
