from django.contrib import admin

from shop.admin_base import LargeTableMixin, ReadOnlyAdmin, values_filter
from shop.outbox.handlers import topics
from shop.outbox.models import OutboxMessage
from shop.outbox.services import outbox_retry


@admin.register(OutboxMessage)
class OutboxMessageAdmin(LargeTableMixin, ReadOnlyAdmin):
    list_display = ["created_at", "topic", "key", "status", "attempts", "delivered_at"]
    list_filter = ["status", values_filter("topic", "topic", topics)]
    # Keys start with what they are about ("order:12:"): a prefix index serves them.
    search_fields = ["key__startswith"]
    # Newest first by key: no index on created_at.
    ordering = ["-id"]
    actions = ["retry"]

    @admin.action(description="Try failed messages again")
    def retry(self, request, queryset):
        retried = sum(outbox_retry(message=m) for m in queryset.filter(status="failed"))
        self.message_user(request, f"{retried} message(s) queued again.")
