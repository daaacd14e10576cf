"""The order's own timeline (staff see it at the desk and in the admin).

Each entry keeps its message as written (English, the record) and the facts it was made of in
its payload; `order_event_text` says it again in the reader's language from those facts, one
translated sentence per kind, and falls back on the message for an entry written before its
payload held them all."""

from datetime import datetime
from typing import Any

from django.utils.translation import gettext

from shop.orders.models import Order, OrderEvent

Kind = OrderEvent.Kind


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


def _ready_by(payload: dict) -> str:
    """The day, as the message wrote it (the payload keeps the moment, ISO 8601)."""
    return f"{datetime.fromisoformat(payload['ready_by']):%Y-%m-%d}"


def order_event_text(event: OrderEvent) -> str:
    """What the entry says, in the active language."""
    payload = event.payload if isinstance(event.payload, dict) else {}
    try:
        if event.kind == Kind.NOT_FOUND:
            return gettext(
                "%(quantity)s × %(sku)s not found at %(location)s; written off as a count."
            ) % {**payload, "location": payload["location_name"]}
        if event.kind == Kind.RESOURCED_HERE:
            return gettext("Another %(quantity)s × %(sku)s held at %(location)s.") % {
                **payload,
                "location": payload["location_name"],
            }
        if event.kind == Kind.TRANSFER and payload.get("ready_by"):
            return gettext(
                "%(quantity)s × %(sku)s transferred from %(source)s; ready by %(ready_by)s."
            ) % {**payload, "source": payload["source_name"], "ready_by": _ready_by(payload)}
        if event.kind == Kind.TRANSFER:
            return gettext("%(quantity)s × %(sku)s will ship from %(source)s.") % {
                **payload,
                "source": payload["source_name"],
            }
        if event.kind == Kind.ORDER_CANCELLED:
            return gettext(
                "%(sku)s is nowhere to be found: the order is cancelled and refunded."
            ) % {"sku": payload["sku"]}
        if event.kind == Kind.LINE_CANCELLED:
            return (
                gettext(
                    "%(quantity)s × %(sku)s cancelled: none left anywhere; %(refund)s refunded."
                )
                % payload
            )
        if event.kind == Kind.DELIVERY_REQUESTED:
            return (
                gettext(
                    "The customer asked for %(sku)s to be delivered instead (to %(postcode)s "
                    "%(city)s); request %(ticket)s."
                )
                % payload
            )
    except (KeyError, TypeError, ValueError):
        pass
    return event.message


def order_timeline_read(order: Order) -> list[tuple[OrderEvent, str]]:
    """Oldest first, each entry with its text in the active language; one query."""
    return [(event, order_event_text(event)) for event in order_timeline(order)]
