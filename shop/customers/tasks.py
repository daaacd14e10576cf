from celery import shared_task

from shop.customers.product_views import product_views_flush


@shared_task(acks_late=True)
def flush_product_views() -> int:
    """Periodic (beat): writes the buffered product views in bulk; safe to run twice."""
    return product_views_flush()
