from django.contrib import admin
from django.utils.html import format_html
from modeltranslation.admin import TranslationAdmin

from shop.admin_base import LargeTableMixin
from shop.catalog.models import Category, Product, ProductImage, Variant

# On PostgreSQL, UPPER(sku) has a prefix index and UPPER(product name) a trigram one; barcodes
# are unique. Searches through the other table look there first (shop.admin_search).


@admin.register(Category)
class CategoryAdmin(TranslationAdmin):
    list_display = ["name", "slug", "parent"]
    search_fields = ["name", "slug"]
    list_select_related = ["parent"]
    prepopulated_fields = {"slug": ["name"]}


class VariantInline(admin.TabularInline):
    model = Variant
    extra = 1
    fields = ["sku", "barcode", "name", "price", "gtin", "brand", "mpn", "is_active"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("product")  # for str(variant)


class ProductImageInline(admin.TabularInline):
    """Pictures are uploaded here; their thumbnails are made as each one is saved."""

    model = ProductImage
    extra = 1
    fields = ["preview", "image", "alt", "position"]
    readonly_fields = ["preview"]

    @admin.display(description="Preview")
    def preview(self, image: ProductImage) -> str:
        if not image.pk:
            return ""
        return format_html(
            '<img src="{}" alt="{}" width="96" loading="lazy">', image.thumbnail.url, image.alt
        )


@admin.register(Product)
class ProductAdmin(LargeTableMixin, TranslationAdmin):
    """Name and description in each language (English is required, French falls back to it)."""

    list_display = ["name", "category", "tax_class", "variant_count", "is_active", "created_at"]
    list_filter = ["is_active", "tax_class", "category"]
    search_fields = ["name", "^variants__sku", "variants__barcode__exact"]
    prepopulated_fields = {"slug": ["name"]}
    list_select_related = ["category"]
    inlines = [VariantInline, ProductImageInline]

    @admin.display(description="Variants")
    def variant_count(self, product):
        return product.variants.count()

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("variants")


@admin.register(Variant)
class VariantAdmin(LargeTableMixin, admin.ModelAdmin):
    list_display = ["sku", "product", "name", "barcode", "gtin", "brand", "price", "is_active"]
    list_filter = ["is_active", "product__category"]
    search_fields = ["^sku", "barcode__exact", "product__name"]
    list_select_related = ["product"]
    autocomplete_fields = ["product"]
    # The SKU's unique index; the model's ordering sorts by the joined product name.
    ordering = ["sku"]
