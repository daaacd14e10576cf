from django.contrib import admin

from shop.admin_base import LargeTableMixin, ReadOnly
from shop.marketing.models import OrderAttribution, Touch
from shop.staff.roles import is_manager


class ManagersRead(ReadOnly):
    """Every manager reads these (whatever their groups' permissions); nobody edits them."""

    def has_module_permission(self, request):
        return is_manager(request.user)

    def has_view_permission(self, request, obj=None):
        return is_manager(request.user)


@admin.register(Touch)
class TouchAdmin(LargeTableMixin, ManagersRead, admin.ModelAdmin):
    """What brought visitors and customers: written by the storefront and at each order."""

    list_display = ["at", "channel", "source", "medium", "campaign", "store", "customer"]
    list_filter = [("at", admin.DateFieldListFilter), "channel"]
    search_fields = ["^source", "^campaign", "^customer__email"]
    list_select_related = ["store", "customer"]
    ordering = ["-at", "-id"]


@admin.register(OrderAttribution)
class OrderAttributionAdmin(LargeTableMixin, ManagersRead, admin.ModelAdmin):
    """Each order's touches as fixed when it was placed."""

    list_display = ["order", "placed_at", "first_touch", "last_touch", "last_non_direct_touch"]
    list_filter = [("placed_at", admin.DateFieldListFilter)]
    search_fields = ["^order__number"]
    list_select_related = ["order", "first_touch", "last_touch", "last_non_direct_touch"]
    ordering = ["-placed_at"]
