"""The domain error hierarchy shared by every app.

Services raise these; the API and the pages map them to responses by class hierarchy
(an `InvalidInput` subclass is a 400, a `Conflict` subclass a 409, ...). Domain code never
knows about HTTP.
"""

from typing import Any


class DomainError(Exception):
    code = "domain_error"
    default_message = "The request could not be carried out."

    def __init__(self, message: str | None = None, *, details: list[Any] | None = None):
        self.message = message or self.default_message
        self.details = details or []
        super().__init__(self.message)


class InvalidInput(DomainError):
    code = "invalid"
    default_message = "The input is not valid."


class NotFound(DomainError):
    code = "not_found"
    default_message = "Not found."


class PermissionDenied(DomainError):
    code = "permission_denied"
    default_message = "You are not allowed to do this."


class Conflict(DomainError):
    code = "conflict"
    default_message = "This conflicts with the current state."


class PaymentDeclined(DomainError):
    code = "payment_declined"
    default_message = "The payment was declined."


class UpstreamError(DomainError):
    """A service we depend on (the card gateway) failed or did not answer: a 502."""

    code = "upstream_error"
    default_message = "A service this depends on is not answering; try again."
