from celery import shared_task


@shared_task(acks_late=True)
def expire_gift_cards() -> int:
    """Periodic (beat): expired gift cards lose what is left on them, one ledger entry each."""
    from shop.channels import Channel
    from shop.payments.stored_value import gift_cards_expire

    return gift_cards_expire(channel=Channel.SYSTEM)
