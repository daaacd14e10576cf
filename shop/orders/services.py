"""Order life after checkout: shipping, the click-and-collect desk, expiry and cancellation.

Every transition is one conditional UPDATE on the order's status, so two clerks (or a clerk
and the expiry task) cannot both move the same order: the second gets `OrderStatusConflict`
or, for the task, simply skips it.
"""

import secrets
from collections.abc import Iterable, Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from inventory import services as stock
from inventory.models import Location, Reservation
from shop.channels import Channel
from shop.customers.models import CustomerEvent
from shop.orders.emails import order_email_enqueue
from shop.orders.errors import NothingHeld, OrderStatusConflict
from shop.orders.events import order_event_record
from shop.orders.models import Order
from shop.orders.signals import order_released, order_voided
from shop.payments.models import Payment
from shop.payments.services import payment_settle_at_pickup, refunds_for_cancelled
from shop.payments.tenders import Tender

# No 0/O or 1/I: numbers are read out over the counter and typed from paper.
NUMBER_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
Status = Order.Status


def order_number_new() -> str:
    """A short, unguessable order number such as `OS-7K2M9Q`."""
    while True:
        number = "OS-" + "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(6))
        if not Order.objects.filter(number=number).exists():
            return number


def _move(order: Order, *, allowed: Iterable[str], to: str, fulfilment: str | None = None) -> None:
    """Moves the order to `to` if it is still in one of `allowed`; raises otherwise."""
    rows = Order.objects.filter(pk=order.pk, status__in=list(allowed))
    if fulfilment:
        rows = rows.filter(fulfilment=fulfilment)
    if not rows.update(status=to, updated_at=timezone.now()):
        order.refresh_from_db(fields=["status"])
        raise OrderStatusConflict(
            gettext("Order %(number)s is %(lower)s; it cannot become %(lower2)s.")
            % {
                "number": order.number,
                "lower": order.get_status_display().lower(),
                "lower2": Status(to).label.lower(),
            },
            details=[{"order": order.number, "status": order.status}],
        )
    order.status = to


def _reservations(order: Order) -> list[Reservation]:
    return list(
        Reservation.objects.filter(order_line__order=order).select_related("location", "variant")
    )


@transaction.atomic
def order_mark_shipped(
    *,
    order: Order,
    user=None,
    channel: str = Channel.BACKOFFICE,
    event: dict | None = None,
    location: Location | None = None,
) -> Order:
    """A delivery order leaves: its held units become a sale. `event`: more for the timeline
    (the carrier and tracking link of `shop.shipping.services.order_ship`).

    With `location`, only the units held there leave (that location's part of an order split
    over several); the order becomes shipped with its last part. Without, every held unit
    leaves, wherever it is held (the back office ships the order as a whole)."""
    if location is None:
        _move(order, allowed=[Status.PLACED], to=Status.SHIPPED, fulfilment="delivery")
        # Holds given up when a unit was not found (and held again elsewhere) stay released.
        leaving = [r for r in _reservations(order) if r.state == Reservation.State.ACTIVE]
    else:
        leaving = _ship_part(order, location)
    stock.stock_commit(
        reservations=leaving,
        channel=order.channel,
        reference=f"shipped {order.number}",
        order=order,
        user=user,
    )
    order_event_record(order, CustomerEvent.Kind.ORDER_SHIPPED, channel, **(event or {}))
    return order


def _ship_part(order: Order, location: Location) -> list[Reservation]:
    """The units held at `location` for the placed delivery `order`, its row locked first (the
    last of two parts shipped at once sees the other's committed); the order is moved to
    shipped when no unit is held anywhere else."""
    locked = Order.objects.filter(
        pk=order.pk, status=Status.PLACED, fulfilment=Order.Fulfilment.DELIVERY
    ).update(updated_at=timezone.now())
    if not locked:
        order.refresh_from_db(fields=["status"])
        raise OrderStatusConflict(
            gettext("Order %(number)s is %(lower)s: nothing to ship.")
            % {"number": order.number, "lower": order.get_status_display().lower()},
            details=[{"order": order.number, "status": order.status}],
        )
    held = [r for r in _reservations(order) if r.state == Reservation.State.ACTIVE]
    leaving = [r for r in held if r.location_id == location.pk]
    if not leaving:
        raise NothingHeld(
            gettext("Nothing of order %(number)s is held at %(name)s.")
            % {"number": order.number, "name": location.name}
        )
    if len(leaving) == len(held):
        _move(order, allowed=[Status.PLACED], to=Status.SHIPPED, fulfilment="delivery")
    return leaving


