"""What the shopper's and the clerk's service-request pages do with a valid form: open a
request or write a message through `shop.support.services`, once per form key (a double
submit does it once), with the service's refusal put back on the form."""

from collections.abc import Callable

from channels_app.idempotency import IdempotencyKeyInProgress, run_form_once
from channels_app.ticket_forms import TicketMessageForm, TicketOpenForm
from shop.errors import DomainError, InvalidInput
from shop.support.models import Ticket
from shop.support.services import ticket_open, ticket_reply


def submit_once(request, form: TicketMessageForm, fn: Callable[[], dict]) -> dict | None:
    """Runs `fn` once for the form's key and returns its result; None when the service
    refused, with its error on the form. Raises `IdempotencyKeyInProgress` while the first
    submit of the same form is still running."""
    try:
        return run_form_once(request, key=form.cleaned_data["idempotency_key"].strip(), fn=fn)
    except IdempotencyKeyInProgress:
        raise
    except InvalidInput as error:
        named = [d for d in error.details if isinstance(d, str) and d in form.fields]
        form.add_error(named[0] if named else None, error.message)
    except DomainError as error:
        form.add_error(None, error.message)
    return None


def open_once(request, form: TicketOpenForm, *, channel: str, customer=None, store=None):
    """Opens the request of a valid form: the customer's (written by the signed-in user: the
    shopper, or the clerk on their behalf), else that of the form's email. Its number, or
    None."""
    data = form.cleaned_data

    def open_ticket() -> dict:
        ticket = ticket_open(
            customer=customer,
            email=data.get("email", ""),
            subject=data["subject"],
            body=data["body"],
            channel=channel,
            author=request.user if request.user.is_authenticated else None,
            order_number=data.get("order") or None,
            store=store,
        )
        return {"ticket": ticket.number}

    result = submit_once(request, form, open_ticket)
    return result["ticket"] if result else None


def reply_once(
    request, form: TicketMessageForm, *, ticket: Ticket, channel: str, internal: bool = False
) -> bool:
    """Adds the form's message to the ticket, written by the signed-in user; whether it did."""

    def write() -> dict:
        message = ticket_reply(
            ticket=ticket,
            body=form.cleaned_data["body"],
            channel=channel,
            author=request.user,
            internal=internal,
        )
        return {"message": message.pk}

    return submit_once(request, form, write) is not None
