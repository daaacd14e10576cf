"""Orders tell the journal about voids and returns through signals (orders never import it)."""

from django.dispatch import receiver

from shop.journal.services import journal_record_return, journal_record_void
from shop.orders.signals import order_returned, order_voided


@receiver(order_voided, dispatch_uid="journal_void")
def _record_void(sender, *, order, channel, user=None, **kwargs):
    journal_record_void(order=order, channel=channel, user=user)


@receiver(order_returned, dispatch_uid="journal_return")
def _record_return(sender, *, record, **kwargs):
    journal_record_return(record=record)
