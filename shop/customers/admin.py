from django.contrib import admin

from shop.customers.models import Customer, CustomerEvent


class CustomerEventInline(admin.TabularInline):
    model = CustomerEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "kind", "channel", "store", "payload"]
    readonly_fields = fields
    ordering = ["-created_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["__str__", "email", "phone", "user", "created_at"]
    search_fields = ["name", "email", "phone", "user__username"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    inlines = [CustomerEventInline]


@admin.register(CustomerEvent)
class CustomerEventAdmin(admin.ModelAdmin):
    """The timeline is append-only: managers read it, services write it."""

    list_display = ["created_at", "customer", "kind", "channel", "store"]
    list_filter = ["kind", "channel", "store"]
    search_fields = ["customer__email", "customer__name"]
    list_select_related = ["customer", "store"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
