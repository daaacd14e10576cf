"""The address book pages of the shopper's account, and a saved address at checkout."""

from decimal import Decimal

import pytest

from shop.customers.models import Address
from shop.customers.services import customer_for_user
from shop.orders.models import Order
from tests import factories
from tests.channels_app.support import receive
from tests.shipping.support import shipping_setup

BOOK = "/account/addresses/"
NEW = {"name": "Ann Example", "line1": "1 Rue de la Paix", "postcode": "75002", "city": "Paris"}


@pytest.fixture
def signed_in(client, shopper):
    client.force_login(shopper)
    return client


def test_add_edit_remove(signed_in, shopper):
    response = signed_in.post(BOOK, {**NEW, "country": "FR"})
    assert response.status_code == 302
    address = Address.objects.get()
    assert address.is_default_shipping
    page = signed_in.get(BOOK).content.decode()
    assert "1 Rue de la Paix" in page
    assert "France" in page
    edit = f"{BOOK}{address.pk}/"
    assert (
        signed_in.post(edit, {**NEW, "city": "Lyon", "postcode": "69001", "country": "FR"})[
            "Location"
        ]
        == BOOK
    )
    address.refresh_from_db()
    assert address.city == "Lyon"
    signed_in.post(f"{edit}delete/")
    assert not Address.objects.exists()


def test_bad_postcode_shows_on_the_field(signed_in):
    response = signed_in.post(BOOK, {**NEW, "postcode": "7500", "country": "FR"})
    assert response.status_code == 200
    assert "not a postal code of France" in response.content.decode()
    assert not Address.objects.exists()


def test_another_shoppers_address_is_a_404(signed_in):
    bob = customer_for_user(factories.UserFactory(username="bob", email="bob@example.com"))
    theirs = Address.objects.create(customer=bob, country="FR", **NEW)
    assert signed_in.get(f"{BOOK}{theirs.pk}/").status_code == 404
    assert signed_in.post(f"{BOOK}{theirs.pk}/delete/").status_code == 404
    assert Address.objects.filter(pk=theirs.pk).exists()


def test_book_page_queries_stay_flat(signed_in, shopper, django_assert_max_num_queries):
    customer = customer_for_user(shopper)
    for count in (1, 12):
        while Address.objects.count() < count:
            Address.objects.create(customer=customer, country="FR", **NEW)
        with django_assert_max_num_queries(12):
            assert signed_in.get(BOOK).status_code == 200


def test_checkout_with_a_saved_address_and_a_paid_method(signed_in, shopper, warehouse, settings):
    settings.SHIPPING_FREE_ABOVE = ""
    shipping_setup()
    customer = customer_for_user(shopper)
    saved = Address.objects.create(
        customer=customer, country="BE", is_default_shipping=True, **{**NEW, "postcode": "1000"}
    )
    variant = factories.VariantFactory(sku="BAG-1", price=Decimal("30.00"))
    receive(warehouse, variant, 3)
    signed_in.post("/cart/add/", {"sku": "BAG-1", "quantity": 1})
    page = signed_in.get("/checkout/").content.decode()
    assert "Benelux standard" in page  # the default address is in Belgium
    assert 'value="fr-standard"' not in page  # French methods do not serve it
    response = signed_in.post(
        "/checkout/",
        {
            "idempotency_key": "k1",
            "email": "ann@example.com",
            "fulfilment": "delivery",
            "address": saved.pk,
            "shipping_method": "be-standard",
            "payment_method": "card",
            "card_token": "tok_visa",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    order = Order.objects.get()
    assert order.shipping_address["country"] == "BE"
    assert (order.shipping_method_name, order.shipping_price) == (
        "Benelux standard",
        Decimal("9.90"),
    )
    assert order.total == Decimal("39.90")
