from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from shop.errors import Conflict, InvalidInput
from shop.staff.models import StaffProfile

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
    "channels_app",
    "auth",
)


def managers_group() -> Group:
    """The admin group that gives managers every permission on the shop's models."""
    group, _ = Group.objects.get_or_create(name=MANAGERS_GROUP)
    group.permissions.add(*Permission.objects.filter(content_type__app_label__in=MANAGED_APPS))
    return group


@transaction.atomic
def staff_create(
    *, username: str, password: str, role: str, store=None, email: str = ""
) -> StaffProfile:
    """Creates a staff login: a clerk bound to one store, or a manager with admin access."""
    if role not in StaffProfile.Role.values:
        raise InvalidInput(f"Role must be one of {', '.join(StaffProfile.Role.values)}.")
    if role == StaffProfile.Role.CLERK and (store is None or store.kind != "store"):
        raise InvalidInput("A clerk needs a store (not a warehouse).")
    User = get_user_model()
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict(f"The username {username!r} is taken.")
    user = User(username=username, email=email, is_staff=role == StaffProfile.Role.MANAGER)
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise InvalidInput("The password is too weak.", details=exc.messages) from None
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:  # the same username, created by a concurrent request
        raise Conflict(f"The username {username!r} is taken.") from None
    if role == StaffProfile.Role.MANAGER:
        user.groups.add(managers_group())
        store = None
    return StaffProfile.objects.create(user=user, role=role, store=store)
