"""Who may act where: clerks in their one store, managers everywhere."""

from django.utils.translation import gettext

from shop.errors import PermissionDenied
from shop.staff.models import StaffProfile


def _profile(user) -> StaffProfile | None:
    if not user or not user.is_authenticated:
        return None
    try:
        return user.staff_profile
    except StaffProfile.DoesNotExist:
        return None


def is_manager(user) -> bool:
    if user and user.is_authenticated and user.is_superuser:
        return True
    profile = _profile(user)
    return profile is not None and profile.role == StaffProfile.Role.MANAGER


def clerk_store(user):
    """The store a clerk works in, or None for managers, shoppers and anonymous users."""
    profile = _profile(user)
    if profile is not None and profile.role == StaffProfile.Role.CLERK:
        return profile.store
    return None


def is_staff_member(user) -> bool:
    return is_manager(user) or clerk_store(user) is not None


def can_act_at(user, location) -> bool:
    if is_manager(user):
        return True
    store = clerk_store(user)
    return store is not None and store.pk == location.pk


def ensure_can_act_at(user, location) -> None:
    if not can_act_at(user, location):
        raise PermissionDenied(gettext("You may not act at %(name)s.") % {"name": location.name})
