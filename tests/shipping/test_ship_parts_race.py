"""Two locations ship their parts of one split delivery order at the same moment: both parts
leave, and the order ends shipped (the last part to commit sees the other's)."""

from decimal import Decimal

import pytest

from shop.channels import Channel
from shop.orders.models import Order
from shop.shipping.models import Shipment
from shop.shipping.services import order_ship
from tests import factories
from tests.channels_app.support import receive, stock_row
from tests.shop.order_support import delivery_order, run_at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_parts_shipped_at_once():
    paris = factories.LocationFactory(code="race-paris", ships_online=True)
    lyon = factories.LocationFactory(code="race-lyon", ships_online=True)
    shirt = factories.VariantFactory(sku="RACE-SHIRT", price=Decimal("20.00"))
    cap = factories.VariantFactory(sku="RACE-CAP", price=Decimal("8.00"))
    receive(paris, shirt, 1)
    receive(lyon, cap, 1)
    order = delivery_order([(shirt, 1), (cap, 1)])

    def ship_from(location, tracking):
        def job():
            return order_ship(
                order=Order.objects.get(pk=order.pk),
                carrier="colissimo",
                tracking_number=tracking,
                shipped_from=location,
                channel=Channel.POS,
                part_only=True,
            ).pk

        return job

    results = run_at_once([ship_from(paris, "P-1"), ship_from(lyon, "L-1")])

    assert [status for status, _ in results] == ["ok", "ok"], results
    order.refresh_from_db()
    assert order.status == Order.Status.SHIPPED
    assert Shipment.objects.filter(order=order).count() == 2
    assert stock_row(paris, shirt) == (0, 0)
    assert stock_row(lyon, cap) == (0, 0)
