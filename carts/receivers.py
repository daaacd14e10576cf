"""What the cache holds about carts and promotions is forgotten when they change outside the
services (the admin); a promotion given a usage limit counts the uses it had; carts follow their
customer when two customers are merged, and an order cancelled or expired gives its promotion
uses back."""

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from carts.models import Cart, Promotion
from carts.services import (
    cart_changed,
    cart_merge_customers,
    promotion_uses_give_back,
    promotions_changed,
)
from shop.customers.signals import customer_merging
from shop.orders.signals import order_released


@receiver(post_save, sender=Promotion)
@receiver(post_delete, sender=Promotion)
def promotion_changed(sender, **kwargs) -> None:
    promotions_changed()


@receiver(pre_save, sender=Promotion)
def count_uses_under_a_new_limit(sender, instance: Promotion, update_fields=None, **kwargs) -> None:
    """Only a promotion with a usage limit counts its uses as they happen (`promotions_use`).
    One that gets a limit starts from the uses its orders recorded so far (a limit below them
    leaves it used up)."""
    if instance.pk is None or instance.usage_limit is None or update_fields is not None:
        return
    if Promotion.objects.filter(pk=instance.pk, usage_limit__isnull=True).exists():
        instance.times_used = min(instance.usages.count(), instance.usage_limit)


@receiver(post_delete, sender=Cart)
def cart_deleted(sender, instance: Cart, **kwargs) -> None:
    cart_changed(cart_id=instance.pk)


@receiver(customer_merging)
def merge_carts(sender, source, target, **kwargs) -> None:
    cart_merge_customers(source=source, target=target)


@receiver(order_released)
def give_back_promotion_uses(sender, order, **kwargs) -> None:
    promotion_uses_give_back(order=order)
