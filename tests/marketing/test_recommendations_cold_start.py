"""Cold start: with no history to go on, or a product nothing is bought with, the best sellers
of the relevant category; the whole shop's only when that category has none to sell."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shop.customers.services import customer_event_record
from shop.marketing.models import ProductSimilarity
from shop.marketing.recommendations import Reason, recommendations_build, recommendations_for
from tests import factories
from tests.channels_app.support import receive
from tests.marketing.support import best_seller_queries, buy

pytestmark = pytest.mark.django_db


@pytest.fixture
def shelves(store):
    """Shoes: S1 sold 3 times, S2 once, S3 never. Tees: T1 sold 6 times (the shop's best
    seller). Hats: H1 never sold, H2 sold once but stocked nowhere. Every sale alone, so no
    product has similar items."""
    items = {}
    for category, names in {"shoes": "S1 S2 S3", "tees": "T1", "hats": "H1 H2"}.items():
        shelf = factories.CategoryFactory(slug=category, name=category)
        for name in names.split():
            items[name] = factories.VariantFactory(
                sku=f"SKU-{name}",
                product__name=name,
                product__slug=f"p-{name.lower()}",
                product__category=shelf,
                price=Decimal("10.00"),
            )
            if name != "H2":
                receive(store, items[name], 5)
    for name, sales in {"S1": 3, "S2": 1, "T1": 6, "H2": 1}.items():
        for _ in range(sales):
            buy(factories.CustomerFactory(), items[name])
    recommendations_build()
    assert not ProductSimilarity.objects.exists()
    return {name: variant.product for name, variant in items.items()}


def names(found) -> list[str]:
    return [r.product.name for r in found]


def test_a_product_without_similar_items_gets_its_category_best_sellers(shelves):
    found = recommendations_for(product=shelves["S3"], limit=5)
    assert names(found) == ["S1", "S2"]  # not T1, though it sells more
    assert {r.reason for r in found} == {Reason.BEST_SELLER}


def test_a_customer_without_usable_history_gets_the_best_sellers_of_what_they_viewed(shelves):
    me = factories.CustomerFactory()
    customer_event_record(
        customer=me, kind="product_viewed", channel="web", payload={"product": "p-s3"}
    )
    assert names(recommendations_for(customer=me, limit=5)) == ["S1", "S2"]


def test_what_the_customer_bought_names_the_category_and_is_never_shown(shelves):
    me = factories.CustomerFactory()
    buy(me, factories.VariantFactory(product=shelves["S1"]))
    assert names(recommendations_for(customer=me, limit=5)) == ["S2"]


def test_a_category_with_nothing_to_sell_falls_back_to_the_shop_best_sellers(shelves):
    # Hats: H1 was never sold, H2 sold but cannot be sold anywhere now.
    found = recommendations_for(product=shelves["H1"], limit=3)
    assert names(found)[0] == "T1"
    assert "H2" not in names(found)


def test_anonymous_visitors_get_the_shop_best_sellers(shelves):
    assert names(recommendations_for(limit=3)) == ["T1", "S1", "S2"]


@pytest.mark.parametrize("viewed", [2, 12])
def test_cold_start_queries_do_not_grow_with_the_history(shelves, viewed):
    me = factories.CustomerFactory()
    for variant in factories.VariantFactory.create_batch(viewed):
        customer_event_record(
            customer=me,
            kind="product_viewed",
            channel="web",
            payload={"product": variant.product.slug},
        )
    with CaptureQueriesContext(connection) as queries:
        recommendations_for(customer=me, limit=5)
    assert len(queries) == 9 + best_seller_queries()  # the same whatever the history's length


def test_the_same_best_sellers_where_a_union_cannot_be_sliced(shelves, monkeypatch):
    """SQLite (`make run`) cannot order and slice the parts of a union: two queries there."""
    wanted = names(recommendations_for(product=shelves["S3"], limit=5))
    monkeypatch.setattr(connection.features, "supports_slicing_ordering_in_compound", False)

    assert names(recommendations_for(product=shelves["S3"], limit=5)) == wanted == ["S1", "S2"]
