"""The till's endless-aisle order delivers to one of the attached customer's saved addresses."""

import uuid

import pytest
from django.test import Client

from shop.customers.models import Address
from shop.orders.models import Order
from tests import factories
from tests.channels_app.support import receive


@pytest.fixture
def clerk_client(client: Client, clerk) -> Client:
    client.force_login(clerk)
    return client


@pytest.mark.django_db
def test_endless_aisle_order_to_a_saved_address(clerk_client, store, warehouse, variant):
    receive(warehouse, variant, 5)
    customer = factories.CustomerFactory(email="ann@example.com")
    home = Address.objects.create(
        customer=customer,
        name="Ann Example",
        line1="3 Place Bellecour",
        postcode="69002",
        city="Lyon",
        country="FR",
        is_default_shipping=True,
    )
    other = factories.CustomerFactory(email="bob@example.com")
    theirs = Address.objects.create(
        customer=other, name="Bob", line1="x", postcode="75001", city="Paris", country="FR"
    )
    clerk_client.post("/pos/sale/customer/", {"store": store.code, "customer": customer.pk})
    clerk_client.post("/pos/sale/scan/", {"store": store.code, "code": variant.sku})
    page = clerk_client.get(f"/pos/endless-aisle/?sku={variant.sku}").content.decode()
    assert "3 Place Bellecour" in page
    assert "Bob" not in page

    def order_with(address_id) -> Order:
        clerk_client.post(
            "/pos/endless-aisle/",
            {
                "store": store.code,
                "idempotency_key": str(uuid.uuid4()),
                "skus": [variant.sku],
                "email": customer.email,
                "fulfilment": "delivery",
                "address": address_id,
                "name": "typed",
                "line1": "typed street",
                "postcode": "75002",
                "city": "Paris",
                "country": "France",
                "payment_method": "card",
                "terminal_reference": "TERM-1",
            },
        )
        return Order.objects.order_by("-id").first()

    assert order_with(home.pk).shipping_address["line1"] == "3 Place Bellecour"
    # Another customer's address is never used: the typed one is.
    clerk_client.post("/pos/sale/scan/", {"store": store.code, "code": variant.sku})
    assert order_with(theirs.pk).shipping_address["line1"] == "typed street"
