from celery import shared_task


@shared_task(acks_late=True)
def expire_overdue_pickups() -> int:
    """Periodic (beat): collect orders past their deadline expire and release their stock."""
    from shop.orders.services import orders_expire_overdue

    return orders_expire_overdue()
