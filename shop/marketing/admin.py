from django.contrib import admin
from django.db.models import Count, Q

from shop.admin_base import LargeTableMixin, ReadOnlyAdmin
from shop.marketing.models import CartReminder, ReminderProgram


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
