from celery import shared_task

from shop.marketing.rollups import reports_refresh


@shared_task(acks_late=True)
def refresh_reports() -> int:
    """Rebuilds the last days' rollups; running it twice gives the same tables."""
    return reports_refresh()
