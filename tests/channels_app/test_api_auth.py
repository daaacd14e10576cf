import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from inventory.models import StockMovement
from tests.channels_app.support import assert_error, stock_row

TOKEN_URL = "/api/auth/token/"
PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's password


def get_token(client, username: str, password: str = PASSWORD):
    return client.post(TOKEN_URL, {"username": username, "password": password}, format="json")


class TestTokenCreate:
    def test_right_password_gives_the_users_token(self, api, clerk):
        response = get_token(api, clerk.username)

        assert response.status_code == 200
        assert response.json() == {"token": Token.objects.get(user=clerk).key}

    def test_asking_twice_gives_the_same_token(self, api, clerk):
        first = get_token(api, clerk.username).json()["token"]
        second = get_token(api, clerk.username).json()["token"]

        assert first == second
        assert Token.objects.filter(user=clerk).count() == 1

    def test_bad_password_is_a_400_in_the_error_shape(self, api, clerk):
        response = get_token(api, clerk.username, "not-the-password")

        error = assert_error(response, 400, "invalid")
        assert error["details"]
        assert not Token.objects.filter(user=clerk).exists()

    def test_unknown_user_is_a_400(self, api, db):
        assert_error(get_token(api, "nobody"), 400, "invalid")
        assert Token.objects.count() == 0

    def test_missing_password_is_a_400(self, api, clerk):
        response = api.post(TOKEN_URL, {"username": clerk.username}, format="json")

        assert_error(response, 400, "invalid")

    def test_inactive_user_gets_no_token(self, api, clerk):
        clerk.is_active = False
        clerk.save()

        assert_error(get_token(api, clerk.username), 400, "invalid")


class TestTokenUse:
    def test_token_header_authenticates_the_user(self, clerk, store, variant):
        client = APIClient()
        token = get_token(client, clerk.username).json()["token"]
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

        response = client.post(
            "/api/inventory/receipts/",
            {"location": store.code, "lines": [{"sku": variant.sku, "quantity": 4}]},
            format="json",
        )

        assert response.status_code == 201, response.content
        assert stock_row(store, variant) == (4, 0)
        assert StockMovement.objects.get().user == clerk

    def test_token_user_is_limited_to_their_role(self, clerk, other_store, variant):
        client = APIClient()
        token = get_token(client, clerk.username).json()["token"]
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

        response = client.post(
            "/api/inventory/receipts/",
            {"location": other_store.code, "lines": [{"sku": variant.sku, "quantity": 4}]},
            format="json",
        )

        assert_error(response, 403, "permission_denied")
        assert stock_row(other_store, variant) == (0, 0)

    def test_without_a_token_the_caller_is_anonymous(self, api, db):
        assert_error(api.get("/api/inventory/movements/"), 401, "not_authenticated")

    def test_wrong_token_is_a_401(self, api, clerk):
        api.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")

        assert_error(api.get("/api/inventory/movements/"), 401, "authentication_failed")

    def test_token_of_a_deactivated_user_stops_working(self, api, clerk):
        token = get_token(api, clerk.username).json()["token"]
        clerk.is_active = False
        clerk.save()
        api.credentials(HTTP_AUTHORIZATION=f"Token {token}")

        assert_error(api.get("/api/inventory/movements/"), 401, "authentication_failed")


class TestSessionAuthentication:
    @pytest.fixture
    def browser(self, manager):
        client = APIClient(enforce_csrf_checks=True)
        assert client.login(username=manager.username, password=PASSWORD)
        return client

    LOCATION = {
        "code": "st9",
        "name": "Store Nine",
        "kind": "store",
        "click_and_collect": False,
        "ships_online": False,
    }

    def test_session_post_without_csrf_token_is_refused(self, browser):
        response = browser.post("/api/locations/", self.LOCATION, format="json")

        assert_error(response, 403, "permission_denied")
        assert "CSRF" in response.json()["error"]["message"]

    def test_session_post_with_csrf_token_is_accepted(self, browser):
        secret = "k" * 32  # what a page would have put in the csrftoken cookie
        browser.cookies["csrftoken"] = secret

        response = browser.post(
            "/api/locations/", self.LOCATION, format="json", HTTP_X_CSRFTOKEN=secret
        )

        assert response.status_code == 201, response.content

    def test_token_requests_need_no_csrf_token(self, manager):
        client = APIClient(enforce_csrf_checks=True)
        token = get_token(client, manager.username).json()["token"]
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

        response = client.post("/api/locations/", self.LOCATION, format="json")

        assert response.status_code == 201, response.content
