"""The domain error hierarchy shared by every app.

Services raise these; the API and the pages map them to responses by class hierarchy
(an `InvalidInput` subclass is a 400, a `Conflict` subclass a 409, ...). Domain code never
knows about HTTP.
"""

from typing import Any

from django.utils.translation import gettext_lazy


class DomainError(Exception):
    code = "domain_error"
    default_message = gettext_lazy("The request could not be carried out.")

    def __init__(self, message: str | None = None, *, details: list[Any] | None = None):
        # Translated now, in the language of the request being served: a plain str from here on.
        self.message = str(message or self.default_message)
        self.details = details or []
        super().__init__(self.message)


class InvalidInput(DomainError):
    code = "invalid"
    default_message = gettext_lazy("The input is not valid.")


class NotFound(DomainError):
    code = "not_found"
    default_message = gettext_lazy("Not found.")


class PermissionDenied(DomainError):
    code = "permission_denied"
    default_message = gettext_lazy("You are not allowed to do this.")


class Conflict(DomainError):
    code = "conflict"
    default_message = gettext_lazy("This conflicts with the current state.")


class PaymentDeclined(DomainError):
    code = "payment_declined"
    default_message = gettext_lazy("The payment was declined.")


class UpstreamError(DomainError):
    """A service we depend on (the card gateway) failed or did not answer: a 502."""

    code = "upstream_error"
    default_message = gettext_lazy("A service this depends on is not answering; try again.")
