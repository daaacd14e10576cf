"""Recommendations on planted data: buyers of A also buy C, so a customer who bought A in a
store and viewed B online gets C, never A, never what no location can sell."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shop.customers.services import customer_event_record
from shop.marketing.models import ProductSimilarity
from shop.marketing.recommendations import (
    Reason,
    product_recommendations_cached,
    recommendations_build,
    recommendations_for,
)
from shop.orders.models import Order
from tests import factories
from tests.channels_app.support import receive
from tests.marketing.support import best_seller_queries, buy

pytestmark = pytest.mark.django_db


def test_a_store_buyer_of_a_who_viewed_b_online_gets_c(planted):
    a, b, c, d = (planted[n].product for n in "ABCD")
    me = factories.CustomerFactory(email="me@example.com")
    buy(me, planted["A"], channel="pos")
    customer_event_record(
        customer=me, kind="product_viewed", channel="web", payload={"product": b.slug}
    )
    result = recommendations_build()
    assert result.pairs >= 2  # A–C and A–D, C–D
    top = [r.product for r in recommendations_for(customer=me, limit=5)]
    assert c in top[:5]
    assert a not in top  # bought already
    assert d not in top  # no location can sell it
    assert recommendations_for(customer=me, limit=5)[0].reason == Reason.YOUR_HISTORY


def test_minimum_support_keeps_chance_pairs_out(catalog, settings):
    settings.RECOMMENDATION_MIN_SUPPORT = 2
    buy(factories.CustomerFactory(), catalog["A"], catalog["B"])  # one customer only
    recommendations_build()
    assert not ProductSimilarity.objects.exists()


def test_a_returned_item_counts_against_and_is_never_shown(planted):
    me = factories.CustomerFactory()
    buy(me, planted["C"], returned=[planted["C"]])
    recommendations_build()
    shown = [r.product for r in recommendations_for(customer=me, product=planted["A"].product)]
    assert planted["C"].product not in shown


def test_anonymous_gets_the_best_sellers(planted):
    recommendations_build()
    found = recommendations_for(limit=3)
    assert found[0].product == planted["E"].product
    assert {r.reason for r in found} == {Reason.BEST_SELLER}
    assert planted["D"].product not in [r.product for r in found]


def test_a_product_page_shows_what_is_bought_with_it(planted):
    recommendations_build()
    found = recommendations_for(product=planted["A"].product, limit=3)
    assert found[0].product == planted["C"].product
    assert found[0].reason == Reason.BOUGHT_TOGETHER


def test_the_product_panel_is_cached_and_the_job_clears_it(
    planted, django_assert_num_queries, django_capture_on_commit_callbacks
):
    recommendations_build()
    product = planted["A"].product
    first = product_recommendations_cached(product=product)
    with django_assert_num_queries(0):
        assert product_recommendations_cached(product=product) == first
    buy(factories.CustomerFactory(), planted["A"], planted["E"])
    buy(factories.CustomerFactory(), planted["A"], planted["E"])
    with django_capture_on_commit_callbacks(execute=True):
        recommendations_build()
    again = product_recommendations_cached(product=product)
    assert again != first


@pytest.mark.parametrize("history", [2, 12])
def test_queries_do_not_grow_with_the_history(planted, history):
    me = factories.CustomerFactory()
    extra = factories.VariantFactory.create_batch(history)
    for variant in extra:
        buy(me, variant, channel="pos")
        customer_event_record(
            customer=me,
            kind="product_viewed",
            channel="web",
            payload={"product": variant.product.slug},
        )
        customer_event_record(
            customer=me, kind="cart_line_added", channel="web", payload={"sku": variant.sku}
        )
    recommendations_build()
    with CaptureQueriesContext(connection) as queries:
        recommendations_for(customer=me, product=planted["A"].product, limit=5)
    assert len(queries) == 10 + best_seller_queries()  # the same whatever the history's length


def test_the_command_runs_the_job(planted, capsys):
    call_command("build_recommendations")
    assert "similar pairs" in capsys.readouterr().out
    assert ProductSimilarity.objects.exists()


def test_recent_history_weighs_more_than_old(store):
    old_seed, old_match, new_seed, new_match = (
        factories.VariantFactory(sku=f"R-{n}") for n in range(4)
    )
    for variant in (old_seed, old_match, new_seed, new_match):
        receive(store, variant, 5)
    for _ in range(3):
        buy(factories.CustomerFactory(), old_seed, old_match)
        buy(factories.CustomerFactory(), new_seed, new_match)
    me = factories.CustomerFactory()
    long_ago = buy(me, old_seed)
    Order.objects.filter(pk=long_ago.pk).update(created_at=timezone.now() - timedelta(days=400))
    buy(me, new_seed)
    recommendations_build()
    found = [r.product for r in recommendations_for(customer=me, limit=2)]
    assert found == [new_match.product, old_match.product]
