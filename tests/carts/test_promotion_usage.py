"""Promotion uses: every use is recorded on its order; only a promotion with a usage limit keeps
a count, so a running promotion without one is not a row every sale waits on."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from carts.checkout import CheckoutDetails, checkout_place
from carts.models import Promotion, PromotionUsage
from shop.errors import PaymentDeclined
from shop.orders.models import Order
from tests.carts.support import promotion
from tests.shop.order_support import cart_with, collect_order, till_sale

pytestmark = pytest.mark.django_db


def promotion_updates(queries) -> list[str]:
    return [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith('UPDATE "carts_promotion"')
    ]


def test_a_promotion_without_a_limit_is_recorded_but_its_row_not_written(
    store, clerk, tee_at_store
):
    automatic = promotion(kind="percentage", value="10")

    with CaptureQueriesContext(connection) as queries:
        sale = till_sale(store, clerk, [(tee_at_store, 1)])
        order = collect_order(store, [(tee_at_store, 1)])

    assert promotion_updates(queries) == []
    assert sorted(automatic.usages.values_list("order__number", "amount")) == sorted(
        [(sale.number, Decimal("1.99")), (order.number, Decimal("1.99"))]
    )
    automatic.refresh_from_db()
    assert automatic.times_used == 0


def test_a_limited_promotion_is_counted_on_every_channel_until_used_up(store, clerk, tee_at_store):
    limited = promotion(kind="fixed", value="2.00", usage_limit=2)

    first = till_sale(store, clerk, [(tee_at_store, 1)])
    second = collect_order(store, [(tee_at_store, 1)])
    third = till_sale(store, clerk, [(tee_at_store, 1)])

    limited.refresh_from_db()
    assert limited.times_used == 2
    assert [o.discount for o in (first, second, third)] == [
        Decimal("2.00"),
        Decimal("2.00"),
        Decimal("0.00"),
    ]
    assert sorted(limited.usages.values_list("order__number", flat=True)) == sorted(
        [first.number, second.number]
    )


def test_a_declined_card_gives_back_the_counted_use_and_forgets_every_use(store, tee_at_store):
    unlimited = promotion(kind="percentage", value="10")
    limited = promotion(kind="fixed", value="1.00", usage_limit=5)
    details = CheckoutDetails(
        email="ann@example.com",
        fulfilment=Order.Fulfilment.COLLECT,
        store=store,
        payment_method="card",
        card_token="tok_declined",
    )

    with pytest.raises(PaymentDeclined):
        checkout_place(cart=cart_with([(tee_at_store, 1)]), details=details)

    assert Order.objects.get().status == Order.Status.PAYMENT_FAILED
    assert not PromotionUsage.objects.exists()
    assert Promotion.objects.get(pk=limited.pk).times_used == 0
    assert Promotion.objects.get(pk=unlimited.pk).times_used == 0


class TestGivingALimit:
    @pytest.fixture
    def used_three_times(self, store, clerk, tee_at_store):
        automatic = promotion(kind="fixed", value="1.00")
        for _ in range(3):
            till_sale(store, clerk, [(tee_at_store, 1)])
        assert automatic.usages.count() == 3
        return automatic

    def test_counts_the_uses_recorded_so_far(self, used_three_times):
        used_three_times.usage_limit = 5
        used_three_times.save()

        assert Promotion.objects.get(pk=used_three_times.pk).times_used == 3

    def test_below_those_uses_leaves_it_used_up(self, used_three_times, store, clerk, tee_at_store):
        used_three_times.usage_limit = 2
        used_three_times.save()

        assert Promotion.objects.get(pk=used_three_times.pk).times_used == 2
        assert till_sale(store, clerk, [(tee_at_store, 1)]).discount == Decimal("0.00")

    def test_a_limit_already_set_keeps_its_count(
        self, used_three_times, store, clerk, tee_at_store
    ):
        used_three_times.usage_limit = 10
        used_three_times.save()
        till_sale(store, clerk, [(tee_at_store, 1)])
        PromotionUsage.objects.filter(promotion=used_three_times).first().delete()

        used_three_times.refresh_from_db()
        used_three_times.name = "Renamed"
        used_three_times.save()

        assert Promotion.objects.get(pk=used_three_times.pk).times_used == 4
