"""Whose records a request may read: every access provider's (the administration,
the applicants' pages, the provider API, the workers), or one provider's (that
provider's support team in the console).

The scope is a context variable. The console sets it around each page for a
provider's staff (`provider_scope`); the default manager of every record that
belongs to a provider (`ProviderScopedManager`, with the model's `scoped_by` rule)
then leaves out every other provider's rows, in lists, searches, related records and
`get()` alike, so that another provider's record is not found (a 404) rather than
forbidden. Tasks always run unscoped, even when run at once inside a scoped page
(`ImmediateBackend`): a sweep or a dispatch is everyone's.
"""

import contextlib
import contextvars
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.core.exceptions import ImproperlyConfigured, ObjectDoesNotExist
from django.db import models
from django.db.models import Q
from django.tasks.backends.immediate import ImmediateBackend as DjangoImmediateBackend

# The id of the provider in scope; None: everyone's records.
_provider: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "icpportal_provider_scope", default=None
)


@contextlib.contextmanager
def provider_scope(provider_id: int | None) -> Iterator[None]:
    """Within this block, read only the records of the provider `provider_id`
    (None: everyone's)."""
    token = _provider.set(provider_id)
    try:
        yield
    finally:
        _provider.reset(token)


def provider_in_scope() -> int | None:
    """The id of the provider whose records alone are read now, or None."""
    return _provider.get()


# The attribute of a logged-in user that holds the id of the provider they are staff
# of, or None; set by the login backend (settings.AUTHENTICATION_BACKENDS).
SCOPE_ATTRIBUTE = "scoped_provider_id"


def provider_of(user: Any) -> int | None:
    """The id of the provider whose records alone `user` may read, or None.
    A logged-in user whose backend did not say is refused: never everyone's."""
    if not getattr(user, "is_authenticated", False):
        return None
    if not hasattr(user, SCOPE_ATTRIBUTE):
        raise ImproperlyConfigured(
            "A login whose backend does not say whose staff it is: use the "
            "console's login backend (console.staff.StaffBackend)."
        )
    provider_id: int | None = getattr(user, SCOPE_ATTRIBUTE)
    return provider_id


def kept_in_scope[T](items: Iterable[T], provider_id: int | None) -> Iterator[T]:
    """`items`, each one drawn within the scope of `provider_id`: for a streamed
    answer, whose rows are read after its view has returned."""
    iterator = iter(items)
    while True:
        with provider_scope(provider_id):
            try:
                item = next(iterator)
            except StopIteration:
                return
        yield item


def answer_in_scope(
    view: Callable[..., Any], request: Any, *args: Any, **kwargs: Any
) -> Any:
    """The view's answer to `request`, read within its reader's provider scope: the
    answer is drawn in the scope too (a template's or a stream's rows are read
    after the view returns)."""
    provider_id = provider_of(request.user)
    with provider_scope(provider_id):
        response = view(request, *args, **kwargs)
        if callable(getattr(response, "render", None)) and not response.is_rendered:
            response.render()
    if response.streaming:
        response.streaming_content = kept_in_scope(
            response.streaming_content, provider_id
        )
    return response


def staff_provider_id(user: Any) -> int | None:
    """The id of the provider whose staff `user` is, read from their staff
    membership (the login's `membership`): for another login than the reader's."""
    try:
        provider_id: int | None = user.membership.provider_id
    except ObjectDoesNotExist:
        return None
    return provider_id


# The staff logins of the provider in scope: `users` (a queryset of logins) kept to
# those whose staff membership (console.models.StaffMembership, the logins'
# `membership`) names it.
def staff_in_scope[Q_: models.QuerySet[Any]](users: Q_) -> Q_:
    """`users`, only the provider's own staff within a provider's scope."""
    provider_id = _provider.get()
    if provider_id is None:
        return users
    return users.filter(membership__provider_id=provider_id)


# A model's rule: the lookup that holds its provider's id ("filing__provider_id"),
# or a function of the provider's id that returns the condition.
ScopeRule = str | Callable[[int], Q]


def scope_condition(model: type[models.Model], provider_id: int) -> Q:
    """The condition that keeps the rows of `model` belonging to `provider_id`."""
    rule: ScopeRule | None = getattr(model, "scoped_by", None)
    if rule is None:
        raise ImproperlyConfigured(
            f"{model.__name__} has a provider-scoped manager but no `scoped_by` rule."
        )
    return rule(provider_id) if callable(rule) else Q(**{rule: provider_id})


class ProviderScopedManager[M: models.Model](models.Manager[M]):
    """The default manager of a record that belongs to an access provider: within a
    provider's scope, only that provider's rows (the model's `scoped_by` rule)."""

    def get_queryset(self) -> models.QuerySet[M]:
        queryset = super().get_queryset()
        provider_id = _provider.get()
        if provider_id is None:
            return queryset
        return queryset.filter(scope_condition(self.model, provider_id))


class ImmediateBackend(DjangoImmediateBackend):
    """Django's immediate task backend, each task run unscoped."""

    def _execute_task(self, task_result: Any) -> Any:
        with provider_scope(None):
            return super()._execute_task(task_result)  # type: ignore[misc]
