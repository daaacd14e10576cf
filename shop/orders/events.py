"""An order's moments on its customer's timeline (nothing for an order without a customer)."""

from typing import Any

from shop.customers.services import customer_event_record
from shop.orders.models import Order


def order_event_record(
    order: Order, kind: str, channel: str, *, store=None, **payload: Any
) -> None:
    """Records `kind` about `order` at `store` (default: the order's), in the caller's
    transaction; the payload names the order and adds `payload`."""
    if order.customer_id:
        customer_event_record(
            customer=order.customer,
            kind=kind,
            channel=channel,
            store=store or order.store,
            payload={"order": order.number, **payload},
        )
