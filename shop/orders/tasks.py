from celery import shared_task

from shop.orders.emails import send_order_email
from shop.orders.services import orders_expire_overdue


@shared_task(acks_late=True)
def send_order_email_task(order_id: int, kind: str) -> bool:
    """Emails one kind of order email (confirmation, ready, expired, receipt) once: a retry
    after success sends nothing more."""
    return send_order_email(order_id=order_id, kind=kind)


@shared_task(acks_late=True)
def expire_overdue_pickups() -> int:
    """Periodic (beat): collect orders past their deadline expire and release their stock."""
    return orders_expire_overdue()


@shared_task(acks_late=True)
def send_refund(payment_id: int) -> bool:
    """Sends a pending online refund to the gateway (after the return or expiry committed)."""
    from shop.orders.refunds import refund_send

    return refund_send(payment_id=payment_id)