@transaction.atomic
def order_mark_ready(*, order: Order, channel: str, user=None) -> Order:
    """The store has picked the order: the customer is told to come."""
    _move(order, allowed=[Status.PLACED], to=Status.READY_FOR_PICKUP, fulfilment="collect")
    order_event_record(order, CustomerEvent.Kind.PICKUP_READY, channel)
    order_email_enqueue(order=order, kind="ready_for_pickup")
    return order


@transaction.atomic
def order_mark_collected(
    *,
    order: Order,
    channel: str,
    user=None,
    payment_method: str = Payment.Method.CASH,
    terminal_reference: str = "",
    tenders: Sequence[Tender] = (),
) -> Order:
    """The customer took the order: the reservation becomes a sale in the ledger, and a
    pay-at-pickup payment is taken at the desk (cash into the till, or card on the terminal,
    or several `tenders` with gift cards and store credit)."""
    _move(
        order,
        allowed=[Status.PLACED, Status.READY_FOR_PICKUP],
        to=Status.COLLECTED,
        fulfilment="collect",
    )
    # The desk's payment before the stock: a cash payment locks the till's drawer session, and
    # stock rows come last (`inventory/locks.py`), as in a cash sale at the till.
    payment_settle_at_pickup(
        order=order,
        method=payment_method,
        channel=channel,
        terminal_reference=terminal_reference,
        tenders=tenders,
    )
    order_event_record(order, CustomerEvent.Kind.PICKUP_COLLECTED, channel)
    reference = f"collected {order.number}"
    reservations = _reservations(order)
    held = [r for r in reservations if r.state == Reservation.State.ACTIVE]
    # Only lapsed holds: one released when its unit was not found was replaced by another.
    lapsed = [r for r in reservations if r.state == Reservation.State.EXPIRED]
    if held:
        stock.stock_commit(
            reservations=held, channel=channel, reference=reference, order=order, user=user
        )
    if lapsed:
        # The hold ran out before the customer came and its units went back on the shelf:
        # sell them from the store's free stock if they are still there (else a clear 409).
        stock.stock_sell(
            location=order.store,
            lines=[stock.StockLine(r.variant, r.quantity) for r in lapsed],
            channel=channel,
            reference=reference,
            order=order,
            user=user,
        )
    return order


@transaction.atomic
def order_cancel(*, order: Order, channel: str, user=None) -> Order:
    """Cancels an order not yet handed over: its held stock is released and an online
    payment refunded."""
    _move(order, allowed=[Status.PLACED, Status.READY_FOR_PICKUP], to=Status.CANCELLED)
    order_voided.send(sender=Order, order=order, channel=channel, user=user)
    stock.stock_release(reservations=_reservations(order))
    order_released.send(sender=Order, order=order)
    order_event_record(order, CustomerEvent.Kind.ORDER_CANCELLED, channel)
    refunds_for_cancelled(order=order, channel=channel)
    return order


def orders_expire_overdue(*, now=None) -> int:
    """Expires collect orders past their pickup deadline, releasing their stock; each in its
    own short transaction. Running it twice (or twice at once) expires each order once."""
    now = now or timezone.now()
    overdue = Order.objects.filter(
        fulfilment=Order.Fulfilment.COLLECT,
        status__in=[Status.PLACED, Status.READY_FOR_PICKUP],
        pickup_deadline__lt=now,
    ).select_related("customer", "store")
    expired = 0
    for order in overdue:
        with transaction.atomic():
            try:
                _move(order, allowed=[Status.PLACED, Status.READY_FOR_PICKUP], to=Status.EXPIRED)
            except OrderStatusConflict:
                continue  # collected or expired meanwhile
            order_voided.send(sender=Order, order=order, channel=Channel.SYSTEM, user=None)
            stock.stock_release(reservations=_reservations(order))
            order_released.send(sender=Order, order=order)
            order_event_record(order, CustomerEvent.Kind.PICKUP_EXPIRED, Channel.SYSTEM)
            refunds_for_cancelled(order=order, channel=Channel.SYSTEM)
            order_email_enqueue(order=order, kind="expired")
        expired += 1
    return expired
