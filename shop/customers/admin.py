from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode

from shop.admin_base import LargeTableMixin, NewestInline
from shop.customers.models import Customer, CustomerEvent


class CustomerEventInline(NewestInline):
    model = CustomerEvent
    limit = 20
    verbose_name_plural = f"latest {limit} events"
    fields = ["created_at", "kind", "channel", "store", "payload"]
    readonly_fields = fields
    ordering = ["-created_at", "-id"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("store")


def _changelist_of(model_label: str, **filters) -> str:
    return f"{reverse(f'admin:{model_label}_changelist')}?{urlencode(filters)}"


@admin.register(Customer)
class CustomerAdmin(LargeTableMixin, admin.ModelAdmin):
    list_display = ["__str__", "email", "phone", "user", "created_at"]
    # Served by trigram indexes on PostgreSQL (UPPER(email), UPPER(name)) and the phone index.
    search_fields = ["^email", "name", "phone__startswith"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    readonly_fields = ["history"]
    inlines = [CustomerEventInline]

    @admin.display(description="History")
    def history(self, customer):
        if customer.pk is None:
            return "—"
        return format_html(
            '<a href="{}">Whole timeline</a> · <a href="{}">Orders</a> · <a href="{}">Carts</a>',
            _changelist_of("customers_customerevent", customer__id__exact=customer.pk),
            _changelist_of("orders_order", customer__id__exact=customer.pk),
            _changelist_of("carts_cart", customer__id__exact=customer.pk),
        )


@admin.register(CustomerEvent)
class CustomerEventAdmin(LargeTableMixin, admin.ModelAdmin):
    """The timeline is append-only: managers read it, services write it."""

    list_display = ["created_at", "customer", "kind", "channel", "store"]
    list_filter = [("created_at", admin.DateFieldListFilter), "kind", "channel", "store"]
    search_fields = ["^customer__email", "customer__name"]
    list_select_related = ["customer", "store"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
