"""Service requests at the till: the staff queue, and a request's page where the clerk reads
the whole thread (internal notes too), answers the customer (who is emailed) or adds a note,
takes the request and moves its status.

Clerks see every request, whatever store opened it (a customer may bring a web or email
request to any store); the queue narrows to this store's or to the clerk's own.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from channels_app.idempotency import IdempotencyKeyInProgress
from channels_app.ticket_forms import StaffMessageForm, TicketStatusForm
from channels_app.views.pos.access import pos_view
from channels_app.views.pos.forms import first_error
from channels_app.views.ticket_actions import reply_once
from shop.channels import Channel
from shop.orders.returns import RETURNABLE
from shop.support.models import Ticket
from shop.support.selectors import staff_queue, ticket_status_counts, ticket_visible_to
from shop.support.services import ticket_assign, ticket_set_status

QUEUE_PER_PAGE = 25
#: Whose requests the queue lists: {scope: label}.
SCOPES = {
    "all": gettext_lazy("All stores"),
    "store": gettext_lazy("This store"),
    "mine": gettext_lazy("Assigned to me"),
}
#: The status the queue shows first; "all" lists every status.
DEFAULT_STATUS = Ticket.Status.OPEN
ALL = "all"
#: The button that moves a request to each status.
STATUS_ACTIONS = {
    Ticket.Status.OPEN: gettext_lazy("Reopen"),
    Ticket.Status.WAITING_CUSTOMER: gettext_lazy("Wait for the customer"),
    Ticket.Status.RESOLVED: gettext_lazy("Mark resolved"),
    Ticket.Status.CLOSED: gettext_lazy("Close"),
}


@require_GET
@pos_view
def queue(request, store):
    status = request.GET.get("status", DEFAULT_STATUS)
    if status != ALL and status not in Ticket.Status.values:
        status = DEFAULT_STATUS
    scope = request.GET.get("scope", "all")
    if scope not in SCOPES:
        scope = "all"
    narrow = {
        "store": store if scope == "store" else None,
        "assignee": request.user if scope == "mine" else None,
    }
    tickets = staff_queue(status=None if status == ALL else status, **narrow)
    page = Paginator(tickets, QUEUE_PER_PAGE).get_page(request.GET.get("page"))
    counts = ticket_status_counts(**narrow)
    tabs = [(value, label, counts[value]) for value, label in Ticket.Status.choices]
    tabs.append((ALL, gettext("All"), sum(counts.values())))
    context = {
        "page": page,
        "status": status,
        "scope": scope,
        "scopes": SCOPES,
        "tabs": tabs,
    }
    return render(request, "pos/tickets.html", context)


def _ticket(request, number: str, *, with_thread: bool = True) -> Ticket:
    """The request with its whole thread as staff read it (internal notes included)."""
    return ticket_visible_to(request.user, None, number, with_thread=with_thread)


def _render_ticket(request, ticket: Ticket, form: StaffMessageForm, *, status: int = 200):
    context = {
        "ticket": ticket,
        "form": form,
        "next_statuses": [
            (status, label)
            for status, label in STATUS_ACTIONS.items()
            if status in Ticket.TRANSITIONS[ticket.status]
        ],
        "returnable": RETURNABLE,
        "mine": ticket.assignee_id == request.user.pk,
    }
    return render(request, "pos/ticket.html", context, status=status)


@require_GET
@pos_view
def ticket(request, store, number: str):
    form = StaffMessageForm(initial={"kind": StaffMessageForm.REPLY})
    return _render_ticket(request, _ticket(request, number), form)


@require_POST
@pos_view
def ticket_message(request, store, number: str):
    """A reply (emailed to the customer by the service) or an internal note."""
    ticket = _ticket(request, number, with_thread=False)
    form = StaffMessageForm(request.POST)
    if form.is_valid():
        try:
            sent = reply_once(
                request, form, ticket=ticket, channel=Channel.POS, internal=form.internal
            )
        except IdempotencyKeyInProgress:
            return redirect("pos:ticket", number=ticket.number)
        if sent:
            if form.internal:
                messages.success(request, gettext("Internal note added."))
            elif ticket.customer.email:
                messages.success(
                    request,
                    gettext("Reply sent: %(email)s gets it by email.")
                    % {"email": ticket.customer.email},
                )
            else:
                messages.success(
                    request, gettext("Reply added. The customer has no email: tell them.")
                )
            return redirect("pos:ticket", number=ticket.number)
    return _render_ticket(request, _ticket(request, number), form, status=400)


@require_POST
@pos_view
def ticket_status(request, store, number: str):
    ticket = _ticket(request, number, with_thread=False)
    form = TicketStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, first_error(form))
        return redirect("pos:ticket", number=ticket.number)
    ticket = ticket_set_status(
        ticket=ticket, status=form.cleaned_data["status"], channel=Channel.POS, user=request.user
    )
    messages.success(
        request,
        gettext("Request %(number)s: %(lower)s.")
        % {"number": ticket.number, "lower": ticket.get_status_display().lower()},
    )
    return redirect("pos:ticket", number=ticket.number)


@require_POST
@pos_view
def ticket_take(request, store, number: str):
    """The clerk takes the request (it shows under "Assigned to me"), or lets it go."""
    ticket = _ticket(request, number, with_thread=False)
    release = request.POST.get("release") == "1"
    ticket_assign(ticket=ticket, assignee=None if release else request.user)
    messages.success(
        request, gettext("Request released.") if release else gettext("The request is yours.")
    )
    return redirect("pos:ticket", number=ticket.number)
