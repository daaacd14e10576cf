"""Replays of one till sale at the same moment, on real PostgreSQL connections: one sale."""

import uuid

import pytest
from rest_framework.test import APIClient

from carts.models import TillSale
from carts.till_sales import till_device_register
from inventory.models import StockMovement
from shop.orders.models import Order
from shop.payments.models import Payment
from tests import factories
from tests.channels_app.support import receive, stock_row
from tests.shop.order_support import run_at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

REPLAYS = 5


def test_five_concurrent_replays_of_one_sale_make_one_sale():
    store = factories.LocationFactory(code="race", name="Race Store")
    clerk = factories.clerk(store=store)
    variant = factories.VariantFactory(sku="RACE-1")
    receive(store, variant, 3)
    device = till_device_register(store=store, device_uuid=uuid.uuid4())
    body = {
        "client_sale_id": str(uuid.uuid4()),
        "device": str(device.uuid),
        "sequence": 1,
        "lines": [{"sku": "RACE-1", "quantity": 1, "unit_price": "9.00", "line_total": "9.00"}],
        "payment": {"method": "card", "terminal_reference": "T-9"},
    }

    def replay():
        client = APIClient()
        client.force_authenticate(clerk)
        response = client.post("/api/pos/sales/", body, format="json")
        return response.status_code, response.json()

    results = run_at_once([replay] * REPLAYS)
    assert [kind for kind, _ in results] == ["ok"] * REPLAYS, results
    statuses = {status for _, (status, _) in results}
    numbers = {answer["number"] for _, (_, answer) in results}
    assert statuses == {201}
    assert len(numbers) == 1
    assert Order.objects.count() == TillSale.objects.count() == Payment.objects.count() == 1
    assert StockMovement.objects.filter(kind="sale").count() == 1
    assert stock_row(store, variant) == (2, 0)
