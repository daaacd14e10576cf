"""An email written for a customer (a staff reply to a ticket...) goes on their timeline once
the outbox has sent it."""

from django.dispatch import receiver

from shop.channels import Channel
from shop.customers.models import Customer, CustomerEvent
from shop.customers.services import customer_event_record
from shop.outbox.signals import email_sent


@receiver(email_sent)
def record_email_sent(sender, to, subject, customer_id=None, about=None, **kwargs) -> None:
    customer = Customer.objects.filter(pk=customer_id).first() if customer_id else None
    if customer is None:  # nobody's, or merged away since it was written
        return
    customer_event_record(
        customer=customer,
        kind=CustomerEvent.Kind.EMAIL_SENT,
        channel=Channel.EMAIL,
        payload={"subject": subject, "to": ", ".join(to), **(about or {})},
    )
