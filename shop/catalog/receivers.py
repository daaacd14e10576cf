"""A change to the catalogue starts a new catalogue version (see `shop.catalog.cache`)."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from shop.catalog.cache import catalogue_changed
from shop.catalog.models import Category, Product, ProductImage, Variant


@receiver(post_save, sender=Category)
@receiver(post_delete, sender=Category)
@receiver(post_save, sender=Product)
@receiver(post_delete, sender=Product)
@receiver(post_save, sender=Variant)
@receiver(post_delete, sender=Variant)
@receiver(post_save, sender=ProductImage)
@receiver(post_delete, sender=ProductImage)
def catalogue_row_changed(sender, **kwargs) -> None:
    catalogue_changed()
