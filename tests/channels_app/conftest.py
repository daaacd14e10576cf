import pytest
from django.core.cache import cache

from tests import factories


@pytest.fixture(autouse=True)
def _fresh_throttle_history():
    """Throttle counters live in the cache; each test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def shopper(db):
    """A signed-in customer: authenticated, but no staff profile."""
    return factories.UserFactory(username="shopper")


@pytest.fixture
def clerk_client(client, clerk):
    """The clerk of `store`, signed in on the POS pages."""
    client.force_login(clerk)
    return client
