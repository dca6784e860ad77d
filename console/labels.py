"""How staff read the people of a filing, staff members, provinces and pages: one
place for each such label, in the active language."""

from django.utils import translation
from django.utils.translation import gettext as _

from filings.models import Province, Role
from filings.privacy import show_mobile

STAFF_GROUPS = ("Supervisor", "Support agent", "Auditor")


def group_label(name):
    """A staff group's name in the active language."""
    return {
        "Supervisor": _("Supervisor"),
        "Support agent": _("Support agent"),
        "Auditor": _("Auditor"),
    }.get(name, name)


def staff_label(user):
    """'Supervisor wang': the user's group (the most senior one) and login name."""
    if user is None:
        return _("A staff member")
    groups = {g.name for g in user.groups.all()}
    for name in STAFF_GROUPS:
        if name in groups:
            return f"{group_label(name)} {user.get_username()}"
    return _("Staff member %(name)s") % {"name": user.get_username()}


# Province names are reference data the console cannot change: read once per process
# (and again while there are none, as in a database being set up).
_PROVINCE_NAMES: dict[str, str] = {}


def province_name(code):
    """A province's name in the active language, from its code."""
    if not _PROVINCE_NAMES:
        for known, zh, en in Province.objects.values_list("code", "name_zh", "name_en"):
            _PROVINCE_NAMES[known] = (zh, en)
    zh, en = _PROVINCE_NAMES.get(code, (code, code))
    return en if (translation.get_language() or "").startswith("en") else zh


def channel_label(channel):
    """Where an attempt was made: the MIIT page or a province's page."""
    if channel.startswith("p:"):
        return _("the %(province)s page") % {"province": province_name(channel[2:])}
    return _("the MIIT page")


def roles_text(roles):
    return " + ".join(str(Role(role).label) for role in roles)


def person_text(verification):
    """'Entity leader (138****8000)'."""
    if verification is None:
        return _("Someone")
    return _("%(roles)s (%(mobile)s)") % {
        "roles": roles_text(verification.roles),
        "mobile": show_mobile(verification.mobile),
    }


def ordinal_failures(n, limit):
    return _("failure %(n)d of %(limit)d in a row") % {"n": n, "limit": limit}
