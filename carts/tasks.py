from celery import shared_task

from carts.checkout import checkouts_fail_abandoned


@shared_task(acks_late=True)
def fail_abandoned_checkouts() -> int:
    """Periodic (beat): checkouts that never came back from payment release their hold."""
    return checkouts_fail_abandoned()
