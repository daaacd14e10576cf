from django.dispatch import receiver

from shop.customers.models import Customer
from shop.customers.signals import customer_merging
from shop.marketing.models import CartReminder
from shop.marketing.recovery import reminder_recovery_record
from shop.orders.signals import order_placed


@receiver(order_placed)
def record_reminder_recovery(sender, order, cart=None, **kwargs) -> None:
    reminder_recovery_record(order=order, cart=cart)


@receiver(customer_merging, sender=Customer)
def move_reminders(sender, source, target, **kwargs) -> None:
    CartReminder.objects.filter(customer=source).update(customer=target)
