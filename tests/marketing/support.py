"""Helpers of the marketing tests."""

from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from carts.models import Cart
from shop.marketing.models import CartReminder
from shop.orders.models import Order
from tests import factories

REASONS = CartReminder.SkipReason.values


def buy(customer, *variants, channel="web", returned=()):
    order = factories.OrderFactory(customer=customer, email=customer.email, channel=channel)
    for variant in variants:
        factories.OrderLineFactory(
            order=order, variant=variant, returned_quantity=1 if variant in returned else 0
        )
    return order


def at_noon(day) -> datetime:
    return datetime.combine(day, time(12), tzinfo=ZoneInfo(settings.TIME_ZONE))


def remind(n: int, day, *, reason="", clicked=False, order=None, cart=None) -> CartReminder:
    """Reminder `n` (not saved), handled at noon of `day`: sent, or skipped for `reason`."""
    when = at_noon(day)
    return CartReminder(
        cart=cart or Cart.objects.create(handoff_code=f"R{n:06d}"),
        cart_started_at=when - timedelta(hours=2),
        cart_touched_at=when - timedelta(hours=2),
        email=f"c{n}@example.com",
        status=CartReminder.Status.SKIPPED if reason else CartReminder.Status.SENT,
        skip_reason=reason,
        created_at=when,
        sent_at=None if reason else when,
        clicked_at=when + timedelta(hours=1) if clicked else None,
        recovered_order=order,
        recovered_at=when + timedelta(hours=2) if order else None,
    )


def bulk_reminders(count: int, *, first: int) -> None:
    """`count` reminders over the last ten days: every fifth one skipped; of those sent, every
    other one followed and every fourth one recovered an order of 10.00."""
    days = [timezone.localdate() - timedelta(days=n) for n in range(10)]
    orders = Order.objects.bulk_create(
        Order(number=f"OS-R{first + i:07d}", channel="web", fulfilment="delivery",
              status=Order.Status.SHIPPED, currency=settings.SHOP_CURRENCY,
              subtotal=Decimal("10.00"), total=Decimal("10.00"))
        for i in range(0, count, 4)
    )  # fmt: skip
    carts = Cart.objects.bulk_create(Cart(handoff_code=f"B{first + i:07d}") for i in range(count))
    reminders = []
    for i, cart in enumerate(carts):
        reason = REASONS[i % len(REASONS)] if i % 5 == 4 else ""
        order = None if reason or i % 4 else orders[i // 4]
        reminders.append(
            remind(first + i, days[i % 10], reason=reason, clicked=not reason and i % 2 == 0,
                   order=order, cart=cart)
        )  # fmt: skip
    CartReminder.objects.bulk_create(reminders)


def best_seller_queries() -> int:
    """Queries that rank the best sellers: one union, two where its parts cannot be ordered and
    sliced (SQLite)."""
    from django.db import connection

    return 1 if connection.features.supports_slicing_ordering_in_compound else 2
