"""Staff in the admin: roles change through `staff_set_role`, and a manager who is not a
superuser can neither grant superuser status or permissions nor touch a superuser."""

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group

from shop.errors import DomainError
from shop.staff.models import StaffProfile
from shop.staff.services import staff_role_check, staff_set_role

User = get_user_model()


class SuperuserGuard:
    """A superuser (or their staff profile) is read-only for users who are not superusers."""

    @staticmethod
    def _guarded(request, obj) -> bool:
        user = getattr(obj, "user", obj)
        return user is not None and user.is_superuser and not request.user.is_superuser

    # UserAdmin asks this before showing or taking a user's password change too.
    def has_change_permission(self, request, obj=None):
        return not self._guarded(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._guarded(request, obj) and super().has_delete_permission(request, obj)


class StaffProfileForm(forms.ModelForm):
    #: The manager making the change; set per request by `StaffProfileAdmin.get_form`.
    acting_user = None

    class Meta:
        model = StaffProfile
        fields = ["user", "role", "store"]

    def clean(self):
        data = super().clean()
        user = data.get("user") or getattr(self.instance, "user", None)
        if user is not None and data.get("role"):
            try:
                staff_role_check(
                    user=user, role=data["role"], store=data.get("store"), by=self.acting_user
                )
            except DomainError as exc:
                raise forms.ValidationError(exc.message) from None
        return data


@admin.register(StaffProfile)
class StaffProfileAdmin(SuperuserGuard, admin.ModelAdmin):
    form = StaffProfileForm
    list_display = ["user", "role", "store"]
    list_filter = ["role", "store"]
    search_fields = ["user__username", "user__email"]
    list_select_related = ["user", "store"]
    raw_id_fields = ["user"]

    def get_readonly_fields(self, request, obj=None):
        return ["user"] if obj is not None else []

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)  # a new class for this request
        form.acting_user = request.user
        return form

    def save_model(self, request, obj, form, change):
        profile = staff_set_role(user=obj.user, role=obj.role, store=obj.store, by=request.user)
        obj.pk = profile.pk


admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(SuperuserGuard, UserAdmin):
    """Admin access (staff status, groups) follows the role set under Staff profiles; only
    superusers grant superuser status or single permissions."""

    SUPERUSER_ONLY = ["is_superuser", "is_staff", "groups", "user_permissions"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += self.SUPERUSER_ONLY
        return fields


admin.site.unregister(Group)


@admin.register(Group)
class StaffGroupAdmin(GroupAdmin):
    """A group's permissions are set by superusers: a manager may not grant himself more."""

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return fields if request.user.is_superuser else [*fields, "permissions"]
