from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from shop.admin_base import LargeTableMixin, ReadOnlyAdmin, values_filter
from shop.channels import Channel
from shop.errors import DomainError
from shop.orders import services
from shop.orders.models import Order, OrderEvent, OrderLine, Return, ReturnLine
from shop.orders.returns import REFUND_METHODS
from shop.orders.timeline import order_event_text
from shop.payments.models import Payment


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    fields = [
        "sku",
        "name",
        "quantity",
        "cancelled_quantity",
        "unit_price",
        "discount",
        "line_total",
    ]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class PaymentInline(admin.TabularInline):
    model = Payment
    extra = 0
    fields = ["created_at", "method", "status", "amount", "currency", "reference", "channel"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class OrderEventInline(admin.TabularInline):
    """The order's own timeline (a pick failure and how it was re-sourced)."""

    model = OrderEvent
    extra = 0
    fields = ["created_at", "kind", "text", "channel", "user"]
    readonly_fields = fields
    can_delete = False
    verbose_name_plural = "Timeline"

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("Message"))
    def text(self, obj: OrderEvent) -> str:
        return order_event_text(obj)


@admin.register(Order)
class OrderAdmin(LargeTableMixin, admin.ModelAdmin):
    list_display = [
        "number",
        "created_at",
        "channel",
        "fulfilment",
        "store",
        "status",
        "customer",
        "total",
    ]
    list_filter = [
        ("created_at", admin.DateFieldListFilter),
        "status",
        "channel",
        "fulfilment",
        "store",
    ]
    # UPPER(number) and UPPER(email) have prefix indexes on PostgreSQL; customers are searched
    # in their own table (shop.admin_search).
    search_fields = ["^number", "^email", "customer__name"]
    list_select_related = ["store", "customer"]
    readonly_fields = [
        "number",
        "channel",
        "fulfilment",
        "store",
        "status",
        "customer",
        "email",
        "shipping_address",
        "currency",
        "subtotal",
        "discount",
        "total",
        "pickup_deadline",
        "staff_user",
        "created_at",
        "updated_at",
    ]
    inlines = [OrderLineInline, PaymentInline, OrderEventInline]
    actions = ["mark_shipped", "cancel"]

    def has_add_permission(self, request):
        return False

    def _each(self, request, queryset, service, done: str) -> None:
        count = 0
        for order in queryset:
            try:
                service(order)
                count += 1
            except DomainError as exc:
                self.message_user(request, f"{order.number}: {exc.message}", messages.ERROR)
        if count:
            self.message_user(request, f"{count} order(s) {done}.")

    @admin.action(description="Mark shipped (held stock becomes a sale)")
    def mark_shipped(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda order: services.order_mark_shipped(order=order, user=request.user),
            "shipped",
        )

    @admin.action(description="Cancel (held stock is released)")
    def cancel(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda order: services.order_cancel(
                order=order, channel=Channel.BACKOFFICE, user=request.user
            ),
            "cancelled",
        )


class ReturnLineInline(admin.TabularInline):
    model = ReturnLine
    extra = 0
    fields = ["order_line", "quantity", "amount"]
    readonly_fields = fields
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("order_line")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Return)
class ReturnAdmin(LargeTableMixin, ReadOnlyAdmin):
    list_display = [
        "created_at",
        "order",
        "store",
        "restock",
        "refund_method",
        "refund_amount",
        "staff_user",
    ]
    list_filter = [
        "store",
        "restock",
        values_filter("refund_method", "refund", lambda: REFUND_METHODS),
    ]
    search_fields = ["^order__number", "^order__email"]
    list_select_related = ["order", "store", "staff_user"]
    # Newest first by key: no index on created_at.
    ordering = ["-id"]
    inlines = [ReturnLineInline]
