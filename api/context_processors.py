"""What the staff console tells a staff user about the API: their webhook endpoints
that were disabled."""

from django.db.models import Q
from django.utils.functional import SimpleLazyObject

from api.models import EndpointDisabled, WebhookEndpoint

TOLD = [EndpointDisabled.GONE, EndpointDisabled.FAILING]


def disabled_endpoints(user):
    """The endpoints the system disabled (410, or failing for days) that `user`
    owns: made by them, or with an API key they made. Endpoints nobody owns are
    told to those who may change endpoints. Told until enabled again or deleted."""
    if not getattr(user, "is_staff", False):
        return []
    owned = Q(created_by=user) | Q(api_key__created_by=user)
    if user.has_perm("api.change_webhookendpoint"):
        owned |= Q(created_by__isnull=True) & (
            Q(api_key__isnull=True) | Q(api_key__created_by__isnull=True)
        )
    return list(
        WebhookEndpoint.objects.filter(owned, disabled_reason__in=TOLD)
        .select_related("provider")
        .order_by("-disabled_at")[:10]
    )


def webhook_notices(request):
    """`webhook_notices`, read only by a page that shows it (the console's)."""
    user = getattr(request, "user", None)
    return {"webhook_notices": SimpleLazyObject(lambda: disabled_endpoints(user))}
