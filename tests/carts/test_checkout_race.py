"""Twenty shoppers check out the last unit at once, on real PostgreSQL row locks."""

import threading
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from rest_framework.test import APIClient

from carts.models import Cart
from inventory.models import Reservation, Stock, StockMovement
from inventory.services import StockLine, stock_receive
from shop.orders.models import Order
from tests import factories
from tests.carts.support import add_line, checkout, collect_body

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SHOPPERS = 20


def run_at_once(jobs):
    """Starts every job at the same moment, each on its own thread and connection."""
    barrier = threading.Barrier(len(jobs))

    def run(job):
        try:
            barrier.wait(timeout=30)
            return job()
        except Exception as exc:  # a 500 (raised by the test client), a deadlock, a timeout
            return "error", f"{type(exc).__name__}: {exc}"
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return list(pool.map(run, jobs))


def test_twenty_shoppers_collect_the_last_unit():
    store = factories.LocationFactory(code="race", name="Race Store", click_and_collect=True)
    variant = factories.VariantFactory(sku="LAST-1")
    stock_receive(location=store, lines=[StockLine(variant, 1)])
    # Twenty shoppers, twenty addresses (checkout is rate-limited per address).
    clients = [APIClient(REMOTE_ADDR=f"192.0.2.{n + 1}") for n in range(SHOPPERS)]
    for client in clients:
        assert add_line(client, "LAST-1", 1).status_code == 201
    carts = {cart.pk: cart.handoff_code for cart in Cart.objects.all()}
    assert len(carts) == SHOPPERS

    def shopper(n: int, client: APIClient):
        def job():
            response = checkout(
                client, collect_body("race", email=f"shopper{n}@example.com"), uuid.uuid4().hex
            )
            return response.status_code, response.json()

        return job

    results = run_at_once([shopper(n, client) for n, client in enumerate(clients)])

    statuses = Counter(status for status, _ in results)
    assert statuses == {201: 1, 409: SHOPPERS - 1}, results
    for status, body in results:
        if status == 409:
            assert body["error"]["code"] == "insufficient_stock"
            assert body["error"]["details"] == [{"sku": "LAST-1", "requested": 1, "available": 0}]
    [winner] = [body for status, body in results if status == 201]
    row = Stock.objects.get(location=store, variant=variant)
    assert (row.on_hand, row.reserved) == (1, 1)
    [reservation] = Reservation.objects.all()
    assert reservation.state == Reservation.State.ACTIVE
    assert reservation.order_line.order.number == winner["number"]
    assert list(Order.objects.values_list("number", "status")) == [(winner["number"], "placed")]
    assert StockMovement.objects.count() == 1  # the receipt; a reservation moves no units
    emptied = [cart for cart in Cart.objects.all() if not cart.lines.exists()]
    assert len(emptied) == 1
    assert emptied[0].handoff_code != carts[emptied[0].pk]
    untouched = Cart.objects.exclude(pk=emptied[0].pk)
    assert all(cart.handoff_code == carts[cart.pk] for cart in untouched)
    assert all(cart.lines.get().quantity == 1 for cart in untouched)
    assert not Cart.objects.filter(pending_order__isnull=False).exists()
