"""A clerk marks an item not found while another hands the order over: one of them wins, on
real PostgreSQL row locks, and the numbers agree afterwards."""

from collections import Counter
from decimal import Decimal

import pytest

from inventory.models import Reservation, Stock, StockMovement
from shop.channels import Channel
from shop.orders.errors import OrderStatusConflict
from shop.orders.models import Order
from shop.orders.not_found import order_line_not_found
from shop.orders.services import order_mark_collected
from tests import factories
from tests.channels_app.support import receive
from tests.shop.order_support import collect_order, run_at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_not_found_and_collected_at_once():
    store = factories.LocationFactory(code="race-desk", click_and_collect=True)
    shirt = factories.VariantFactory(sku="RACE-SHIRT", price=Decimal("20.00"))
    receive(store, shirt, 3)
    order = collect_order(store, [(shirt, 1)], payment="card")

    def not_found():
        try:
            return order_line_not_found(
                order=Order.objects.get(pk=order.pk), sku="RACE-SHIRT", channel=Channel.POS
            ).kind
        except OrderStatusConflict:
            return "conflict"

    def collected():
        try:
            order_mark_collected(order=Order.objects.get(pk=order.pk), channel=Channel.POS)
            return "collected"
        except OrderStatusConflict:
            return "conflict"

    outcomes = Counter(result for _, result in run_at_once([not_found, collected]))

    assert outcomes["conflict"] <= 1
    row = Stock.objects.get(location=store, variant=shirt)
    ledger = sum(StockMovement.objects.filter(location=store).values_list("quantity", flat=True))
    held = sum(
        Reservation.objects.filter(location=store, state="active").values_list(
            "quantity", flat=True
        )
    )
    assert (row.on_hand, row.reserved) == (ledger, held)
    order.refresh_from_db()
    if outcomes["conflict"]:
        # The desk handed it over first: nothing was written off.
        assert order.status == Order.Status.COLLECTED
        assert row.on_hand == 2
    else:
        # Not found first (another unit held), then handed over: one written off, one sold.
        assert outcomes == {"here": 1, "collected": 1}
        assert order.status == Order.Status.COLLECTED
        assert (row.on_hand, row.reserved) == (1, 0)
