from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from demo import training
from demo.views import demo_enabled


def demo(request):
    """`demo_mode` for the pages that link to the demo, and `demo_tools`, the demo's
    pages a staff member may open from the console's front page."""
    tools = []
    user = getattr(request, "user", None)
    if settings.DEMO_MODE and user is not None and user.has_perm("filings.time_travel"):
        tools.append(
            {"url": reverse("demo-time-travel"), "label": _("Demo time travel")}
        )
    if training.available() and getattr(user, "is_staff", False):
        tools.append(
            {"url": reverse("demo-training"), "label": _("Training scenarios")}
        )
    return {"demo_mode": demo_enabled(), "demo_tools": tools}
