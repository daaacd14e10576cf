"""Pick failures that recover: a clerk cannot find an order line's item.

The units held for the line are given up and written off as a count finding (reason `count`,
`inventory.counts.stock_not_found`), then the line is re-sourced, first match wins:

1. another unit free at the same location: held for the line, nothing else changes;
2. else the nearest location that has the units free (never its safety stock): for a
   click-and-collect order they are transferred to the store and the order waits with a new
   ready-by date (and a pickup deadline after it); a delivery order ships them from there;
3. else the line's units are cancelled and refunded, or the whole order is cancelled when the
   customer chose all-or-nothing (or nothing else is left of it).

Every step goes on the order's timeline and the customer's, and the customer is emailed
(through the outbox, in this transaction).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext

from inventory import services as stock
from inventory.counts import stock_not_found
from inventory.geo import address_point, distance_between, location_point
from inventory.models import Location, Reservation
from inventory.selectors import availability_at, availability_for_variants
from shop.customers.language import customer_language
from shop.customers.models import CustomerEvent
from shop.errors import InvalidInput
from shop.orders.delivery_choice import delivery_choice_link, delivery_choice_offered
from shop.orders.errors import NothingHeld, OrderStatusConflict
from shop.orders.events import order_event_record
from shop.orders.models import Order, OrderEvent, OrderLine
from shop.orders.services import order_cancel
from shop.orders.signals import order_amending, order_line_cancelled
from shop.orders.taxes import returned_share
from shop.orders.timeline import order_timeline_add
from shop.outbox.email import email_enqueue
from shop.payments.models import Payment
from shop.payments.services import ONLINE_CHANNEL, refund_for_cancelled_line

Status = Order.Status
#: Orders whose items are still being picked or wait at the desk.
OPEN = (Status.PLACED, Status.READY_FOR_PICKUP)
FAR_AWAY_KM = 100_000.0


@dataclass(frozen=True)
class NotFoundOutcome:
    #: "here", "transfer", "line_cancelled" or "order_cancelled"
    kind: str
    line: OrderLine
    quantity: int
    source: Location | None = None
    ready_by: datetime | None = None
    refund: Decimal = Decimal("0.00")


def _claim(order: Order) -> None:
    """Locks the order row for this transaction (a pickup or a second clerk waits), if open."""
    if not Order.objects.filter(pk=order.pk, status__in=OPEN).update(updated_at=timezone.now()):
        order.refresh_from_db(fields=["status"])
        raise OrderStatusConflict(
            gettext("Order %(number)s is %(lower)s: nothing to pick.")
            % {"number": order.number, "lower": order.get_status_display().lower()},
            details=[{"order": order.number, "status": order.status}],
        )
    order.refresh_from_db()


def _line(order: Order, sku: str) -> OrderLine:
    line = order.lines.select_related("variant").filter(sku=sku.strip()).first()
    if line is None:
        raise InvalidInput(
            gettext("%(sku)s is not in order %(number)s.") % {"sku": sku, "number": order.number},
            details=[sku],
        )
    return line


def _picking_location(order: Order, held: list[Reservation], location: Location | None):
    if order.fulfilment == Order.Fulfilment.COLLECT:
        return order.store
    if location is not None:
        return location
    places = {r.location_id: r.location for r in held}
    if len(places) != 1:
        raise InvalidInput(gettext("Name the location where the item was not found."))
    return next(iter(places.values()))


def _nearest_source(
    order: Order, line: OrderLine, quantity: int, here: Location
) -> Location | None:
    """The nearest other location with `quantity` units free to promise (no safety stock):
    to the store for a collect order, to the delivery address (among shipping locations) for
    a delivery; warehouses first on equal distance, then by code."""
    locations = Location.objects.filter(is_active=True).exclude(pk=here.pk)
    if order.fulfilment == Order.Fulfilment.COLLECT:
        target = location_point(here)
    else:
        locations = locations.filter(ships_online=True)
        target = address_point(order.shipping_address)
    locations = list(locations)
    free = availability_for_variants(variants=[line.variant], locations=locations)[line.sku]
    holding = [loc for loc in locations if free.locations.get(loc.code, 0) >= quantity]

    def rank(location: Location) -> tuple:
        distance = distance_between(location, target)
        return (
            FAR_AWAY_KM if distance is None else distance,
            location.kind != Location.Kind.WAREHOUSE,
            location.code,
        )

    return min(holding, key=rank, default=None)


def _hold(line: OrderLine, location: Location, quantity: int, expires_at) -> None:
    stock.stock_reserve(
        requests=[stock.ReservationRequest(line, location, quantity)], expires_at=expires_at
    )


def _transfer_to_store(order, line, source, quantity, channel, user) -> datetime:
    """Moves the units to the store now (in transit, they count there, held for the order) and
    gives the order a new ready-by date and pickup deadline."""
    stock.stock_transfer(
        source=source,
        destination=order.store,
        lines=[stock.StockLine(line.variant, quantity)],
        reference=f"for {order.number}",
        channel=channel,
        user=user,
    )
    ready_by = timezone.now() + timedelta(days=settings.TRANSFER_DAYS)
    deadline = ready_by + timedelta(days=settings.PICKUP_DAYS)
    Order.objects.filter(pk=order.pk).update(
        status=Status.PLACED, ready_by=ready_by, pickup_deadline=deadline
    )
    order.status, order.ready_by, order.pickup_deadline = Status.PLACED, ready_by, deadline
    active = Reservation.objects.filter(
        order_line__order=order, state=Reservation.State.ACTIVE
    ).exclude(expires_at=None)
    stock.reservations_set_expiry(reservations=active, expires_at=deadline)
    _hold(line, order.store, quantity, deadline)
    return ready_by


def _cancel_units(order, line, quantity, channel, user) -> Decimal:
    """Cancels `quantity` units of the line, gives their money back and has the sales journal
    record it (VAT at the rate the line was sold at)."""
    before = line.cancelled_quantity
    OrderLine.objects.filter(pk=line.pk).update(cancelled_quantity=before + quantity)
    line.cancelled_quantity += quantity
    amount = returned_share(line.line_total, line, quantity, before=before)
    tax = returned_share(line.tax_amount, line, quantity, before=before)
    refunds = refund_for_cancelled_line(order=order, amount=amount, channel=channel)
    order_line_cancelled.send(
        sender=OrderLine,
        order=order,
        line=line,
        quantity=quantity,
        amount=amount,
        tax=tax,
        refunds=refunds,
        channel=channel,
        user=user,
    )
    return amount


def _tell(order, outcome: NotFoundOutcome, location, event: OrderEvent, channel) -> None:
    order_event_record(
        order,
        CustomerEvent.Kind.PICK_NOT_FOUND,
        channel,
        store=location,
        sku=outcome.line.sku,
        name=outcome.line.name,
        quantity=outcome.quantity,
        outcome=outcome.kind,
        source=outcome.source.name if outcome.source else "",
        ready_by=outcome.ready_by.isoformat() if outcome.ready_by else "",
        refund=str(outcome.refund) if outcome.refund else "",
    )
    if not order.email:
        return
    refunded_to_card = order.payments.filter(
        method=Payment.Method.CARD, status=Payment.Status.CAPTURED, channel=ONLINE_CHANNEL
    ).exists()
    with translation.override(customer_language(order.customer)):
        body, subject = _not_found_email(order, outcome, location, refunded_to_card)
    email_enqueue(
        key=f"order:{order.pk}:not-found:{event.pk}",
        to=[order.email],
        subject=subject,
        body=body,
        customer_id=order.customer_id,
        about={"order": order.number},
    )


def _not_found_email(order, outcome: NotFoundOutcome, location, refunded_to_card: bool):
    """The email's body and subject, in the language active when called."""
    body = render_to_string(
        "emails/order_line_not_found.txt",
        {
            "order": order,
            "line": outcome.line,
            "quantity": outcome.quantity,
            "outcome": outcome.kind,
            "location": location,
            "source": outcome.source,
            "refund": outcome.refund,
            "refunded_to_card": refunded_to_card,
            "shop_name": settings.SHOP_NAME,
            "delivery_link": (
                delivery_choice_link(line=outcome.line)
                if delivery_choice_offered(order, outcome.kind)
                else ""
            ),
        },
    )
    subjects = {
        "here": gettext("An item of order %(number)s was replaced"),
        "transfer": gettext("Order %(number)s needs a little longer"),
        "line_cancelled": gettext("An item of order %(number)s is unavailable"),
        "order_cancelled": gettext("Order %(number)s was cancelled"),
    }
    return body, subjects[outcome.kind] % {"number": order.number}


