import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from shop.staff.models import StaffProfile
from shop.staff.roles import is_manager
from shop.staff.services import MANAGERS_GROUP
from tests.channels_app.support import assert_error, stock_row
from tests.conftest import auth

URL = "/api/staff/"
PASSWORD = "Till-Roll-Quartz-42"
User = get_user_model()


def new_clerk(store_code="st1", **changes) -> dict:
    return {
        "username": "alice",
        "password": PASSWORD,
        "role": "clerk",
        "store": store_code,
        **changes,
    }


class TestStaffCreate:
    def test_manager_creates_a_clerk_for_a_store(self, api, manager, store):
        response = auth(api, manager).post(URL, new_clerk(), format="json")

        assert response.status_code == 201, response.content
        user = User.objects.get(username="alice")
        assert response.json() == {
            "id": user.pk,
            "username": "alice",
            "role": "clerk",
            "store": "st1",
        }
        assert "password" not in response.json()
        assert user.check_password(PASSWORD)
        assert not user.is_staff
        assert (user.staff_profile.role, user.staff_profile.store) == ("clerk", store)

    def test_manager_creates_a_manager(self, api, manager, store):
        body = new_clerk(username="bob", role="manager", store=None)

        response = auth(api, manager).post(URL, body, format="json")

        assert response.status_code == 201, response.content
        user = User.objects.get(username="bob")
        assert response.json() == {
            "id": user.pk,
            "username": "bob",
            "role": "manager",
            "store": None,
        }
        assert user.is_staff
        assert user.groups.filter(name=MANAGERS_GROUP).exists()
        assert is_manager(user)

    def test_clerk_without_store_is_a_400(self, api, manager):
        response = auth(api, manager).post(URL, new_clerk(store=None), format="json")

        assert_error(response, 400, "invalid")
        assert not User.objects.filter(username="alice").exists()

    def test_clerk_with_unknown_store_is_a_400(self, api, manager):
        response = auth(api, manager).post(URL, new_clerk("nowhere"), format="json")

        assert_error(response, 400, "unknown_location")
        assert not User.objects.filter(username="alice").exists()

    @pytest.mark.parametrize("password", ["123", "password", "alice123", "84736251940"])
    def test_weak_password_is_a_400(self, api, manager, store, password):
        response = auth(api, manager).post(URL, new_clerk(password=password), format="json")

        error = assert_error(response, 400, "invalid")
        assert error["details"]
        assert not User.objects.filter(username="alice").exists()

    @pytest.mark.parametrize("username", ["has space", "slash/es", "<script>", "x" * 151, ""])
    def test_invalid_username_is_a_400(self, api, manager, store, username):
        response = auth(api, manager).post(URL, new_clerk(username=username), format="json")

        error = assert_error(response, 400, "invalid")
        assert set(error["details"][0]) == {"username"}
        assert StaffProfile.objects.count() == 1

    def test_unknown_role_is_a_400(self, api, manager, store):
        response = auth(api, manager).post(URL, new_clerk(role="owner"), format="json")

        assert_error(response, 400, "invalid")
        assert not User.objects.filter(username="alice").exists()

    def test_taken_username_is_a_409(self, api, manager, store):
        response = auth(api, manager).post(URL, new_clerk(username="MANAGER"), format="json")

        assert_error(response, 409, "conflict")
        assert StaffProfile.objects.count() == 1

    def test_clerk_is_forbidden(self, api, clerk, store):
        response = auth(api, clerk).post(URL, new_clerk(), format="json")

        assert_error(response, 403, "permission_denied")
        assert not User.objects.filter(username="alice").exists()

    def test_shopper_is_forbidden(self, api, shopper, store):
        response = auth(api, shopper).post(URL, new_clerk(), format="json")

        assert_error(response, 403, "permission_denied")
        assert not User.objects.filter(username="alice").exists()

    def test_anonymous_is_a_401(self, api, store):
        assert_error(api.post(URL, new_clerk(), format="json"), 401, "not_authenticated")
        assert not User.objects.filter(username="alice").exists()


class TestNewClerkAtWork:
    @pytest.fixture
    def alice(self, api, manager, store):
        response = auth(api, manager).post(URL, new_clerk(), format="json")
        assert response.status_code == 201, response.content
        client = APIClient()
        token = client.post(
            "/api/auth/token/", {"username": "alice", "password": PASSWORD}, format="json"
        )
        assert token.status_code == 200, token.content
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
        return client

    def receipt(self, location) -> dict:
        return {"location": location.code, "lines": [{"sku": "TEE-M", "quantity": 3}]}

    def test_works_at_their_store(self, alice, store, variant):
        response = alice.post("/api/inventory/receipts/", self.receipt(store), format="json")

        assert response.status_code == 201, response.content
        assert stock_row(store, variant) == (3, 0)
        assert alice.get("/api/inventory/movements/").json()["count"] == 1

    def test_not_at_another_store(self, alice, other_store, warehouse, variant):
        for location in (other_store, warehouse):
            response = alice.post("/api/inventory/receipts/", self.receipt(location), format="json")
            assert_error(response, 403, "permission_denied")
            assert stock_row(location, variant) == (0, 0)
        response = alice.get("/api/inventory/movements/", {"location": other_store.code})
        assert_error(response, 403, "permission_denied")

    def test_no_manager_powers(self, alice, store, other_store, variant):
        assert_error(
            alice.post(URL, new_clerk(username="eve"), format="json"), 403, "permission_denied"
        )
        body = {
            "from": store.code,
            "to": other_store.code,
            "lines": [{"sku": "TEE-M", "quantity": 1}],
        }
        assert_error(
            alice.post("/api/inventory/transfers/", body, format="json"), 403, "permission_denied"
        )
        assert not User.objects.filter(username="eve").exists()
