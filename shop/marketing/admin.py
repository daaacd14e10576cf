from django.contrib import admin
from django.db.models import Count, Q

from shop.admin_base import LargeTableMixin, ReadOnly, ReadOnlyAdmin
from shop.channels import Channel
from shop.marketing.models import CartReminder, OrderAttribution, ReminderProgram, Touch
from shop.staff.roles import is_manager


def reminder_summary() -> dict:
    """Reminders sent, skipped by reason and recovered, in one aggregate query."""
    Status = CartReminder.Status
    reasons = CartReminder.SkipReason
    counts = CartReminder.objects.aggregate(
        sent=Count("pk", filter=Q(status=Status.SENT)),
        recovered=Count("pk", filter=Q(recovered_order__isnull=False)),
        clicked=Count("pk", filter=Q(clicked_at__isnull=False)),
        **{
            reason.value: Count("pk", filter=Q(status=Status.SKIPPED, skip_reason=reason.value))
            for reason in reasons
        },
    )
    return {
        "sent": counts["sent"],
        "clicked": counts["clicked"],
        "recovered": counts["recovered"],
        "skipped": [(reason.label, counts[reason.value]) for reason in reasons],
    }


class RecoveredFilter(admin.SimpleListFilter):
    title = "recovered"
    parameter_name = "recovered"

    def lookups(self, request, model_admin):
        return [("yes", "Recovered an order"), ("no", "Not recovered")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(recovered_order__isnull=self.value() == "no")
        return queryset


@admin.register(CartReminder)
class CartReminderAdmin(LargeTableMixin, ReadOnlyAdmin):
    list_display = [
        "created_at",
        "email",
        "status",
        "skip_reason",
        "promotion",
        "clicked_at",
        "recovered_order",
    ]
    list_filter = ["status", "skip_reason", RecoveredFilter]
    list_select_related = ["promotion", "recovered_order"]
    search_fields = ["^email"]
    ordering = ["-created_at", "-id"]
    change_list_template = "admin/marketing/cartreminder/change_list.html"

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "reminder_summary": reminder_summary()}
        return super().changelist_view(request, extra_context=extra_context)


@admin.register(ReminderProgram)
class ReminderProgramAdmin(ReadOnlyAdmin):
    list_display = ["__str__"]


class ManagersRead(ReadOnly):
    """Every manager reads these (whatever their groups' permissions); nobody edits them."""

    def has_module_permission(self, request):
        return is_manager(request.user)

    def has_view_permission(self, request, obj=None):
        return is_manager(request.user)


class TouchChannelFilter(admin.SimpleListFilter):
    """The channel groups and sales channels a touch can have, from their choices: a filter
    listing the distinct values would read the whole table."""

    title = "channel"
    parameter_name = "channel"

    def lookups(self, request, model_admin):
        return [*Touch.Group.choices, *((c.value, c.label) for c in Channel if c != Channel.WEB)]

    def queryset(self, request, queryset):
        return queryset.filter(channel=self.value()) if self.value() else queryset


@admin.register(Touch)
class TouchAdmin(LargeTableMixin, ManagersRead, admin.ModelAdmin):
    """What brought visitors and customers: written by the storefront and at each order."""

    list_display = ["at", "channel", "source", "medium", "campaign", "store", "customer"]
    list_filter = [("at", admin.DateFieldListFilter), TouchChannelFilter]
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
