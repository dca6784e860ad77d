"""Add the three standard macros (the demo ships them) unless they exist."""

from django.core.management.base import BaseCommand
from django.db import transaction

from console.models import Macro, MacroStep

STANDARD_MACROS = [
    {
        "name_zh": "客户没收到短信",
        "name_en": "Customer never got the text",
        "steps": [("resend_code", None)],
        "reason_template": "客户称未收到验证码短信 / The customer says the text never "
        "arrived",
        "note_template": "客户来电：未收到验证码短信。已重发验证码，请在 {deadline} 前完成"
        "核验。/ The customer called: the text never arrived. A new code went out; "
        "they must verify before {deadline}.",
        "follow_up_hours": 2,
    },
    {
        "name_zh": "客户出差：延期24小时",
        "name_en": "Customer travelling: extend 24 h",
        "steps": [("extend_deadline", 24)],
        "reason_template": "客户出差，无法按时核验 / The customer is travelling and "
        "cannot verify in time",
        "note_template": "客户出差，截止时间延后24小时，新截止时间 {deadline}。/ The "
        "customer is travelling: deadline extended by 24 h, to {deadline}.",
        "follow_up_hours": 24,
    },
    {
        "name_zh": "客户要求撤回",
        "name_en": "Customer asks to withdraw",
        "steps": [("cancel", None)],
        "reason_template": "客户要求撤回备案申请 / The customer asked to withdraw the "
        "filing",
        "note_template": "客户来电要求撤回，已取消备案申请。/ The customer called to "
        "withdraw; the filing is cancelled.",
        "follow_up_hours": None,
    },
]


def add_standard_macros():
    """Create the standard macros missing by their English name; return how many."""
    added = 0
    with transaction.atomic():
        for position, spec in enumerate(STANDARD_MACROS, start=1):
            if Macro.objects.filter(name_en=spec["name_en"]).exists():
                continue
            macro = Macro.objects.create(
                name_zh=spec["name_zh"],
                name_en=spec["name_en"],
                reason_template=spec["reason_template"],
                note_template=spec["note_template"],
                follow_up_hours=spec["follow_up_hours"],
                position=position,
            )
            for order, (action, hours) in enumerate(spec["steps"], start=1):
                MacroStep.objects.create(
                    macro=macro, position=order, action=action, hours=hours
                )
            added += 1
    return added


class Command(BaseCommand):
    help = (
        "Add the standard support macros (customer never got the text; customer "
        "travelling: extend 24 h; customer asks to withdraw) unless they exist."
    )

    def handle(self, *args, **options):
        added = add_standard_macros()
        self.stdout.write(
            f"{added} standard macro(s) added; {len(STANDARD_MACROS) - added} "
            "already there."
        )
