from rest_framework.permissions import BasePermission

from shop.staff.roles import is_manager, is_staff_member


class IsManager(BasePermission):
    message = "Only managers may do this."

    def has_permission(self, request, view) -> bool:
        return is_manager(request.user)


class IsStaffMember(BasePermission):
    """A clerk or a manager; store-level checks happen in the view with `ensure_can_act_at`."""

    message = "Only store staff may do this."

    def has_permission(self, request, view) -> bool:
        return is_staff_member(request.user)


class CanReceiveEmail(BasePermission):
    """A manager, or the mail integration's user (permission `support.receive_email`)."""

    message = "Only managers and the mail integration may file inbound email."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return is_manager(user) or (
            user.is_authenticated and user.has_perm("support.receive_email")
        )
