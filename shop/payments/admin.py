from django.contrib import admin, messages

from shop.admin_base import LargeTableMixin, ReadOnlyAdmin
from shop.errors import DomainError
from shop.payments.models import CashDrawerSession, Payment
from shop.payments.services import refund_retry


@admin.register(Payment)
class PaymentAdmin(LargeTableMixin, ReadOnlyAdmin):
    list_display = ["created_at", "order", "method", "status", "amount", "channel", "store"]
    list_filter = ["method", "status", "channel", "store"]
    # UPPER(reference) has a prefix index on PostgreSQL.
    search_fields = ["^order__number", "^reference"]
    list_select_related = ["order", "store"]
    # Newest first by key: no index on created_at.
    ordering = ["-id"]
    actions = ["retry_refunds"]

    @admin.action(description="Ask the gateway again for refused refunds")
    def retry_refunds(self, request, queryset):
        retried = 0
        for refund in queryset.filter(status=Payment.Status.REFUND_FAILED):
            try:
                refund_retry(refund=refund)
                retried += 1
            except DomainError as exc:
                self.message_user(request, f"{refund}: {exc.message}", messages.ERROR)
        self.message_user(request, f"{retried} refund(s) sent to the gateway again.")


@admin.register(CashDrawerSession)
class CashDrawerSessionAdmin(ReadOnlyAdmin):
    """One row per till and day: a small table, so its date hierarchy stays."""

    list_display = [
        "store",
        "opened_by",
        "opened_at",
        "opening_float",
        "closed_at",
        "expected_cash",
        "counted_cash",
        "difference",
    ]
    list_filter = ["store", ("closed_at", admin.EmptyFieldListFilter)]
    list_select_related = ["store", "opened_by"]
    date_hierarchy = "opened_at"
