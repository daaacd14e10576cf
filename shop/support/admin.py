from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models import Q, Subquery

from shop.channels import Channel
from shop.errors import DomainError
from shop.support import services
from shop.support.models import Ticket, TicketMessage

#: Messages shown on a ticket's page: the newest ones, however long the thread.
INLINE_MESSAGES = 50


class TicketMessageInline(admin.TabularInline):
    model = TicketMessage
    extra = 0
    can_delete = False
    fields = ["at", "author", "author_email", "channel", "internal", "body", "message_id"]
    readonly_fields = fields
    verbose_name_plural = f"Messages (the latest {INLINE_MESSAGES})"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        messages_ = super().get_queryset(request).select_related("author")
        match = getattr(request, "resolver_match", None)
        ticket_id = match.kwargs.get("object_id") if match else None
        if not ticket_id:
            return messages_.none()
        latest = (
            TicketMessage.objects.filter(ticket_id=ticket_id)
            .order_by("-at", "-id")
            .values("pk")[:INLINE_MESSAGES]
        )
        return messages_.filter(pk__in=Subquery(latest)).order_by("at", "id")


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    """Managers read tickets here, assign them and move their status (through the services);
    answers are written from the till or the API, so each reaches the customer by email."""

    list_display = [
        "number",
        "subject",
        "customer",
        "status",
        "opened_channel",
        "store",
        "assignee",
        "updated_at",
    ]
    list_filter = [
        "status",
        "opened_channel",
        ("store", admin.RelatedOnlyFieldListFilter),
        ("assignee", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["customer", "store", "assignee"]
    search_fields = ["number", "subject", "customer__email", "customer__name"]
    date_hierarchy = "updated_at"
    fields = [
        "number",
        "subject",
        "customer",
        "order",
        "status",
        "opened_channel",
        "store",
        "assignee",
        "created_at",
        "updated_at",
    ]
    readonly_fields = [f for f in fields if f != "assignee"]
    inlines = [TicketMessageInline]
    actions = ["mark_resolved", "mark_closed", "reopen"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "assignee":  # staff members only, as `ticket_assign` wants
            kwargs["queryset"] = get_user_model().objects.filter(
                Q(staff_profile__isnull=False) | Q(is_superuser=True)
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if "assignee" in form.changed_data:
            services.ticket_assign(ticket=obj, assignee=form.cleaned_data["assignee"])

    def _set_status(self, request, queryset, status: str) -> None:
        moved = 0
        for ticket in queryset.select_related("customer", "store"):
            try:
                services.ticket_set_status(
                    ticket=ticket, status=status, channel=Channel.BACKOFFICE, user=request.user
                )
                moved += 1
            except DomainError as exc:
                self.message_user(request, f"{ticket.number}: {exc.message}", messages.WARNING)
        self.message_user(request, f"{moved} service request(s) now {status.replace('_', ' ')}.")

    @admin.action(description="Mark resolved")
    def mark_resolved(self, request, queryset):
        self._set_status(request, queryset, Ticket.Status.RESOLVED)

    @admin.action(description="Close")
    def mark_closed(self, request, queryset):
        self._set_status(request, queryset, Ticket.Status.CLOSED)

    @admin.action(description="Reopen")
    def reopen(self, request, queryset):
        self._set_status(request, queryset, Ticket.Status.OPEN)
