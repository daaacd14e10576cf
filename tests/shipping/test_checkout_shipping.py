"""Checkout with a shipping method: the order stores method and price, an unserved country
is a 400, and shipping the order sends one email with the tracking link."""

import json
from decimal import Decimal

import pytest
from django.core import mail

from shop.customers.models import CustomerEvent
from shop.errors import Conflict
from shop.orders.models import Order
from shop.shipping.models import Shipment, ShippingMethod, ShippingZone, WeightBand
from shop.shipping.services import order_ship
from tests import factories
from tests.carts.support import add_line, checkout, delivery_body
from tests.channels_app.support import receive
from tests.shipping.support import shipping_setup

pytestmark = pytest.mark.django_db


@pytest.fixture
def methods(settings):
    settings.SHIPPING_FREE_ABOVE = "60.00"
    return shipping_setup()


@pytest.fixture
def shopper_api(client):
    user = factories.UserFactory(username="ann", email="ann@example.com")
    client.force_login(user)
    return client


@pytest.fixture
def boots(warehouse):
    variant = factories.VariantFactory(sku="BOOT-42", price=Decimal("25.00"), weight_grams=1200)
    receive(warehouse, variant, 10)
    return variant


def test_shipping_methods_endpoint_prices_the_callers_cart(client, methods, boots):
    add_line(client, "BOOT-42", 1)
    body = client.get("/api/shipping-methods/?country=fr").json()
    prices = {m["code"]: m["price"] for m in body}
    assert prices == {
        "collect": "0.00",
        "fr-parcel": "8.00",  # 1.2 kg: the second band
        "fr-standard": "4.90",
        "fr-express": "12.00",
    }
    assert {m["currency"] for m in body} == {"EUR"}
    bad = client.get("/api/shipping-methods/?country=France")
    assert bad.status_code == 400
    assert bad.json()["error"]["details"] == ["country"]


def test_checkout_stores_method_and_price(client, methods, boots):
    add_line(client, "BOOT-42", 2)
    response = checkout(client, {**delivery_body(), "shipping_method": "fr-express"})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["shipping_method"], body["shipping_price"], body["total"]) == (
        "Express",
        "12.00",
        "62.00",
    )
    order = Order.objects.get(number=body["number"])
    assert order.shipping_method == methods["express"]
    assert order.total == order.subtotal - order.discount + order.shipping_price


def test_free_delivery_above_threshold_at_checkout(client, methods, boots):
    add_line(client, "BOOT-42", 3)
    body = checkout(client, {**delivery_body(), "shipping_method": "fr-standard"}).json()
    assert (body["shipping_price"], body["total"]) == ("0.00", "75.00")


def test_method_not_serving_the_address_is_a_400(client, methods, boots):
    add_line(client, "BOOT-42", 1)
    body = {**delivery_body(country="BE", postcode="1000"), "shipping_method": "fr-standard"}
    response = checkout(client, body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "shipping_method_unavailable"
    assert not Order.objects.exists()
    unknown = checkout(client, {**delivery_body(), "shipping_method": "nope"})
    assert unknown.status_code == 400


def test_unserved_country_without_a_method_named_is_a_400(client, methods, boots):
    add_line(client, "BOOT-42", 1)
    response = checkout(client, delivery_body(country="US", postcode="10001"))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "shipping_method_unavailable"


def test_no_method_named_takes_the_cheapest_delivery(client, methods, boots):
    add_line(client, "BOOT-42", 1)
    body = checkout(client, delivery_body()).json()
    assert (body["shipping_method"], body["shipping_price"]) == ("Standard", "4.90")


def test_collection_method_is_refused_for_delivery(client, methods, boots):
    add_line(client, "BOOT-42", 1)
    response = checkout(client, {**delivery_body(), "shipping_method": "collect"})
    assert response.status_code == 400


def test_shipping_sends_one_email_with_the_tracking_link(
    client, methods, boots, warehouse, django_capture_on_commit_callbacks
):
    add_line(client, "BOOT-42", 1)
    number = checkout(client, {**delivery_body(), "shipping_method": "fr-standard"}).json()[
        "number"
    ]
    order = Order.objects.get(number=number)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        shipment = order_ship(
            order=order,
            carrier="colissimo",
            tracking_number="6A12345678901",
            shipped_from=warehouse,
        )
    with pytest.raises(Conflict), django_capture_on_commit_callbacks(execute=True):
        order_ship(order=order, carrier="ups", tracking_number="1Z999", shipped_from=warehouse)
    shipped = [m for m in mail.outbox if "on its way" in m.subject]
    assert len(shipped) == 1
    assert shipment.tracking_url in shipped[0].body
    assert "6A12345678901" in shipment.tracking_url
    assert Shipment.objects.get().tracking_number == "6A12345678901"
    order.refresh_from_db()
    assert order.status == Order.Status.SHIPPED
    event = CustomerEvent.objects.get(kind=CustomerEvent.Kind.ORDER_SHIPPED)
    assert event.payload["tracking_url"] == shipment.tracking_url


def test_timeline_shows_the_tracking_link(client, methods, boots, warehouse, shopper_api):
    add_line(shopper_api, "BOOT-42", 1)
    number = checkout(shopper_api, {**delivery_body(), "shipping_method": "fr-standard"}).json()[
        "number"
    ]
    shipment = order_ship(
        order=Order.objects.get(number=number),
        carrier="colissimo",
        tracking_number="6A999",
        shipped_from=warehouse,
    )
    results = shopper_api.get("/api/me/timeline/").json()["results"]
    shipped = [r for r in results if r["kind"] == "order_shipped"]
    assert len(shipped) == 1
    assert "Colissimo" in shipped[0]["summary"]
    assert shipment.tracking_url in shipped[0]["summary"]
    page = shopper_api.get(f"/orders/{number}/").content.decode()
    assert shipment.tracking_url in page
    assert shipment.tracking_url in shopper_api.get("/account/orders/").content.decode()


def test_refusal_is_in_the_shoppers_language(client, methods, boots):
    add_line(client, "BOOT-42", 1)
    body = {**delivery_body(country="BE", postcode="1000"), "shipping_method": "fr-standard"}
    response = client.post(
        "/api/checkout/",
        json.dumps(body),
        content_type="application/json",
        headers={"Idempotency-Key": "fr-1", "Accept-Language": "fr"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        "Standard ne livre pas ce panier vers ce pays : BE."
    )


def test_shipping_methods_list_queries_stay_flat(client, boots, django_assert_max_num_queries):
    add_line(client, "BOOT-42", 2)
    zone = ShippingZone.objects.create(name="France", countries="FR")
    for count in (2, 20):
        while ShippingMethod.objects.count() < count:
            n = ShippingMethod.objects.count()
            method = ShippingMethod.objects.create(
                zone=zone, code=f"m{n}", name=f"M{n}", kind="weight" if n % 2 else "flat"
            )
            WeightBand.objects.create(method=method, up_to_grams=5000, price=Decimal("5.00"))
        with django_assert_max_num_queries(12):
            assert len(client.get("/api/shipping-methods/?country=FR").json()) == count