@transaction.atomic
def order_line_not_found(
    *,
    order: Order,
    sku: str,
    channel: str,
    user=None,
    location: Location | None = None,
    shelf_empty: bool = False,
    ensure_allowed: Callable[[Location], None] | None = None,
) -> NotFoundOutcome:
    """A clerk at `location` (a collect order: its store) cannot find `sku` of `order`; see the
    module's docstring. `ensure_allowed(location)` raises when the caller may not act there.
    `shelf_empty`: no unit of the SKU is on the shelf at all (a count of zero)."""
    _claim(order)
    order_amending.send(sender=Order, order=order)
    line = _line(order, sku)
    held = list(
        Reservation.objects.filter(order_line=line, state=Reservation.State.ACTIVE)
        .select_related("location")
        .order_by("pk")
    )
    here = _picking_location(order, held, location)
    if ensure_allowed is not None:
        ensure_allowed(here)
    held = [r for r in held if r.location_id == here.pk]
    quantity = sum(r.quantity for r in held)
    if not quantity:
        raise NothingHeld(
            gettext("No unit of %(sku)s is held for %(number)s at %(name)s.")
            % {"sku": line.sku, "number": order.number, "name": here.name}
        )
    expires_at = held[0].expires_at

    stock.stock_release(reservations=held)
    stock_not_found(
        location=here,
        variant=line.variant,
        quantity=quantity,
        channel=channel,
        user=user,
        reference=f"not found {order.number}",
        shelf_empty=shelf_empty,
    )
    order_timeline_add(
        order=order,
        kind=OrderEvent.Kind.NOT_FOUND,
        message=f"{quantity} × {line.sku} not found at {here.name}; written off as a count.",
        channel=channel,
        user=user,
        sku=line.sku,
        quantity=quantity,
        location=here.code,
        location_name=here.name,
    )

    if availability_at(location=here, variants=[line.variant]).get(line.variant.pk, 0) >= quantity:
        _hold(line, here, quantity, expires_at)
        outcome = NotFoundOutcome("here", line, quantity)
        event = order_timeline_add(
            order=order,
            kind=OrderEvent.Kind.RESOURCED_HERE,
            message=f"Another {quantity} × {line.sku} held at {here.name}.",
            channel=channel,
            user=user,
            sku=line.sku,
            quantity=quantity,
            location_name=here.name,
        )
    elif (source := _nearest_source(order, line, quantity, here)) is not None:
        ready_by = None
        if order.fulfilment == Order.Fulfilment.COLLECT:
            ready_by = _transfer_to_store(order, line, source, quantity, channel, user)
            message = (
                f"{quantity} × {line.sku} transferred from {source.name}; "
                f"ready by {ready_by:%Y-%m-%d}."
            )
        else:
            _hold(line, source, quantity, None)
            message = f"{quantity} × {line.sku} will ship from {source.name}."
        outcome = NotFoundOutcome("transfer", line, quantity, source=source, ready_by=ready_by)
        event = order_timeline_add(
            order=order,
            kind=OrderEvent.Kind.TRANSFER,
            message=message,
            channel=channel,
            user=user,
            source=source.code,
            source_name=source.name,
            sku=line.sku,
            quantity=quantity,
            ready_by=ready_by.isoformat() if ready_by else None,
        )
    else:
        outcome, event = _cancel(order, line, quantity, channel, user)
    _tell(order, outcome, here, event, channel)
    return outcome


