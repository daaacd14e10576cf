"""Service requests: opening a ticket, its messages and its status.

Every change writes the customer's timeline in the same transaction. Status moves are one
conditional UPDATE each, so two staff members (or a reply and a status change) cannot both
move the same ticket from a state it has already left. A staff member's public reply is
emailed to the customer through the outbox (`shop.support.emails`).
"""

import secrets
from email.utils import make_msgid

from django.conf import settings
from django.db import transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone
from django.utils.translation import gettext

from inventory.models import Location
from shop.customers.models import Customer, CustomerEvent
from shop.customers.services import customer_event_record, customer_get_or_create
from shop.errors import InvalidInput, PermissionDenied
from shop.orders.services import NUMBER_ALPHABET
from shop.staff.roles import clerk_store, is_staff_member
from shop.support.emails import reply_email_enqueue
from shop.support.errors import TicketStatusConflict
from shop.support.models import MESSAGE_CHANNELS, Ticket, TicketMessage
from shop.support.selectors import order_of_customer

Status = Ticket.Status
SUBJECT_LENGTH = Ticket._meta.get_field("subject").max_length


def ticket_number_new() -> str:
    """A short, unguessable number such as `T-7K2M9Q`."""
    while True:
        number = "T-" + "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(6))
        if not Ticket.objects.filter(number=number).exists():
            return number


def _clean_subject(subject: str) -> str:
    subject = " ".join(subject.split())
    if not subject:
        raise InvalidInput(gettext("A subject is needed."), details=["subject"])
    return subject[:SUBJECT_LENGTH]


def _clean_body(body: str) -> str:
    body = body.strip()
    if not body:
        raise InvalidInput(gettext("The message is empty."), details=["body"])
    return body


def _event(ticket: Ticket, kind: str, channel: str, *, by=None, **payload) -> None:
    """A timeline entry at the store of the clerk who acted, else the ticket's store."""
    customer_event_record(
        customer=ticket.customer,
        kind=kind,
        channel=channel,
        store=clerk_store(by) or ticket.store,
        payload={"ticket": ticket.number, **payload},
    )


def _message_add(
    ticket: Ticket,
    *,
    body: str,
    channel: str,
    author=None,
    author_email: str = "",
    internal: bool = False,
    message_id: str = "",
) -> TicketMessage:
    if channel not in MESSAGE_CHANNELS:
        raise ValueError(f"A ticket message cannot be written on channel {channel!r}")
    if not author_email and author is not None:
        author_email = author.email
    return TicketMessage.objects.create(
        ticket=ticket,
        body=_clean_body(body),
        channel=channel,
        author=author,
        author_email=author_email,
        internal=internal,
        message_id=message_id,
    )


@transaction.atomic
def ticket_open(
    *,
    subject: str,
    body: str,
    channel: str,
    customer: Customer | None = None,
    email: str = "",
    name: str = "",
    author=None,
    author_email: str = "",
    order_number: str | None = None,
    store: Location | None = None,
    message_id: str = "",
) -> Ticket:
    """Opens a ticket with its first message for `customer`, or for the customer known by
    `email` (created on first sight: a guest, an email sender). `author` is the signed-in
    shopper or the staff member writing on the customer's behalf (at the till: channel pos,
    `store` theirs). `order_number` must be one of the customer's orders."""
    if customer is None:
        customer = customer_get_or_create(email=email, name=name)
    order = None
    if order_number:
        order = order_of_customer(customer=customer, number=order_number)
        if order is None:  # unknown and someone else's read the same: no order is revealed
            raise InvalidInput(
                gettext("No order %(order_number)s for this customer.")
                % {"order_number": order_number},
                details=["order"],
            )
    ticket = Ticket.objects.create(
        number=ticket_number_new(),
        customer=customer,
        order=order,
        subject=_clean_subject(subject),
        opened_channel=channel,
        store=store,
        reply_token=secrets.token_hex(16),
    )
    message = _message_add(
        ticket,
        body=body,
        channel=channel,
        author=author,
        author_email=author_email or (customer.email if author is None else ""),
        message_id=message_id,
    )
    _event(
        ticket,
        CustomerEvent.Kind.TICKET_OPENED,
        channel,
        by=author,
        subject=ticket.subject,
        order=order.number if order else None,
        message=message.pk,
    )
    return ticket


