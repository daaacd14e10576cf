from django.contrib import admin
from django.db.models import F
from django.urls import reverse
from django.utils.html import format_html

from carts.models import (
    Cart,
    CartLine,
    Promotion,
    PromotionUsage,
    TillCart,
    TillDevice,
    TillSale,
)
from shop.admin_base import LargeTableMixin, ReadOnlyAdmin


@admin.register(Promotion)
class PromotionAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "code",
        "kind",
        "value",
        "min_subtotal",
        "starts_at",
        "ends_at",
        "times_used",
        "usage_limit",
        "first_order_only",
        "is_active",
        "uses",
    ]
    list_filter = ["is_active", "kind", "first_order_only"]
    search_fields = ["name", "code", "email"]
    autocomplete_fields = ["categories", "variants"]
    readonly_fields = ["times_used"]
    fieldsets = [
        (None, {"fields": ["name", "code", "kind", "value", "is_active"]}),
        ("Applies to (empty: the whole cart)", {"fields": ["categories", "variants"]}),
        (
            "Conditions",
            {
                "fields": [
                    "min_subtotal",
                    "starts_at",
                    "ends_at",
                    "usage_limit",
                    "times_used",
                    "first_order_only",
                    "email",
                ]
            },
        ),
    ]

    @admin.display(description="Orders")
    def uses(self, promotion: Promotion) -> str:
        url = reverse("admin:carts_promotionusage_changelist")
        return format_html('<a href="{}?promotion__id__exact={}">uses</a>', url, promotion.pk)


class CartLineInline(admin.TabularInline):
    model = CartLine
    extra = 0
    fields = ["variant", "quantity", "added_at"]
    readonly_fields = fields
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("variant__product")

    def has_add_permission(self, request, obj=None):
        return False


class TillCartInline(admin.StackedInline):
    """The till (store and clerk) whose walk-in sale this cart is, if it is one."""

    model = TillCart
    fk_name = "cart"
    fields = ["store", "user", "loaded_cart", "customer"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Cart)
class CartAdmin(LargeTableMixin, admin.ModelAdmin):
    """Carts change through the shop, the till and the API; here they are read."""

    list_display = ["handoff_code", "customer", "status", "line_count", "updated_at"]
    list_filter = ["status"]
    # UPPER(handoff_code) has a prefix index on PostgreSQL; customers are searched in their
    # own table (shop.admin_search).
    search_fields = ["^handoff_code", "^customer__email", "customer__name"]
    list_select_related = ["customer"]
    readonly_fields = ["customer", "status", "handoff_code", "pending_order", "promotions"]
    inlines = [CartLineInline, TillCartInline]

    @admin.display(description="Lines")
    def line_count(self, cart):
        return cart.lines.count()

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("lines")

    def has_add_permission(self, request):
        return False


@admin.register(PromotionUsage)
class PromotionUsageAdmin(LargeTableMixin, admin.ModelAdmin):
    list_display = ["created_at", "promotion", "order", "amount"]
    # No filter by promotion: its sidebar would list every promotion ever made. Search by code,
    # or follow a promotion's "uses" link (?promotion__id__exact=).
    search_fields = ["^order__number", "=promotion__code"]
    list_select_related = ["promotion", "order"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class PriceDifferenceFilter(admin.SimpleListFilter):
    title = "price paid"
    parameter_name = "price"

    def lookups(self, request, model_admin):
        return [("differs", "Differs from the price when it arrived"), ("same", "Same")]

    def queryset(self, request, queryset):
        if self.value() == "differs":
            return queryset.exclude(paid_total=F("priced_total"))
        if self.value() == "same":
            return queryset.filter(paid_total=F("priced_total"))
        return queryset


@admin.register(TillSale)
class TillSaleAdmin(LargeTableMixin, ReadOnlyAdmin):
    """Sales the tills made on their devices (offline too), with the price paid against the
    price when they arrived: a difference is flagged here, never charged."""

    list_display = [
        "receipt_number",
        "order",
        "created_offline_at",
        "received_at",
        "paid_total",
        "priced_total",
        "price_difference",
    ]
    list_filter = [PriceDifferenceFilter, "device__store"]
    search_fields = ["^receipt_number", "^order__number"]
    list_select_related = ["order", "device__store"]
    ordering = ["-received_at", "-id"]

    @admin.display(description="Difference")
    def price_difference(self, sale):
        return sale.price_difference


@admin.register(TillDevice)
class TillDeviceAdmin(ReadOnlyAdmin):
    list_display = ["store", "number", "uuid", "created_at"]
    list_filter = ["store"]
    list_select_related = ["store"]