def _shipped_if_nothing_left(order: Order) -> None:
    """A split delivery whose other parts have left and whose last held line was just
    cancelled has nothing more to ship: it is shipped (its row is locked by `_claim`)."""
    if (
        order.fulfilment == Order.Fulfilment.DELIVERY
        and order.shipments.exists()
        and not Reservation.objects.filter(
            order_line__order=order, state=Reservation.State.ACTIVE
        ).exists()
    ):
        Order.objects.filter(pk=order.pk).update(status=Status.SHIPPED)
        order.status = Status.SHIPPED


def _cancel(order, line, quantity, channel, user) -> tuple[NotFoundOutcome, OrderEvent]:
    # Once a part of a split delivery has left, the rest can only shrink line by line.
    whole = (order.all_or_nothing and not order.shipments.exists()) or all(
        other.cancelled_quantity + (quantity if other.pk == line.pk else 0) >= other.quantity
        for other in order.lines.all()
    )
    if whole:
        order_cancel(order=order, channel=channel, user=user)
        return NotFoundOutcome("order_cancelled", line, quantity), order_timeline_add(
            order=order,
            kind=OrderEvent.Kind.ORDER_CANCELLED,
            message=f"{line.sku} is nowhere to be found: the order is cancelled and refunded.",
            channel=channel,
            user=user,
            sku=line.sku,
        )
    refund = _cancel_units(order, line, quantity, channel, user)
    _shipped_if_nothing_left(order)
    return NotFoundOutcome("line_cancelled", line, quantity, refund=refund), order_timeline_add(
        order=order,
        kind=OrderEvent.Kind.LINE_CANCELLED,
        message=f"{quantity} × {line.sku} cancelled: none left anywhere; {refund} refunded.",
        channel=channel,
        user=user,
        sku=line.sku,
        quantity=quantity,
        refund=str(refund),
    )