def _status_after_reply(*, staff: bool, internal: bool):
    """What a reply does to the status: a staff answer waits for the customer, a customer's
    message on a waiting or resolved ticket reopens it, a staff note changes nothing."""
    if staff:
        return F("status") if internal else Value(Status.WAITING_CUSTOMER)
    return Case(
        When(status__in=[Status.WAITING_CUSTOMER, Status.RESOLVED], then=Value(Status.OPEN)),
        default=F("status"),
    )


@transaction.atomic
def ticket_reply(
    *,
    ticket: Ticket,
    body: str,
    channel: str,
    author=None,
    author_email: str = "",
    internal: bool = False,
    message_id: str = "",
) -> TicketMessage:
    """Adds a message to an open ticket. `author` None is the customer writing without an
    account (email); a staff author's public reply is emailed to the customer with the
    ticket's reply address and thread headers. A closed ticket takes no messages."""
    staff = is_staff_member(author)
    if internal and not staff:
        raise PermissionDenied(gettext("Only staff may write internal notes."))
    moved = (
        Ticket.objects.filter(pk=ticket.pk)
        .exclude(status=Status.CLOSED)
        .update(
            status=_status_after_reply(staff=staff, internal=internal), updated_at=timezone.now()
        )
    )
    ticket.refresh_from_db(fields=["status", "updated_at"])
    if not moved:
        raise TicketStatusConflict(
            gettext("Service request %(number)s is closed.") % {"number": ticket.number},
            details=[{"ticket": ticket.number, "status": ticket.status}],
        )
    emailed = staff and not internal
    if emailed:
        message_id = make_msgid(idstring="ticket", domain=settings.SUPPORT_REPLY_DOMAIN)
    message = _message_add(
        ticket,
        body=body,
        channel=channel,
        author=author,
        author_email=author_email,
        internal=internal,
        message_id=message_id,
    )
    if emailed:
        reply_email_enqueue(ticket=ticket, message=message)
    # A staff note is a kind of its own, which only staff see on the timeline.
    _event(
        ticket,
        CustomerEvent.Kind.TICKET_NOTE if internal else CustomerEvent.Kind.TICKET_MESSAGE,
        channel,
        by=author,
        message=message.pk,
        staff=staff,
        status=ticket.status,
    )
    return message


@transaction.atomic
def ticket_set_status(*, ticket: Ticket, status: str, channel: str, user=None) -> Ticket:
    """Moves the ticket to `status` if `Ticket.TRANSITIONS` allows it from where it is.
    Asking for the status it already has changes nothing (a retried request)."""
    if status not in Status.values:
        raise InvalidInput(
            gettext("Unknown status %(status)s.") % {"status": f"{status!r}"}, details=["status"]
        )
    allowed_from = [before for before, after in Ticket.TRANSITIONS.items() if status in after]
    moved = Ticket.objects.filter(pk=ticket.pk, status__in=allowed_from).update(
        status=status, updated_at=timezone.now()
    )
    ticket.refresh_from_db(fields=["status", "updated_at"])
    if not moved:
        if ticket.status == status:
            return ticket
        raise TicketStatusConflict(
            gettext("Service request %(number)s is %(lower)s; it cannot become %(lower2)s.")
            % {
                "number": ticket.number,
                "lower": ticket.get_status_display().lower(),
                "lower2": Status(status).label.lower(),
            },
            details=[{"ticket": ticket.number, "status": ticket.status}],
        )
    _event(ticket, CustomerEvent.Kind.TICKET_STATUS, channel, by=user, status=status)
    return ticket


@transaction.atomic
def ticket_assign(*, ticket: Ticket, assignee=None) -> Ticket:
    """Gives the ticket to a staff member (None: to no one)."""
    if assignee is not None and not is_staff_member(assignee):
        raise InvalidInput(
            gettext("Tickets are assigned to staff members only."), details=["assignee"]
        )
    Ticket.objects.filter(pk=ticket.pk).update(assignee=assignee, updated_at=timezone.now())
    ticket.assignee = assignee
    ticket.refresh_from_db(fields=["updated_at"])
    return ticket
