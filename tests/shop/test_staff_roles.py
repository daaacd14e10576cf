"""`staff_set_role`: the one way a role changes, and the admin access that follows it."""

import pytest
from django.test import Client

from shop.errors import Conflict, InvalidInput, PermissionDenied
from shop.staff.models import StaffProfile
from shop.staff.roles import clerk_store, is_manager
from shop.staff.services import MANAGERS_GROUP, staff_set_role
from tests import factories

pytestmark = pytest.mark.django_db


def in_managers_group(user) -> bool:
    return user.groups.filter(name=MANAGERS_GROUP).exists()


def test_promoting_a_clerk_gives_admin_access_everywhere(clerk, manager):
    profile = staff_set_role(user=clerk, role="manager", by=manager)

    clerk.refresh_from_db()
    assert (profile.role, profile.store) == ("manager", None)
    assert clerk.is_staff
    assert in_managers_group(clerk)
    assert is_manager(clerk)


def test_demoting_a_manager_takes_admin_access_away(manager, store):
    other = factories.manager(username="other-manager")

    profile = staff_set_role(user=other, role="clerk", store=store, by=manager)

    other.refresh_from_db()
    assert (profile.role, profile.store) == ("clerk", store)
    assert not other.is_staff
    assert not in_managers_group(other)
    assert clerk_store(other) == store
    client = Client()
    client.force_login(other)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_moving_a_clerk_to_another_store(clerk, manager, other_store):
    staff_set_role(user=clerk, role="clerk", store=other_store, by=manager)

    clerk.refresh_from_db()
    assert clerk_store(clerk) == other_store
    assert StaffProfile.objects.filter(user=clerk).count() == 1


def test_a_user_without_a_profile_gets_one(manager, store):
    shopper = factories.UserFactory(username="new-hire")

    staff_set_role(user=shopper, role="clerk", store=store, by=manager)

    assert StaffProfile.objects.get(user=shopper).store == store


@pytest.mark.parametrize("where", [None, "warehouse"])
def test_a_clerk_needs_a_store(manager, clerk, warehouse, store, where):
    with pytest.raises(InvalidInput):
        staff_set_role(user=manager, role="clerk", store=warehouse if where else None, by=manager)

    manager.refresh_from_db()
    assert manager.is_staff
    assert in_managers_group(manager)


def test_an_unknown_role_is_refused(manager, clerk):
    with pytest.raises(InvalidInput):
        staff_set_role(user=clerk, role="owner", by=manager)


def test_only_managers_change_roles(clerk, store):
    colleague = factories.clerk(store=store, username="colleague")

    with pytest.raises(PermissionDenied):
        staff_set_role(user=clerk, role="manager", by=colleague)

    assert not colleague.is_staff
    clerk.refresh_from_db()
    assert not clerk.is_staff


def test_a_manager_cannot_change_a_superuser(manager, superuser, store):
    with pytest.raises(PermissionDenied):
        staff_set_role(user=superuser, role="manager", by=manager)

    assert not StaffProfile.objects.filter(user=superuser).exists()


def test_a_superuser_can_make_another_superuser_a_manager(superuser):
    other = factories.UserFactory(username="root2", is_superuser=True)

    staff_set_role(user=other, role="manager", by=superuser)

    assert other.staff_profile.role == "manager"


def test_a_superuser_is_not_made_a_clerk(superuser, store):
    with pytest.raises(Conflict):
        staff_set_role(user=superuser, role="clerk", store=store, by=superuser)

    superuser.refresh_from_db()
    assert superuser.is_staff
