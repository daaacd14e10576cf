"""Planted purchase histories for the recommendation tests."""

from decimal import Decimal

import pytest

from tests import factories
from tests.channels_app.support import receive
from tests.marketing.support import buy


@pytest.fixture
def catalog(store):
    """A, B, C, E sellable at the store; D sold once but stocked nowhere now."""
    category = factories.CategoryFactory(slug="tees")
    items = {
        name: factories.VariantFactory(
            sku=f"SKU-{name}",
            product__name=name,
            product__slug=f"p-{name.lower()}",
            product__category=category,
            price=Decimal("10.00"),
        )
        for name in "ABCDE"
    }
    for name in "ABCE":
        receive(store, items[name], 5)
    return items


@pytest.fixture
def planted(catalog):
    a, b, c, d, e = (catalog[n] for n in "ABCDE")
    for n in range(4):  # buyers of A also buy C (and D, which is gone now)
        buyer = factories.CustomerFactory()
        buy(buyer, a, channel="pos" if n % 2 else "web")
        buy(buyer, c, d)
    for _ in range(5):  # E is the best seller, bought alone
        buy(factories.CustomerFactory(), e)
    return catalog
