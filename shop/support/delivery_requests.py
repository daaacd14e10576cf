""" "Deliver it instead": a customer whose click-and-collect line was cancelled at the pickup
desk (no unit left anywhere) asks for it to be delivered to an address they confirm.

This opens a service request on the order for staff to arrange (re-order, ship or refund), in
the staff queue like any other ticket; it does not place a delivery order by itself. The order
row is locked for the transaction first, so a double click or a replayed form opens one
ticket: asking again answers with the ticket already open.
"""

from django.db import transaction
from django.utils import timezone

from shop.channels import Channel
from shop.customers.addresses import address_validate
from shop.orders.models import Order, OrderEvent, OrderLine
from shop.orders.timeline import order_timeline_add
from shop.support.models import Ticket
from shop.support.services import ticket_open


def _subject(line: OrderLine) -> str:
    return f"Deliver instead: {line.sku} of order {line.order.number}"


def _body(line: OrderLine, address: dict) -> str:
    where = "\n".join(
        part
        for part in (
            address["name"],
            address["line1"],
            address.get("line2", ""),
            f"{address['postcode']} {address['city']}",
            address["country"],
        )
        if part
    )
    quantity = line.cancelled_quantity or line.quantity  # a cancelled order: all of it
    return (
        f"Please deliver {quantity} × {line.name} ({line.sku}) of order {line.order.number}, "
        f"cancelled at pickup because it was not found, to:\n\n{where}"
    )


@transaction.atomic
def delivery_request_open(
    *, line: OrderLine, address: dict, channel: str = Channel.WEB
) -> tuple[Ticket, bool]:
    """The service request asking for `line` to be delivered to `address` (checked as the
    address book does): `(ticket, created)`; the one already open for the line if asked
    before. Recorded on the order's timeline; the ticket is on the customer's."""
    cleaned = address_validate(address)
    order = line.order
    Order.objects.filter(pk=order.pk).update(updated_at=timezone.now())  # row lock: one at a time
    subject = _subject(line)
    existing = Ticket.objects.filter(order=order, subject=subject).first()
    if existing is not None:
        return existing, False
    ticket = ticket_open(
        subject=subject,
        body=_body(line, cleaned),
        channel=channel,
        customer=order.customer,
        email=order.email,
        order_number=order.number if order.customer_id else None,
        store=order.store,
    )
    if ticket.order_id is None:
        Ticket.objects.filter(pk=ticket.pk).update(order=order)
        ticket.order = order
    order_timeline_add(
        order=order,
        kind=OrderEvent.Kind.DELIVERY_REQUESTED,
        message=(
            f"The customer asked for {line.sku} to be delivered instead "
            f"(to {cleaned['postcode']} {cleaned['city']}); request {ticket.number}."
        ),
        channel=channel,
        sku=line.sku,
        ticket=ticket.number,
        postcode=cleaned["postcode"],
        city=cleaned["city"],
    )
    return ticket, True
