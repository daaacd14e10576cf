from celery import shared_task

from shop.journal.closings import sales_periods_close


@shared_task(acks_late=True)
def close_sales_periods() -> int:
    """Periodic (beat, after midnight): closes the complete periods; safe to run twice."""
    return len(sales_periods_close())
