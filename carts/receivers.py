"""What the cache holds about carts and promotions is forgotten when they change outside the
services (the admin); carts follow their customer when two customers are merged."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from carts.models import Cart, Promotion
from carts.services import cart_changed, cart_merge_customers, promotions_changed
from shop.customers.signals import customer_merging


@receiver(post_save, sender=Promotion)
@receiver(post_delete, sender=Promotion)
def promotion_changed(sender, **kwargs) -> None:
    promotions_changed()


@receiver(post_delete, sender=Cart)
def cart_deleted(sender, instance: Cart, **kwargs) -> None:
    cart_changed(cart_id=instance.pk)


@receiver(customer_merging)
def merge_carts(sender, source, target, **kwargs) -> None:
    cart_merge_customers(source=source, target=target)
