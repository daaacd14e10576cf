"""Unpaid click-and-collect holds: units put aside at a store for a shopper who pays only at
pickup. Each costs nothing to make, so a shopper may keep only a few open at once
(`settings.MAX_UNPAID_COLLECT_ORDERS`), counted per email, per customer and per browser
session; otherwise anyone could empty a store's shelf with free holds."""

from collections.abc import Collection

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q
from django.utils.translation import gettext

from carts.errors import TooManyUnpaidOrders
from shop.customers.models import Customer
from shop.orders.models import Order
from shop.payments.models import Payment


def unpaid_collect_orders():
    """Collect orders still to be paid at pickup and not over yet (not collected, cancelled
    or expired)."""
    to_pay = Payment.objects.filter(
        order=OuterRef("pk"),
        method=Payment.Method.PAY_AT_PICKUP,
        status=Payment.Status.PENDING,
    )
    return Order.objects.filter(
        Exists(to_pay),
        fulfilment=Order.Fulfilment.COLLECT,
        status__in=[Order.Status.PLACED, Order.Status.READY_FOR_PICKUP],
    )


def unpaid_collect_orders_check(
    *, email: str, customer: Customer | None, session_orders: Collection[str] = ()
) -> None:
    """Refuses one more unpaid collect order for this email, customer or session when one of
    them already has the maximum open. Runs in the placing transaction, after locking the
    customer rows of this email and customer, so two checkouts at once count each other."""
    per = {"email": Q(email__iexact=email)}
    if customer is not None:
        per["customer"] = Q(customer=customer)
    if session_orders:
        per["session"] = Q(number__in=list(session_orders))
    _lock_customers(email=email, customer=customer)
    counts = unpaid_collect_orders().aggregate(
        **{who: Count("pk", filter=match) for who, match in per.items()}
    )
    limit = settings.MAX_UNPAID_COLLECT_ORDERS
    full = {who: count for who, count in counts.items() if count >= limit}
    if full:
        raise TooManyUnpaidOrders(
            gettext(
                "%(max)s click-and-collect orders are already waiting to be paid at pickup (at "
                "most %(limit)s at once). Collect one first, or pay this one by card."
            )
            % {"max": max(full.values()), "limit": limit},
            details=[{"limit": limit, "open": count, "per": who} for who, count in full.items()],
        )


def _lock_customers(*, email: str, customer: Customer | None) -> None:
    """Row locks (no key update, primary-key order) on the customers of this email and this
    customer: concurrent checkouts for them wait here, then see each other's orders."""
    match = Q(email__iexact=email)
    if customer is not None:
        match |= Q(pk=customer.pk)
    list(Customer.objects.filter(match).order_by("pk").select_for_update(no_key=True))
