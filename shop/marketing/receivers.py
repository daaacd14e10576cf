from django.db.models.signals import post_save
from django.dispatch import receiver

from shop.customers.models import Customer
from shop.customers.signals import customer_merging
from shop.marketing.attribution import order_attribute
from shop.marketing.context import current_visitor
from shop.marketing.models import CartReminder, Touch
from shop.marketing.recovery import reminder_recovery_record
from shop.orders.signals import order_placed


@receiver(order_placed)
def record_reminder_recovery(sender, order, cart=None, **kwargs) -> None:
    reminder_recovery_record(order=order, cart=cart)


@receiver(customer_merging, sender=Customer)
def move_reminders(sender, source, target, **kwargs) -> None:
    CartReminder.objects.filter(customer=source).update(customer=target)


@receiver(post_save, sender="orders.Order", dispatch_uid="marketing_attribute_order")
def attribute_new_order(sender, instance, created, raw=False, **kwargs):
    """Every order, whichever path created it, is attributed as it is created."""
    if created and not raw:
        order_attribute(order=instance, visitor=current_visitor())


@receiver(customer_merging, dispatch_uid="marketing_merge_touches")
def move_touches(sender, source, target, **kwargs):
    Touch.objects.filter(customer=source).update(customer=target)
