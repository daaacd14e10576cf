from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from shop.errors import Conflict, InvalidInput, PermissionDenied
from shop.staff.models import StaffProfile
from shop.staff.roles import is_manager

MANAGERS_GROUP = "Managers"
#: The apps whose models managers run in the admin.
MANAGED_APPS = (
    "catalog",
    "customers",
    "orders",
    "payments",
    "outbox",
    "staff",
    "inventory",
    "carts",
    "support",
    "marketing",
    "shipping",
    "channels_app",
    "journal",
    "auth",
)


def managers_group() -> Group:
    """The admin group that gives managers every permission on the shop's models."""
    group, _ = Group.objects.get_or_create(name=MANAGERS_GROUP)
    group.permissions.add(*Permission.objects.filter(content_type__app_label__in=MANAGED_APPS))
    return group


def _check_role(role: str, store) -> None:
    if role not in StaffProfile.Role.values:
        raise InvalidInput(
            gettext("Role must be one of %(join)s.") % {"join": ", ".join(StaffProfile.Role.values)}
        )
    if role == StaffProfile.Role.CLERK and (store is None or store.kind != "store"):
        raise InvalidInput(gettext("A clerk needs a store (not a warehouse)."))


def _apply_role(user, role: str, store) -> StaffProfile:
    """The role decides admin access: a manager is staff in the Managers group, everywhere;
    a clerk works in one store, without admin access."""
    manager = role == StaffProfile.Role.MANAGER
    if user.is_staff != manager:
        user.is_staff = manager
        user.save(update_fields=["is_staff"])
    if manager:
        user.groups.add(managers_group())
        store = None
    else:
        user.groups.remove(*Group.objects.filter(name=MANAGERS_GROUP))
    profile, _ = StaffProfile.objects.update_or_create(
        user=user, defaults={"role": role, "store": store}
    )
    return profile


def staff_role_check(*, user, role: str, store=None, by) -> None:
    """Raises what `staff_set_role` would refuse, changing nothing (for forms to show)."""
    if not is_manager(by):
        raise PermissionDenied(gettext("Only managers change staff roles."))
    if user.is_superuser and not by.is_superuser:
        raise PermissionDenied(gettext("Only a superuser may change a superuser."))
    _check_role(role, store)
    if role == StaffProfile.Role.CLERK and user.is_superuser:
        raise Conflict(
            gettext(
                "A superuser is a manager everywhere: remove superuser status first "
                "to make them a clerk."
            )
        )


@transaction.atomic
def staff_set_role(*, user, role: str, store=None, by) -> StaffProfile:
    """Makes `user` a manager (admin access through the Managers group) or a clerk of
    `store` (no admin access any more), as the manager `by` asks."""
    staff_role_check(user=user, role=role, store=store, by=by)
    return _apply_role(user, role, store)


@transaction.atomic
def staff_create(
    *, username: str, password: str, role: str, store=None, email: str = ""
) -> StaffProfile:
    """Creates a staff login: a clerk bound to one store, or a manager with admin access."""
    _check_role(role, store)
    User = get_user_model()
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict(
            gettext("The username %(username)s is taken.") % {"username": f"{username!r}"}
        )
    user = User(username=username, email=email)
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise InvalidInput(gettext("The password is too weak."), details=exc.messages) from None
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:  # the same username, created by a concurrent request
        raise Conflict(
            gettext("The username %(username)s is taken.") % {"username": f"{username!r}"}
        ) from None
    return _apply_role(user, role, store)
