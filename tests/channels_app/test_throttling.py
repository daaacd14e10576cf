"""Abuse limits: every throttled scope refuses past its rate (small rates set here), with the
contract's error body in the API and a readable 429 page for forms; the client address
trusts X-Forwarded-For only as far as NUM_PROXIES says; failed token requests lock an account;
allauth's sign-in limits apply to the web login."""

import html
import os

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache, caches
from django.test import Client, RequestFactory

from channels_app.throttling import TokenLockout, throttle_wait
from tests import factories
from tests.channels_app.support import assert_error

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's password
TOKEN_URL = "/api/auth/token/"
LIMIT = 2


@pytest.fixture
def rates(settings):
    """Sets small rates for the scopes named: `rates(cart=...)`, default LIMIT a minute."""

    def set_rates(*scopes, **named):
        wanted = {scope: f"{LIMIT}/minute" for scope in scopes} | named
        settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, **wanted}

    return set_rates


@pytest.fixture
def behind_proxies(settings):
    """NUM_PROXIES as a deployment sets it: for DRF's throttles and allauth alike."""

    def set_proxies(count: int):
        settings.NUM_PROXIES = count
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": count}
        settings.ALLAUTH_TRUSTED_PROXY_COUNT = count

    return set_proxies


def assert_throttled(response) -> dict:
    error = assert_error(response, 429, "throttled")
    retry_after = int(response["Retry-After"])
    assert 0 < retry_after <= 60
    assert error["details"] == [{"retry_after": retry_after}]
    return error


def assert_throttled_page(response, *, layout: str = "site-header") -> str:
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    page = html.unescape(response.content.decode())
    assert "Too many attempts" in page
    assert f"Wait {response['Retry-After']} second" in page
    assert layout in page  # the page is in the layout of the site it came from
    return page


def statuses(send, times: int) -> list[int]:
    return [send().status_code for _ in range(times)]


class TestSettings:
    def test_one_proxy_count_for_drf_and_allauth(self, settings):
        assert settings.REST_FRAMEWORK["NUM_PROXIES"] == settings.NUM_PROXIES
        assert settings.ALLAUTH_TRUSTED_PROXY_COUNT == settings.NUM_PROXIES

    def test_every_scope_has_a_rate(self, settings):
        scopes = {
            "token",
            "token_username",
            "checkout",
            "cart",
            "promotion_code",
            "handoff_lookup",
            "gift_card_lookup",
            "ticket_open",
        }
        assert scopes <= set(settings.THROTTLE_RATES)
        assert settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] is settings.THROTTLE_RATES


class TestTokenCreation:
    def post(self, client, username, password=PASSWORD, **headers):
        return client.post(
            TOKEN_URL, {"username": username, "password": password}, format="json", **headers
        )

    def test_per_address_whatever_the_username(self, api, db, rates):
        rates(token=f"{LIMIT}/minute", token_username="100/minute")

        assert statuses(lambda: self.post(api, "nobody", "x"), LIMIT) == [400] * LIMIT
        assert_throttled(self.post(api, "somebody-else", "x"))

    def test_per_username_whatever_the_address(self, api, clerk, rates):
        rates(token="100/minute", token_username=f"{LIMIT}/minute")
        for n in range(LIMIT):
            response = self.post(api, clerk.username, REMOTE_ADDR=f"10.0.0.{n + 1}")
            assert response.status_code == 200

        assert_throttled(self.post(api, clerk.username.upper(), REMOTE_ADDR="10.0.1.1"))
        assert self.post(api, "other", "x", REMOTE_ADDR="10.0.1.1").status_code == 400

    def test_failures_lock_the_account_even_for_the_right_password(self, api, clerk, settings):
        settings.TOKEN_LOCKOUT_ATTEMPTS = 3
        settings.TOKEN_LOCKOUT_MINUTES = 10
        for n in range(3):
            assert self.post(api, clerk.username, f"guess-{n}").status_code == 400

        response = self.post(api, clerk.username)

        error = assert_error(response, 429, "throttled")
        assert "failed attempts for this account" in error["message"]
        assert 540 < int(response["Retry-After"]) <= 600
        other = factories.UserFactory(username="other")
        assert self.post(api, other.username).status_code == 200

    @pytest.mark.parametrize(
        ("body", "code"),
        [
            ([], "invalid_body"),
            (["x"], "invalid_body"),
            ("text", "invalid_body"),
            ({"username": ["a"], "password": "x"}, "invalid"),
        ],
    )
    def test_odd_bodies_are_a_400(self, api, db, body, code):
        assert_error(api.post(TOKEN_URL, body, format="json"), 400, code)

    def test_a_success_starts_the_count_again(self, api, clerk, settings):
        settings.TOKEN_LOCKOUT_ATTEMPTS = 3
        for password in ["guess-1", "guess-2", PASSWORD, "guess-3", "guess-4"]:
            self.post(api, clerk.username, password)

        assert self.post(api, clerk.username).status_code == 200

    def test_the_lock_ends_after_its_time(self, api, clerk, settings, monkeypatch):
        settings.TOKEN_LOCKOUT_ATTEMPTS = 2
        settings.TOKEN_LOCKOUT_MINUTES = 1
        for _ in range(2):
            self.post(api, clerk.username, "wrong")
        assert self.post(api, clerk.username).status_code == 429

        real = __import__("time").time
        monkeypatch.setattr("channels_app.throttling.time.time", lambda: real() + 61)

        assert self.post(api, clerk.username).status_code == 200


