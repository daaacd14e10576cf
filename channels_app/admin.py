from django.contrib import admin

from channels_app.models import IdempotencyKey


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(admin.ModelAdmin):
    """Read-only: which client requests were answered once and replayed after."""

    list_display = ["created_at", "scope", "key", "state"]
    list_filter = ["state"]
    search_fields = ["key", "scope"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
