"""What every page's template may read, whichever door serves it. The doors never
read each other's context: what one door shows on another's pages (the demo's clock
and tools) is put here, on the floor that wires the doors together."""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from demo import clock, training
from demo.views import demo_enabled, may_travel
from infra.times import beijing_text, duration_text


def demo(request):
    """`demo_mode` for the pages that link to the demo, `demo_tools`, the demo's
    pages a staff member may open from the console's front page, and `demo_clock`
    for the banner every page shows while the demo runs ahead of the real time."""
    tools = []
    user = getattr(request, "user", None)
    if settings.DEMO_MODE and may_travel(user):
        tools.append(
            {"url": reverse("demo-time-travel"), "label": _("Demo time travel")}
        )
    if training.available() and getattr(user, "is_staff", False):
        tools.append(
            {"url": reverse("demo-training"), "label": _("Training scenarios")}
        )
    return {
        "demo_mode": demo_enabled(),
        "demo_tools": tools,
        "demo_clock": _travelled_clock(user),
    }


def _travelled_clock(user):
    if not settings.DEMO_MODE or not clock.ahead():
        return None
    now = clock.demo_now()
    can_travel = may_travel(user)
    return {
        "now": beijing_text(now),
        "ahead": duration_text(clock.ahead()),
        "url": reverse("demo-time-travel") if can_travel else None,
    }