class TestClientAddress:
    def guess(self, api, forwarded: str):
        return api.post(
            TOKEN_URL,
            {"username": "nobody", "password": "x"},
            format="json",
            HTTP_X_FORWARDED_FOR=forwarded,
        )

    def test_without_proxies_x_forwarded_for_is_ignored(self, api, db, rates):
        rates("token", token_username="100/minute")
        for n in range(LIMIT):
            self.guess(api, f"192.0.2.{n}")

        assert_throttled(self.guess(api, "192.0.2.99"))

    def test_behind_one_proxy_each_client_has_its_own_count(self, api, db, rates, behind_proxies):
        rates("token", token_username="100/minute")
        behind_proxies(1)
        for _ in range(LIMIT):
            self.guess(api, "192.0.2.1")

        assert_throttled(self.guess(api, "192.0.2.1"))
        assert self.guess(api, "192.0.2.2").status_code == 400

    def test_behind_one_proxy_what_the_client_adds_is_not_trusted(
        self, api, db, rates, behind_proxies
    ):
        rates("token", token_username="100/minute")
        behind_proxies(1)
        for n in range(LIMIT):
            self.guess(api, f"203.0.113.{n}, 192.0.2.1")  # the client wrote the first entry

        assert_throttled(self.guess(api, "203.0.113.99, 192.0.2.1"))

    def test_page_throttles_read_the_address_the_same_way(self, rates, behind_proxies):
        rates("gift_card_lookup")
        behind_proxies(1)
        factory = RequestFactory()

        def lookup(forwarded):
            request = factory.post("/", HTTP_X_FORWARDED_FOR=forwarded)
            request.user = AnonymousUser()
            return throttle_wait(request, "gift_card_lookup")

        assert [lookup("192.0.2.7") for _ in range(LIMIT)] == [None] * LIMIT
        assert 0 < lookup("192.0.2.7") <= 60
        assert lookup("192.0.2.8") is None


class TestApiScopes:
    def test_cart_lines(self, api, db, rates, variant):
        rates("cart")
        body = {"sku": variant.sku, "quantity": 1}
        assert (
            statuses(lambda: api.post("/api/cart/lines/", body, format="json"), LIMIT)
            == [201] * LIMIT
        )

        assert_throttled(api.post("/api/cart/lines/", body, format="json"))
        assert_throttled(api.delete("/api/cart/lines/1/"))

    def test_promotion_codes(self, api, db, rates):
        rates("promotion_code")
        codes = [
            api.post("/api/cart/promotion-codes/", {"code": f"GUESS{n}"}, format="json")
            for n in range(LIMIT)
        ]
        assert [r.status_code for r in codes] == [400] * LIMIT

        assert_throttled(api.post("/api/cart/promotion-codes/", {"code": "GUESS"}, format="json"))

    def test_checkout(self, api, db, rates):
        rates("checkout")

        def checkout():
            return api.post("/api/checkout/", {}, format="json", HTTP_IDEMPOTENCY_KEY="k")

        assert 429 not in statuses(checkout, LIMIT)
        assert_throttled(checkout())

    def test_handoff_code_lookups_count_per_clerk(self, api, clerk, rates, store):
        rates("handoff_lookup")
        api.force_authenticate(clerk)
        looks = statuses(lambda: api.get("/api/pos/carts/ZZZZZZ/"), LIMIT)
        assert looks == [404] * LIMIT

        assert_throttled(api.get("/api/pos/carts/ZZZZZZ/"))
        other = factories.clerk(store=store, username="clerk-two")
        api.force_authenticate(other)
        assert api.get("/api/pos/carts/ZZZZZZ/").status_code == 404

    def test_unthrottled_views_are_not_counted(self, api, db, rates):
        rates("cart", "checkout")

        assert statuses(lambda: api.get("/api/cart/"), LIMIT + 2) == [200] * (LIMIT + 2)


