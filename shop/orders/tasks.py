from celery import shared_task

from shop.orders.emails import send_order_email


@shared_task(acks_late=True)
def send_order_confirmation(order_id: int) -> bool:
    """Emails the order confirmation once (a retry after success sends nothing more)."""
    return send_order_email(order_id=order_id, kind="confirmation")
