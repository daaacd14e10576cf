from django.dispatch import receiver

from shop.customers.signals import customer_merging
from shop.payments.stored_value import stored_value_merge_customers


@receiver(customer_merging)
def merge_stored_value(sender, source, target, **kwargs) -> None:
    stored_value_merge_customers(source=source, target=target)
