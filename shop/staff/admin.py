from django.contrib import admin

from shop.staff.models import StaffProfile


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "store"]
    list_filter = ["role", "store"]
    search_fields = ["user__username", "user__email"]
    list_select_related = ["user", "store"]
    raw_id_fields = ["user"]
