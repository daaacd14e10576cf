"""Shipping method names per language (django-modeltranslation), as product names."""

from modeltranslation.translator import TranslationOptions, register

from shop.shipping.models import ShippingMethod


@register(ShippingMethod)
class ShippingMethodTranslationOptions(TranslationOptions):
    fields = ("name",)
    fallback_undefined = {"name": ""}
