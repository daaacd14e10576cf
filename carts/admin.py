from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from carts.models import Cart, CartLine, Promotion, PromotionUsage
from shop.admin_base import LargeTableMixin


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
    inlines = [CartLineInline]

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
