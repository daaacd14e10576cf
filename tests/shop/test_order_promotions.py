"""A cancelled or expired order gives its promotion uses back, once: the code counts one use
less and the usage row goes, as a failed payment already did."""

from datetime import timedelta

import pytest

from carts.models import Promotion, PromotionUsage
from carts.services import promotion_uses_give_back
from shop.orders.errors import OrderStatusConflict
from shop.orders.models import Order
from shop.orders.services import (
    order_cancel,
    order_mark_collected,
    order_mark_ready,
    orders_expire_overdue,
)
from tests.channels_app.support import receive
from tests.shop.order_support import collect_order, delivery_order, promotion


@pytest.fixture
def shelf(store, warehouse, variant):
    receive(store, variant, 10)
    receive(warehouse, variant, 10)


@pytest.fixture
def codes(db):
    """A code with one use left of three, and an automatic promotion."""
    limited = promotion(code="SPRING", kind="percentage", value="10", usage_limit=3, times_used=2)
    automatic = promotion(code="", kind="fixed", value="1.00", name="Welcome")
    return limited, automatic


def used(promo: Promotion) -> int:
    """Its uses: counted on the row for a promotion with a usage limit, and its usage rows
    for one without (which no sale writes, see `promotions_use`)."""
    promo.refresh_from_db()
    return promo.times_used if promo.usage_limit is not None else promo.usages.count()


def usages(order: Order) -> list[str]:
    return sorted(
        PromotionUsage.objects.filter(order=order).values_list("promotion__name", flat=True)
    )


@pytest.mark.usefixtures("shelf")
class TestCancel:
    def test_a_cancelled_collect_order_gives_its_uses_back(self, store, variant, codes):
        limited, automatic = codes
        order = collect_order(store, [(variant, 1)], codes=["SPRING"])
        assert (used(limited), used(automatic)) == (3, 1)
        assert usages(order) == ["SPRING", "Welcome"]

        order_cancel(order=order, channel="pos")

        assert (used(limited), used(automatic)) == (2, 0)
        assert usages(order) == []

    def test_the_code_used_up_can_be_used_again_after_the_cancel(self, store, variant, codes):
        limited, _ = codes
        first = collect_order(store, [(variant, 1)], codes=["SPRING"])
        order_cancel(order=first, channel="pos")

        second = collect_order(store, [(variant, 1)], email="bob@example.com", codes=["SPRING"])

        assert usages(second) == ["SPRING", "Welcome"]
        assert used(limited) == 3

    def test_a_cancelled_delivery_order_too(self, variant, codes):
        limited, automatic = codes
        order = delivery_order([(variant, 2)], codes=["SPRING"])

        order_cancel(order=order, channel="web")

        assert (used(limited), used(automatic)) == (2, 0)
        assert usages(order) == []

    def test_cancelling_twice_gives_back_once(self, store, variant, codes):
        limited, automatic = codes
        order = collect_order(store, [(variant, 1)], codes=["SPRING"])
        order_mark_ready(order=order, channel="pos")
        order_cancel(order=order, channel="pos")

        with pytest.raises(OrderStatusConflict):
            order_cancel(order=order, channel="pos")

        assert (used(limited), used(automatic)) == (2, 0)

    def test_a_collected_order_keeps_its_uses(self, store, variant, codes):
        limited, _ = codes
        order = collect_order(store, [(variant, 1)], codes=["SPRING"])
        order_mark_collected(
            order=order, channel="pos", payment_method="card", terminal_reference="T-1"
        )

        with pytest.raises(OrderStatusConflict):
            order_cancel(order=order, channel="pos")

        assert used(limited) == 3
        assert usages(order) == ["SPRING", "Welcome"]

    def test_another_orders_uses_stay(self, store, variant, codes):
        limited, automatic = codes
        kept = collect_order(store, [(variant, 1)], email="bob@example.com")
        cancelled = collect_order(store, [(variant, 1)], codes=["SPRING"])

        order_cancel(order=cancelled, channel="pos")

        assert usages(kept) == ["Welcome"]
        assert (used(limited), used(automatic)) == (2, 1)


@pytest.mark.usefixtures("shelf")
class TestExpiry:
    def test_an_expired_order_gives_its_uses_back_once(self, store, variant, codes):
        limited, automatic = codes
        order = collect_order(store, [(variant, 1)], codes=["SPRING"])
        waiting = collect_order(store, [(variant, 1)], email="bob@example.com")
        late = order.pickup_deadline + timedelta(minutes=1)
        Order.objects.filter(pk=waiting.pk).update(pickup_deadline=late + timedelta(days=1))

        assert orders_expire_overdue(now=late) == 1
        assert orders_expire_overdue(now=late) == 0

        order.refresh_from_db()
        assert order.status == Order.Status.EXPIRED
        assert (used(limited), used(automatic)) == (2, 1)  # the waiting order keeps its use
        assert usages(order) == []
        assert usages(waiting) == ["Welcome"]


def test_giving_back_twice_counts_down_once(store, variant, codes):
    receive(store, variant, 2)
    limited, _ = codes
    order = collect_order(store, [(variant, 1)], codes=["SPRING"])

    promotion_uses_give_back(order=order)
    promotion_uses_give_back(order=order)

    assert used(limited) == 2


def test_a_use_already_at_zero_is_not_counted_below(store, variant, codes):
    """A promotion an admin reset meanwhile stays at zero."""
    receive(store, variant, 2)
    limited, _ = codes
    order = collect_order(store, [(variant, 1)], codes=["SPRING"])
    Promotion.objects.filter(pk=limited.pk).update(times_used=0)

    order_cancel(order=order, channel="pos")

    assert used(limited) == 0
    assert usages(order) == []
