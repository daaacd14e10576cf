from celery import shared_task

from inventory.reports import stock_reports_refresh
from inventory.services import reservations_release_expired


@shared_task(acks_late=True)
def release_expired_reservations() -> int:
    """Periodic sweeper (beat): releases reservations past their expiry. Safe to run twice."""
    return reservations_release_expired()


@shared_task
def refresh_stock_reports() -> None:
    """Periodic (beat): the dashboard's stock value and low-stock list, into the cache."""
    stock_reports_refresh()
