from celery import shared_task

from shop.outbox.delivery import outbox_deliver, outbox_deliver_due


@shared_task(acks_late=True)
def deliver_outbox_message(key: str) -> bool:
    """Delivers one side effect written by a committed change; safe to run twice."""
    return outbox_deliver(key=key)


@shared_task(acks_late=True)
def deliver_due_outbox() -> int:
    """Periodic (beat): delivers what a lost message, a broker outage or a killed worker left."""
    return outbox_deliver_due()
