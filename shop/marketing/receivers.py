from django.dispatch import receiver

from shop.marketing.recovery import reminder_recovery_record
from shop.orders.signals import order_placed


@receiver(order_placed)
def record_reminder_recovery(sender, order, cart=None, **kwargs) -> None:
    reminder_recovery_record(order=order, cart=cart)
