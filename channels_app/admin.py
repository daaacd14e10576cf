from django.contrib import admin

from channels_app.models import IdempotencyKey
from shop.admin_base import LargeTableMixin


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(LargeTableMixin, admin.ModelAdmin):
    """Read-only: which client requests were answered once and replayed after."""

    list_display = ["created_at", "scope", "key", "state"]
    list_filter = ["state"]
    # The leading column of the (scope, key) unique index.
    search_fields = ["scope__exact"]
    search_help_text = "Whose keys: user:<id> or session:<key>."

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
