"""Order life after checkout: shipping, the click-and-collect desk, expiry and cancellation.

Every transition is one conditional UPDATE on the order's status, so two clerks (or a clerk
and the expiry task) cannot both move the same order: the second gets `OrderStatusConflict`
or, for the task, simply skips it.
"""

import secrets
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from inventory import services as stock
from inventory.models import Reservation
from shop.channels import Channel
from shop.customers.models import CustomerEvent
from shop.customers.services import customer_event_record
from shop.errors import InvalidInput
from shop.orders.drawer import drawer_open_session
from shop.orders.errors import OrderStatusConflict
from shop.orders.models import Order, Payment
from shop.orders.refunds import refund_online
from shop.orders.signals import order_released

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
            f"Order {order.number} is {order.get_status_display().lower()}; "
            f"it cannot become {Status(to).label.lower()}.",
            details=[{"order": order.number, "status": order.status}],
        )
    order.status = to


def _reservations(order: Order) -> list[Reservation]:
    return list(
        Reservation.objects.filter(order_line__order=order).select_related("location", "variant")
    )


def _event(order: Order, kind: str, channel: str) -> None:
    if order.customer_id:
        customer_event_record(
            customer=order.customer,
            kind=kind,
            channel=channel,
            store=order.store,
            payload={"order": order.number},
        )


def _email_on_commit(order: Order, kind: str) -> None:
    from shop.orders.tasks import send_order_email_task

    transaction.on_commit(lambda: send_order_email_task.delay(order.pk, kind))


@transaction.atomic
def order_mark_shipped(*, order: Order, user=None) -> Order:
    """A delivery order leaves the warehouse: its held units become a sale."""
    _move(order, allowed=[Status.PLACED], to=Status.SHIPPED, fulfilment="delivery")
    stock.stock_commit(
        reservations=_reservations(order),
        channel=order.channel,
        reference=f"shipped {order.number}",
        order=order,
        user=user,
    )
    return order


@transaction.atomic
def order_mark_ready(*, order: Order, channel: str, user=None) -> Order:
    """The store has picked the order: the customer is told to come."""
    _move(order, allowed=[Status.PLACED], to=Status.READY_FOR_PICKUP, fulfilment="collect")
    _event(order, CustomerEvent.Kind.PICKUP_READY, channel)
    _email_on_commit(order, "ready_for_pickup")
    return order


@transaction.atomic
def order_mark_collected(
    *,
    order: Order,
    channel: str,
    user=None,
    payment_method: str = Payment.Method.CASH,
    terminal_reference: str = "",
) -> Order:
    """The customer took the order: the reservation becomes a sale in the ledger, and a
    pay-at-pickup payment is taken at the desk (cash into the till, or card on the terminal)."""
    if payment_method not in (Payment.Method.CASH, Payment.Method.CARD):
        raise InvalidInput("Payment at the desk is cash or card.")
    to_pay = order.payments.filter(
        method=Payment.Method.PAY_AT_PICKUP, status=Payment.Status.PENDING
    )
    if payment_method == Payment.Method.CARD and not terminal_reference and to_pay.exists():
        raise InvalidInput("Enter the card terminal's reference.")
    _move(
        order,
        allowed=[Status.PLACED, Status.READY_FOR_PICKUP],
        to=Status.COLLECTED,
        fulfilment="collect",
    )
    reference = f"collected {order.number}"
    reservations = _reservations(order)
    held = [r for r in reservations if r.state == Reservation.State.ACTIVE]
    lapsed = [r for r in reservations if r.state != Reservation.State.ACTIVE]
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
    is_cash = payment_method == Payment.Method.CASH
    to_pay.update(
        method=payment_method,
        status=Payment.Status.CAPTURED,
        reference=terminal_reference[:120] or "paid at the pickup desk",
        channel=channel,
        store=order.store,
        drawer_session=drawer_open_session(store=order.store) if is_cash else None,
    )
    _event(order, CustomerEvent.Kind.PICKUP_COLLECTED, channel)
    return order


def _refund_online_payments(order: Order, channel: str) -> None:
    """Gives back what the online gateway took for an order that will not be handed over.
    Pay-at-pickup orders have nothing to give back."""
    for payment in order.payments.filter(
        method=Payment.Method.CARD, status=Payment.Status.CAPTURED, channel=Channel.WEB
    ):
        refund_online(payment, amount=payment.amount, channel=channel)


@transaction.atomic
def order_cancel(*, order: Order, channel: str, user=None) -> Order:
    """Cancels an order not yet handed over: its held stock is released and an online
    payment refunded."""
    _move(order, allowed=[Status.PLACED, Status.READY_FOR_PICKUP], to=Status.CANCELLED)
    stock.stock_release(reservations=_reservations(order))
    order_released.send(sender=Order, order=order)
    _refund_online_payments(order, channel)
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
            stock.stock_release(reservations=_reservations(order))
            order_released.send(sender=Order, order=order)
            _refund_online_payments(order, Channel.SYSTEM)
            _event(order, CustomerEvent.Kind.PICKUP_EXPIRED, Channel.SYSTEM)
            _email_on_commit(order, "expired")
        expired += 1
    return expired
