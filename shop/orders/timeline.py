"""The order's own timeline (staff see it at the desk and in the admin)."""

from typing import Any

from shop.orders.models import Order, OrderEvent


def order_timeline_add(
    *, order: Order, kind: str, message: str, channel: str, user=None, **payload: Any
) -> OrderEvent:
    """Appends one entry, in the caller's transaction."""
    return OrderEvent.objects.create(
        order=order,
        kind=kind,
        message=message[:300],
        channel=channel,
        user=user if user is not None and user.is_authenticated else None,
        payload=payload,
    )


def order_timeline(order: Order) -> list[OrderEvent]:
    """Oldest first, one query."""
    return list(order.events.order_by("created_at", "id"))
