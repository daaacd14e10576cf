from decimal import Decimal

import pytest
from django.core.cache import cache

from tests import factories
from tests.channels_app.support import receive


@pytest.fixture(autouse=True)
def _fresh_cache():
    """allauth's rate limits and DRF throttles count in the cache; each test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def clothes(db):
    return factories.CategoryFactory(name="Clothes", slug="clothes")


@pytest.fixture
def kitchen(db):
    return factories.CategoryFactory(name="Kitchen", slug="kitchen")


@pytest.fixture
def tee(clothes):
    return factories.VariantFactory(
        sku="TEE-M",
        name="Size M",
        price=Decimal("19.90"),
        product__name="Tee",
        product__category=clothes,
    )


@pytest.fixture
def tee_at_store(store, tee):
    receive(store, tee, 5)
    return tee


@pytest.fixture
def mug(kitchen):
    return factories.VariantFactory(
        sku="MUG-1", name="", price=Decimal("7.50"), product__name="Mug", product__category=kitchen
    )


@pytest.fixture
def cap(clothes):
    return factories.VariantFactory(
        sku="CAP-1", name="", price=Decimal("12.00"), product__name="Cap", product__category=clothes
    )


@pytest.fixture
def shopper(db):
    """A signed-up customer (username and password login, no staff profile)."""
    return factories.UserFactory(username="ann", email="ann@example.com")
