"""Tickets follow their customer when two customers are merged."""

from django.dispatch import receiver

from shop.customers.signals import customer_merging
from shop.support.models import Ticket


@receiver(customer_merging)
def merge_tickets(sender, source, target, **kwargs) -> None:
    Ticket.objects.filter(customer=source).update(customer=target)
