"""Category names, product names and descriptions per language (django-modeltranslation): `name_en`,
`name_fr`, ...; `product.name` reads the active language's, falling back to English."""

from modeltranslation.translator import TranslationOptions, register

from shop.catalog.models import Category, Product


@register(Product)
class ProductTranslationOptions(TranslationOptions):
    fields = ("name", "description")
    fallback_undefined = {"name": "", "description": ""}


@register(Category)
class CategoryTranslationOptions(TranslationOptions):
    fields = ("name",)
    fallback_undefined = {"name": ""}
