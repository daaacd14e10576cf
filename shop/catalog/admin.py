from django.contrib import admin

from shop.catalog.models import Category, Product, Variant


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "parent"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


class VariantInline(admin.TabularInline):
    model = Variant
    extra = 1
    fields = ["sku", "barcode", "name", "price", "is_active"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "category", "variant_count", "is_active", "created_at"]
    list_filter = ["is_active", "category"]
    search_fields = ["name", "slug", "variants__sku", "variants__barcode"]
    prepopulated_fields = {"slug": ["name"]}
    list_select_related = ["category"]
    inlines = [VariantInline]

    @admin.display(description="Variants")
    def variant_count(self, product):
        return product.variants.count()

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("variants")


@admin.register(Variant)
class VariantAdmin(admin.ModelAdmin):
    list_display = ["sku", "product", "name", "barcode", "price", "is_active"]
    list_filter = ["is_active", "product__category"]
    search_fields = ["sku", "barcode", "product__name", "name"]
    list_select_related = ["product"]
    autocomplete_fields = ["product"]
