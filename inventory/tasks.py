from celery import shared_task

from inventory.services import reservations_release_expired


@shared_task(acks_late=True)
def release_expired_reservations() -> int:
    """Periodic sweeper (beat): releases reservations past their expiry. Safe to run twice."""
    return reservations_release_expired()
