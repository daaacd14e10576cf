"""Payments on the customer's timeline."""

from shop.customers.models import CustomerEvent
from shop.customers.services import customer_event_record
from shop.payments.models import Payment


def refund_event_record(refund: Payment) -> None:
    """The refund on the customer's timeline, in the transaction that records it."""
    order = refund.order
    if order.customer_id:
        customer_event_record(
            customer=order.customer,
            kind=CustomerEvent.Kind.REFUND,
            channel=refund.channel,
            store=refund.store,
            payload={
                "order": order.number,
                "amount": str(refund.amount),
                "currency": refund.currency,
                "method": refund.method,
                "status": refund.status,
            },
        )
