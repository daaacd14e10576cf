from celery import shared_task
from django.conf import settings

from shop.marketing.reminders import cart_reminders_send
from shop.marketing.rollups import refresh_start, reports_refresh


@shared_task(acks_late=True)
def send_cart_reminders() -> str:
    """Periodic (beat): one reminder per abandoned cart; safe to run twice, even at once."""
    return str(cart_reminders_send())


@shared_task(acks_late=True)
def build_recommendations() -> str:
    """Periodic (beat): recomputes the item-to-item similarity table."""
    from shop.marketing.recommendations import recommendations_build

    return str(recommendations_build())


@shared_task(acks_late=True)
def refresh_reports(*, recent: bool = False) -> int:
    """Rebuilds the rollups of the last days (`recent`: only the last
    REPORTS_REFRESH_RECENT_DAYS); running it twice gives the same tables."""
    days = settings.REPORTS_REFRESH_RECENT_DAYS if recent else settings.REPORTS_REFRESH_DAYS
    return reports_refresh(since=refresh_start(days))
