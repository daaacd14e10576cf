from celery import shared_task

from shop.marketing.reminders import cart_reminders_send


@shared_task(acks_late=True)
def send_cart_reminders() -> str:
    """Periodic (beat): one reminder per abandoned cart; safe to run twice, even at once."""
    return str(cart_reminders_send())


@shared_task(acks_late=True)
def build_recommendations() -> str:
    """Periodic (beat): recomputes the item-to-item similarity table."""
    from shop.marketing.recommendations import recommendations_build

    return str(recommendations_build())
