"""The online till's sale is a cart kept in the database (one per clerk and store), not in
the browser session."""

import uuid

import pytest
from django.test import Client

from carts.models import TillCart
from shop.orders.models import Order
from tests import factories
from tests.channels_app.support import receive, stock_row, till_sale

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def scan(client, store, code):
    return client.post("/pos/sale/scan/", {"store": store.code, "code": code})


def test_the_sale_is_the_clerks_till_cart_whatever_the_session(store, clerk, variant):
    receive(store, variant, 5)
    scan(signed_in(clerk), store, variant.sku)
    scan(signed_in(clerk), store, variant.sku)  # another browser, same clerk: the same sale
    again = signed_in(clerk)
    assert till_sale(again, store)["lines"] == {"TEE-M": 2}
    assert "TEE-M" in again.get("/pos/").content.decode()
    till_cart = TillCart.objects.get()
    assert till_cart.cart.customer is None  # the till's own cart, nobody's saved cart
    other = signed_in(factories.clerk(store=store, username="second"))
    assert till_sale(other, store)["lines"] == {}


def test_paying_completes_the_till_cart_and_empties_it(store, clerk, variant):
    receive(store, variant, 5)
    client = signed_in(clerk)
    scan(client, store, variant.sku)
    response = client.post(
        "/pos/sale/complete/",
        {
            "store": store.code,
            "idempotency_key": str(uuid.uuid4()),
            "sale": client.get("/pos/").context["signature"],
            "method": "card",
            "terminal_reference": "TERM-1",
            "confirmed": "on",
        },
    )
    assert response.status_code == 302, response.content
    order = Order.objects.get(channel="pos")
    assert [(line.sku, line.quantity) for line in order.lines.all()] == [("TEE-M", 1)]
    assert till_sale(client, store) == {
        "lines": {},
        "codes": [],
        "customer_id": None,
        "cart_id": None,
    }
    assert stock_row(store, variant) == (4, 0)
    assert TillCart.objects.count() == 1  # kept for the next sale
