from django.utils.translation import gettext_lazy

from shop.errors import Conflict, InvalidInput, NotFound


class TicketNotFound(NotFound):
    code = "not_found"
    default_message = gettext_lazy("No such service request.")


class TicketStatusConflict(Conflict):
    code = "ticket_status"
    default_message = gettext_lazy("The service request is not in a state that allows this.")


class InvalidEmail(InvalidInput):
    """An inbound email that cannot become a message: no sender, no text, not an email."""

    code = "invalid_email"
    default_message = gettext_lazy("The email could not be read.")
