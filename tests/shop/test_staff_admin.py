"""Staff in the admin: role changes go through `staff_set_role`; a manager who is not a
superuser cannot grant superuser status or permissions, nor touch a superuser."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from shop.staff.models import StaffProfile
from shop.staff.services import MANAGERS_GROUP
from tests import factories
from tests.conftest import admin_client

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def manager_client(manager):
    return admin_client(manager)


def profile_url(profile=None) -> str:
    if profile is None:
        return reverse("admin:staff_staffprofile_add")
    return reverse("admin:staff_staffprofile_change", args=[profile.pk])


def user_url(user) -> str:
    return reverse("admin:auth_user_change", args=[user.pk])


def in_managers_group(user) -> bool:
    return user.groups.filter(name=MANAGERS_GROUP).exists()


class TestRoleChanges:
    def test_promoting_a_clerk_makes_them_staff_in_the_managers_group(self, manager_client, clerk):
        response = manager_client.post(
            profile_url(clerk.staff_profile), {"role": "manager", "store": ""}
        )

        assert response.status_code == 302, response.content
        clerk.refresh_from_db()
        assert clerk.is_staff
        assert in_managers_group(clerk)
        assert (clerk.staff_profile.role, clerk.staff_profile.store) == ("manager", None)

    def test_demoting_a_manager_takes_admin_access_away(self, manager_client, store):
        other = factories.manager(username="other-manager")

        response = manager_client.post(
            profile_url(other.staff_profile), {"role": "clerk", "store": store.pk}
        )

        assert response.status_code == 302, response.content
        other.refresh_from_db()
        assert not other.is_staff
        assert not in_managers_group(other)
        assert other.staff_profile.store == store

    def test_adding_a_profile_makes_a_clerk(self, manager_client, store):
        hire = factories.UserFactory(username="hire")

        response = manager_client.post(
            profile_url(), {"user": hire.pk, "role": "clerk", "store": store.pk}
        )

        assert response.status_code == 302, response.content
        assert StaffProfile.objects.get(user=hire).store == store
        assert not User.objects.get(pk=hire.pk).is_staff

    def test_a_clerk_without_a_store_is_refused_with_the_reason(self, manager_client, warehouse):
        other = factories.manager(username="other-manager")

        response = manager_client.post(
            profile_url(other.staff_profile), {"role": "clerk", "store": warehouse.pk}
        )

        assert response.status_code == 200
        assert "A clerk needs a store" in response.content.decode()
        other.refresh_from_db()
        assert other.is_staff
        assert other.staff_profile.role == "manager"

    def test_a_superusers_profile_is_read_only_for_managers(self, manager_client, superuser):
        profile = StaffProfile.objects.create(user=superuser, role="manager")

        response = manager_client.post(profile_url(profile), {"role": "manager", "store": ""})

        assert response.status_code == 403
        assert manager_client.get(profile_url(profile)).status_code == 200  # still readable


class TestUserAdminForManagers:
    @pytest.fixture
    def shopper(self):
        return factories.UserFactory(username="shopper")

    def user_form(self, user, **changes) -> dict:
        data = {
            "username": user.username,
            "email": user.email,
            "first_name": "",
            "last_name": "",
            "is_active": "on",
            "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
            "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        }
        return data | changes

    def test_the_user_pages_open_for_a_manager(self, manager_client, shopper):
        for url in [reverse("admin:auth_user_add"), user_url(shopper), profile_url()]:
            response = manager_client.get(url)
            assert response.status_code == 200, url

    def test_a_manager_cannot_grant_superuser_staff_or_permissions(self, manager_client, shopper):
        permission = Permission.objects.get(codename="change_user")
        group = Group.objects.create(name="Anything")
        form = self.user_form(
            shopper,
            first_name="Sam",
            is_superuser="on",
            is_staff="on",
            user_permissions=[permission.pk],
            groups=[group.pk],
        )

        response = manager_client.post(user_url(shopper), form)

        assert response.status_code == 302, response.content
        shopper.refresh_from_db()
        assert shopper.first_name == "Sam"  # the rest of the form was saved
        assert not shopper.is_superuser
        assert not shopper.is_staff
        assert not shopper.user_permissions.exists()
        assert not shopper.groups.exists()

    def test_a_superuser_can_grant_them(self, superuser, shopper):
        permission = Permission.objects.get(codename="change_user")
        form = self.user_form(shopper, is_superuser="on", user_permissions=[permission.pk])

        response = admin_client(superuser).post(user_url(shopper), form)

        assert response.status_code == 302, response.content
        shopper.refresh_from_db()
        assert shopper.is_superuser
        assert list(shopper.user_permissions.all()) == [permission]

    def test_a_manager_cannot_edit_a_superuser(self, manager_client, superuser):
        page = manager_client.get(user_url(superuser))
        response = manager_client.post(
            user_url(superuser), self.user_form(superuser, first_name="Mallory")
        )

        assert page.status_code == 200
        assert 'name="_save"' not in page.content.decode()
        assert response.status_code == 403
        superuser.refresh_from_db()
        assert superuser.first_name == ""

    def test_a_manager_cannot_change_a_superusers_password(self, manager_client, superuser):
        url = reverse("admin:auth_user_password_change", args=[superuser.pk])
        new = "Another-Long-Passphrase-9"

        page = manager_client.get(url)
        response = manager_client.post(
            url, {"password1": new, "password2": new, "usable_password": "true"}
        )

        assert page.status_code == 403
        assert response.status_code == 403
        superuser.refresh_from_db()
        assert not superuser.check_password(new)

    def test_a_manager_may_still_reset_a_shoppers_password(self, manager_client, shopper):
        url = reverse("admin:auth_user_password_change", args=[shopper.pk])
        new = "Another-Long-Passphrase-9"

        response = manager_client.post(
            url, {"password1": new, "password2": new, "usable_password": "true"}
        )

        assert response.status_code == 302, response.content
        shopper.refresh_from_db()
        assert shopper.check_password(new)

    def test_a_manager_cannot_delete_a_superuser(self, manager_client, superuser):
        url = reverse("admin:auth_user_delete", args=[superuser.pk])

        response = manager_client.post(url, {"post": "yes"})

        assert response.status_code == 403
        assert User.objects.filter(pk=superuser.pk).exists()

    def test_a_manager_cannot_add_permissions_to_a_group(self, manager_client, manager):
        group = Group.objects.get(name=MANAGERS_GROUP)
        before = set(group.permissions.values_list("pk", flat=True))
        extra = Permission.objects.exclude(pk__in=before).first()
        url = reverse("admin:auth_group_change", args=[group.pk])

        response = manager_client.post(
            url, {"name": group.name, "permissions": [*before, extra.pk]}
        )

        assert response.status_code == 302, response.content
        assert set(group.permissions.values_list("pk", flat=True)) == before