class TestPages:
    def test_cart_forms(self, client, rates, variant):
        rates("cart")
        add = {"sku": variant.sku, "quantity": "1"}
        assert statuses(lambda: client.post("/cart/add/", add), LIMIT) == [302] * LIMIT

        assert_throttled_page(client.post("/cart/add/", add, HTTP_REFERER="http://testserver/p/x/"))
        page = assert_throttled_page(client.post("/cart/codes/remove/", {"code": "X"}))
        assert 'href="http://testserver/p/x/"' not in page  # no Referer, no back link
        assert client.get("/cart/").status_code == 200  # reading the cart is not limited

    def test_promotion_code_form(self, client, db, rates):
        rates("promotion_code")
        tries = statuses(lambda: client.post("/cart/codes/", {"code": "GUESS"}), LIMIT)
        assert tries == [302] * LIMIT

        assert_throttled_page(client.post("/cart/codes/", {"code": "GUESS"}))

    def test_checkout_form(self, client, db, rates):
        rates("checkout")
        assert 429 not in statuses(lambda: client.post("/checkout/", {}), LIMIT)

        assert_throttled_page(client.post("/checkout/", {}))
        assert client.get("/checkout/").status_code != 429

    @pytest.fixture
    def till(self, clerk, store):
        """Posts a till form as the store's clerk: `till(path, code)`."""
        client = Client()
        client.force_login(clerk)
        return lambda path, code: client.post(path, {"store": store.code, "code": code})

    @pytest.mark.parametrize(
        ("scope", "path"),
        [("handoff_lookup", "/pos/sale/cart/"), ("promotion_code", "/pos/sale/codes/")],
    )
    def test_till_forms(self, rates, till, scope, path):
        rates(scope)
        assert statuses(lambda: till(path, "ZZZZZZ"), LIMIT) == [302] * LIMIT

        assert_throttled_page(till(path, "ZZZZZZ"), layout="pos-main")

    def test_till_scan_counts_only_handoff_codes(self, rates, till, variant):
        rates("handoff_lookup")

        def scan(code):
            return till("/pos/sale/scan/", code)

        assert [scan(variant.sku).status_code for _ in range(LIMIT + 1)] == [302] * (LIMIT + 1)
        assert [scan("ZZZZZZ").status_code for _ in range(LIMIT)] == [302] * LIMIT
        assert_throttled_page(scan("ZZZZZZ"), layout="pos-main")
        assert scan(variant.sku).status_code == 302


class TestWebSignIn:
    """allauth's own limits, configured by ACCOUNT_RATE_LIMITS."""

    def sign_in(self, client, login, password=PASSWORD, **headers):
        return client.post("/accounts/login/", {"login": login, "password": password}, **headers)

    def test_failed_sign_ins_lock_the_account(self, client, settings, shopper):
        settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login_failed": "3/5m/key"}
        for n in range(3):
            page = self.sign_in(client, "shopper", f"guess-{n}").content.decode()
            assert "are not correct" in page

        response = self.sign_in(client, "shopper")

        assert "Too many failed login attempts" in response.content.decode()
        assert "_auth_user_id" not in client.session

    def test_sign_ins_per_address_answer_the_429_page(self, client, settings, shopper):
        settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "2/m/ip"}
        assert statuses(lambda: self.sign_in(client, "nobody", "x"), 2) == [200, 200]

        response = self.sign_in(client, "shopper")

        assert response.status_code == 429
        assert "Too many attempts" in response.content.decode()
        assert "site-header" in response.content.decode()

    def test_allauth_reads_the_address_behind_proxies(
        self, client, settings, shopper, behind_proxies
    ):
        settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "2/m/ip"}
        behind_proxies(1)
        for _ in range(2):
            self.sign_in(client, "nobody", "x", HTTP_X_FORWARDED_FOR="192.0.2.1")

        assert (
            self.sign_in(client, "nobody", "x", HTTP_X_FORWARDED_FOR="192.0.2.1").status_code == 429
        )
        assert (
            self.sign_in(client, "nobody", "x", HTTP_X_FORWARDED_FOR="192.0.2.2").status_code == 200
        )


@pytest.mark.redis
class TestOnRedis:
    """Production keeps the counts in Redis (CACHE_URL), shared by every process."""

    @pytest.fixture(autouse=True)
    def redis_cache(self, settings):
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15"),
                "KEY_PREFIX": "throttle-tests",
            }
        }
        assert type(caches["default"]).__name__ == "RedisCache"
        cache.clear()
        yield
        cache.clear()

    def test_scopes_and_the_lockout_count_in_redis(self, api, clerk, rates, settings):
        rates("cart", token="100/minute", token_username="100/minute")
        settings.TOKEN_LOCKOUT_ATTEMPTS = 2
        body = {"sku": "NOPE", "quantity": 1}
        assert 429 not in statuses(lambda: api.post("/api/cart/lines/", body, format="json"), 2)
        assert_throttled(api.post("/api/cart/lines/", body, format="json"))

        for _ in range(2):
            api.post(TOKEN_URL, {"username": clerk.username, "password": "x"}, format="json")
        response = api.post(
            TOKEN_URL, {"username": clerk.username, "password": PASSWORD}, format="json"
        )

        assert response.status_code == 429
        assert cache.get(TokenLockout()._keys(clerk.username)[1]) is not None
