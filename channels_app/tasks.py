from celery import shared_task

from channels_app.feeds.snapshots import feeds_rebuild


@shared_task(acks_late=True)
def rebuild_feeds() -> list[str]:
    """Periodic (beat): rebuilds the product feeds whose stock fingerprint moved."""
    return feeds_rebuild()
