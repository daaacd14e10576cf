"""Test set-up shared by the whole suite.

Tests marked `postgres`, `redis` or `browser` need that service. Without it they skip with
the reason, except when OMNISTORE_REQUIRE_SERVICES=1 (set by CI): then they fail, so a green
CI run proves they ran.
"""

import os
import shutil
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from shop.customers.product_views import product_views_buffer
from shop.staff.mfa import has_second_factor
from tests import factories

pytest_plugins = ["tests.browser"]

REQUIRE_SERVICES = os.environ.get("OMNISTORE_REQUIRE_SERVICES") == "1"
CHROMIUM = "/usr/bin/chromium"


def _redis_reason() -> str | None:
    import redis

    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        return f"no Redis at {url} ({exc})"
    return None


def _missing(marker: str) -> str | None:
    if marker == "postgres" and connection.vendor != "postgresql":
        return f"needs PostgreSQL (running on {connection.vendor}); set DATABASE_URL"
    if marker == "redis":
        return _redis_reason()
    if marker == "browser" and not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        return f"needs Debian's chromium at {CHROMIUM} (apt-get install chromium)"
    return None


def pytest_runtest_setup(item):
    for marker in ("postgres", "redis", "browser"):
        if item.get_closest_marker(marker) is None:
            continue
        reason = _missing(marker)
        if reason is None:
            continue
        if REQUIRE_SERVICES:
            pytest.fail(f"required service missing: {reason}", pytrace=False)
        pytest.skip(reason)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """What one test cached (fragments of pages it rolled back, counters) is not the next one's."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fresh_product_views():
    """Product views buffered by one test (for customers it rolled back) are not flushed by
    the next one."""
    product_views_buffer().clear()
    yield
    product_views_buffer().clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def warehouse(db):
    return factories.LocationFactory(
        code="wh", name="Warehouse", kind="warehouse", ships_online=True
    )


@pytest.fixture
def store(db):
    return factories.LocationFactory(code="st1", name="Store One", click_and_collect=True)


@pytest.fixture
def other_store(db):
    return factories.LocationFactory(code="st2", name="Store Two", click_and_collect=True)


@pytest.fixture
def variant(db):
    return factories.VariantFactory(sku="TEE-M", price=Decimal("19.90"))


@pytest.fixture
def manager(db):
    return factories.manager()


@pytest.fixture
def clerk(store):
    return factories.clerk(store=store)


@pytest.fixture
def superuser(db):
    return factories.UserFactory(username="root", is_staff=True, is_superuser=True)


def admin_client(user) -> Client:
    """A browser session of `user`, signed in, for the admin pages: with an authenticator app
    enrolled, which the back office requires (shop.staff.mfa)."""
    if not has_second_factor(user):
        factories.with_totp(user)
    client = Client()
    client.force_login(user)
    return client


def auth(client: APIClient, user) -> APIClient:
    client.force_authenticate(user)
    return client


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path_factory):
    """Uploaded pictures and their thumbnails go to a temporary folder, not the project's."""
    settings.MEDIA_ROOT = str(tmp_path_factory.getbasetemp() / "media")
