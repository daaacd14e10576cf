from django.contrib import admin

from shop.admin_base import ReadOnlyAdmin
from shop.outbox.models import OutboxMessage
from shop.outbox.services import outbox_retry


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "topic", "key", "status", "attempts", "delivered_at"]
    list_filter = ["status", "topic"]
    search_fields = ["key"]
    actions = ["retry"]

    @admin.action(description="Try failed messages again")
    def retry(self, request, queryset):
        retried = sum(outbox_retry(message=m) for m in queryset.filter(status="failed"))
        self.message_user(request, f"{retried} message(s) queued again.")
