"""Claiming a cart for the order that takes it: a web checkout, or the till completing a
shopper's cart.

The claim is one UPDATE whose conditions are all on the cart row itself (no join), so when it
waits for another transaction holding the row, PostgreSQL checks them again on the row as that
transaction left it. (A condition through a join would be checked against the other table as
it was when the statement started: two claims could then both win.) So of a web checkout and a
till sale of the same cart at the same moment, exactly one gets it: the other finds it held by
an order awaiting payment, or changed since it was read (`updated_at`).
"""

from datetime import datetime

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from carts.errors import CheckoutInProgress
from carts.models import Cart
from shop.orders.models import Order


def _dead_hold(pending_order_id: int) -> bool:
    """Whether a checkout's hold on a cart no longer counts: its payment failed, or it is
    older than the payment window."""
    stale = timezone.now() - settings.PAYMENT_WINDOW
    return (
        Order.objects.filter(pk=pending_order_id)
        .filter(Q(status=Order.Status.PAYMENT_FAILED) | Q(created_at__lt=stale))
        .exists()
    )


def cart_claim(
    *, cart: Cart, order: Order, seen: datetime | None, touch: bool = False, message: str = ""
) -> None:
    """Claims `cart` for `order`, as the cart was when read (`seen`, its `updated_at`).
    `touch` also moves `updated_at` (the till empties the cart in the same transaction).
    Raises `CheckoutInProgress` when another order holds it or it changed."""
    changes = {"pending_order": order}
    if touch:
        changes["updated_at"] = timezone.now()
    mine = Cart.objects.filter(pk=cart.pk, status=Cart.Status.OPEN, updated_at=seen)
    claimed = mine.filter(pending_order__isnull=True).update(**changes)
    if not claimed:
        held_by = mine.values_list("pending_order_id", flat=True).first()
        if held_by is not None and _dead_hold(held_by):
            claimed = mine.filter(pending_order_id=held_by).update(**changes)
    if not claimed:
        raise CheckoutInProgress(message or None)
