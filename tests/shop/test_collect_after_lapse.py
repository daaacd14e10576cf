"""A customer who comes for a collect order after its hold lapsed (the sweeper put the units
back on the shelf) still gets it if the store has the units, and a clear refusal if not."""

from datetime import timedelta

import pytest
from django.utils import timezone

from inventory import services as stock
from inventory.errors import InsufficientStock
from inventory.models import Reservation, StockMovement
from shop.orders.models import Order
from shop.orders.services import order_mark_collected
from tests.channels_app.support import open_till, receive, stock_row
from tests.shop.order_support import collect_order

pytestmark = pytest.mark.django_db


def lapse(order: Order) -> None:
    Reservation.objects.filter(order_line__order=order).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    assert stock.reservations_release_expired() == 1


def test_collected_from_free_stock_after_the_hold_lapsed(store, variant):
    open_till(store)
    receive(store, variant, 3)
    order = collect_order(store, [(variant, 2)])
    lapse(order)
    assert stock_row(store, variant) == (3, 0)

    order_mark_collected(order=order, channel="pos")

    order.refresh_from_db()
    assert order.status == Order.Status.COLLECTED
    assert stock_row(store, variant) == (1, 0)
    sale = StockMovement.objects.get(order=order)
    assert (sale.kind, sale.quantity) == ("sale", -2)


def test_refused_when_the_units_were_sold_meanwhile(store, variant):
    open_till(store)
    receive(store, variant, 2)
    order = collect_order(store, [(variant, 2)])
    lapse(order)
    stock.stock_sell(location=store, lines=[stock.StockLine(variant, 1)], channel="pos")

    with pytest.raises(InsufficientStock):
        order_mark_collected(order=order, channel="pos")

    order.refresh_from_db()
    assert order.status == Order.Status.PLACED
    assert stock_row(store, variant) == (1, 0)
