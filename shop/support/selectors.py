"""Reads of service requests for the API and the pages (the account page, the till panel).

Who sees what: staff (clerks and managers) see every ticket, whatever store opened it, since
a customer may bring a web or email request to any store; a customer sees only their own,
and never the staff's internal notes.
"""

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext

from inventory.models import Location
from shop.customers.models import Customer
from shop.orders.models import Order
from shop.staff.roles import is_staff_member
from shop.support.errors import TicketNotFound
from shop.support.models import Ticket, TicketMessage


def _tickets() -> QuerySet[Ticket]:
    return Ticket.objects.select_related("customer", "order", "store", "assignee")


def tickets_for_customer(*, customer: Customer) -> QuerySet[Ticket]:
    """A customer's tickets, last changed first."""
    return _tickets().filter(customer=customer)


def tickets_open_for_customer(*, customer: Customer) -> QuerySet[Ticket]:
    """The customer's tickets still waiting on someone (staff or the customer)."""
    return tickets_for_customer(customer=customer).filter(status__in=Ticket.ACTIVE_STATUSES)


def staff_queue(
    *,
    status: str | None = None,
    store: Location | None = None,
    assignee=None,
    customer: Customer | int | None = None,
) -> QuerySet[Ticket]:
    """Every ticket, last changed first, narrowed by what is given (`assignee` a user or
    its id, `customer` a customer or its id)."""
    tickets = _tickets()
    if status:
        tickets = tickets.filter(status=status)
    if store is not None:
        tickets = tickets.filter(store=store)
    if assignee is not None:
        tickets = tickets.filter(assignee=assignee)
    if customer is not None:
        tickets = tickets.filter(customer=customer)
    return tickets


def ticket_status_counts(*, store: Location | None = None, assignee=None) -> dict[str, int]:
    """How many tickets are in each status (every status listed, 0 if none), narrowed as
    `staff_queue` narrows them; one aggregate query."""
    rows = (
        staff_queue(store=store, assignee=assignee)
        .order_by()
        .values("status")
        .annotate(count=Count("id"))
        .values_list("status", "count")
    )
    return {status: 0 for status in Ticket.Status.values} | dict(rows)


def tickets_visible_to(user, customer: Customer | None = None) -> QuerySet[Ticket]:
    """Staff: every ticket; a customer: their own; anyone else: none."""
    if is_staff_member(user):
        return staff_queue()
    if customer is None:
        return Ticket.objects.none()
    return tickets_for_customer(customer=customer)


def _thread(*, include_internal: bool) -> QuerySet[TicketMessage]:
    messages = TicketMessage.objects.select_related("author").order_by("at", "id")
    return messages if include_internal else messages.filter(internal=False)


def ticket_thread(*, ticket: Ticket, include_internal: bool) -> list[TicketMessage]:
    """The ticket's messages, oldest first; internal notes only for staff."""
    return list(_thread(include_internal=include_internal).filter(ticket=ticket))


def ticket_visible_to(
    user, customer: Customer | None, number: str, *, with_thread: bool = True
) -> Ticket:
    """The ticket `number` if this user may read it, with its thread as they may read it
    (in `thread`). Another customer's ticket is as unknown as one that does not exist."""
    tickets = tickets_visible_to(user, customer)
    if with_thread:
        messages = _thread(include_internal=is_staff_member(user))
        tickets = tickets.prefetch_related(
            Prefetch("messages", queryset=messages, to_attr="thread")
        )
    try:
        return tickets.get(number=number.strip().upper())
    except Ticket.DoesNotExist:
        raise TicketNotFound(
            gettext("No service request %(number)s.") % {"number": number}
        ) from None


def ticket_of_customer(*, customer: Customer | None, number: str) -> Ticket:
    """The customer's own ticket `number` with its thread as they read it (no internal notes),
    whoever the user is: on the shopper's pages staff are customers like anyone."""
    return ticket_visible_to(None, customer, number)


def order_of_customer(*, customer: Customer, number: str) -> Order | None:
    """The customer's order with this number (placed under their account or, as a guest,
    with their email); None for an unknown number or another customer's order."""
    mine = Q(customer=customer)
    if customer.email:
        mine |= Q(customer__isnull=True, email__iexact=customer.email)
    return Order.objects.filter(mine, number=number.strip().upper()).first()


def open_ticket_count(*, customer: Customer) -> int:
    """Tickets of the customer still waiting on someone (the customer card's `open_tickets`)."""
    return customer.tickets.filter(status__in=Ticket.ACTIVE_STATUSES).count()
