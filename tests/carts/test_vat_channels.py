"""VAT on every channel: the web checkout, the till, the kiosk and returns keep the rate, net
and tax of each line as sold, and every order answer carries its `tax_lines`."""

import uuid
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from carts.checkout import CheckoutDetails, checkout_place
from carts.services import cart_anonymous_new, cart_line_add
from shop.catalog.taxes import TaxClass
from shop.channels import Channel
from shop.orders.models import Order
from tests import factories
from tests.carts.support import CART, add_line, checkout, collect_body, promotion
from tests.channels_app.support import open_till, page_text, receive
from tests.conftest import auth

D = Decimal


@pytest.fixture
def book(kitchen):
    """A book: reduced rate (5.5 %)."""
    return factories.VariantFactory(
        sku="BOOK-1",
        name="",
        price=D("21.10"),
        product__name="Book",
        product__category=kitchen,
        product__tax_class=TaxClass.REDUCED,
    )


@pytest.fixture
def stocked(store, tee, book):
    receive(store, tee, 20)
    receive(store, book, 20)


def kiosk_order(store, sku: str, quantity: int) -> Order:
    """A click-and-collect order placed at the store's kiosk."""
    cart = cart_anonymous_new()
    cart_line_add(cart=cart, sku=sku, quantity=quantity, channel=Channel.KIOSK)
    details = CheckoutDetails(
        email="kim@example.com", fulfilment="collect", payment_method="pay_at_pickup", store=store
    )
    return checkout_place(cart=cart, details=details, channel=Channel.KIOSK)


def rows(tax_lines) -> list[tuple[str, str, str, str]]:
    return [(t["rate"], t["net"], t["tax"], t["gross"]) for t in tax_lines]


def test_the_cart_and_the_web_order_carry_the_breakdown(api, shopper, stocked, tee, book):
    auth(api, shopper)
    add_line(api, "TEE-M", 2)  # 39.80 at 20 %
    add_line(api, "BOOK-1", 1)  # 21.10 at 5.5 %
    cart = api.get(CART).json()
    expected = [("5.50", "20.00", "1.10", "21.10"), ("20.00", "33.17", "6.63", "39.80")]
    assert rows(cart["tax_lines"]) == expected
    response = checkout(api, collect_body())
    assert response.status_code == 201, response.content
    order = response.json()
    assert rows(order["tax_lines"]) == expected
    assert {(line["sku"], line["tax_rate"], line["tax"]) for line in order["lines"]} == {
        ("TEE-M", "20.00", "6.63"),
        ("BOOK-1", "5.50", "1.10"),
    }
    assert rows(api.get(f"/api/orders/{order['number']}/").json()["tax_lines"]) == expected


def test_a_promotion_lowers_the_vat_of_the_lines_it_covers(api, stocked, tee, book, clothes):
    promotion(value="50", categories=[clothes])  # half price on clothes (the tee)
    add_line(api, "TEE-M", 2)
    add_line(api, "BOOK-1", 1)
    order = checkout(api, collect_body()).json()
    assert order["total"] == "41.00"
    assert rows(order["tax_lines"]) == [
        ("5.50", "20.00", "1.10", "21.10"),
        ("20.00", "16.58", "3.32", "19.90"),
    ]


def test_a_till_sale_carries_the_breakdown(api, store, clerk, stocked):
    open_till(store)
    response = auth(api, clerk).post(
        "/api/pos/sales/",
        {
            "lines": [{"sku": "TEE-M", "quantity": 3}],
            "payment": {"method": "cash", "tendered": "60.00"},
        },
        format="json",
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )
    assert response.status_code == 201, response.content
    assert rows(response.json()["tax_lines"]) == [("20.00", "49.75", "9.95", "59.70")]


def test_a_kiosk_order_keeps_the_rate_in_force_when_sold(settings, store, stocked, book):
    order = kiosk_order(store, "BOOK-1", 2)
    settings.VAT_RATES = {**settings.VAT_RATES, "FR": {**settings.VAT_RATES["FR"], "reduced": "7"}}
    order = Order.objects.get(pk=order.pk)
    [tax_line] = order.tax_lines
    assert (tax_line.rate, tax_line.net, tax_line.tax, tax_line.gross) == (
        D("5.50"),
        D("40.00"),
        D("2.20"),
        D("42.20"),
    )


def test_prices_without_vat_add_it_to_the_total(settings, api, stocked):
    settings.PRICES_INCLUDE_TAX = False
    add_line(api, "TEE-M", 1)  # 19.90 net
    add_line(api, "BOOK-1", 1)  # 21.10 net
    order = checkout(api, collect_body()).json()
    assert rows(order["tax_lines"]) == [
        ("5.50", "21.10", "1.16", "22.26"),
        ("20.00", "19.90", "3.98", "23.88"),
    ]
    assert order["total"] == "46.14"


def test_a_return_gives_back_the_vat_at_the_rate_of_the_sale(api, store, clerk, stocked, settings):
    open_till(store)
    sale = (
        auth(api, clerk)
        .post(
            "/api/pos/sales/",
            {
                "lines": [{"sku": "TEE-M", "quantity": 3}],
                "payment": {"method": "cash", "tendered": "60.00"},
            },
            format="json",
            headers={"Idempotency-Key": uuid.uuid4().hex},
        )
        .json()
    )
    settings.VAT_RATES = {
        **settings.VAT_RATES,
        "FR": {**settings.VAT_RATES["FR"], "standard": "25"},
    }
    taxes = []
    for _ in range(3):  # one unit at a time: the three returns give back exactly the line's VAT
        response = api.post(
            "/api/returns/",
            {
                "order": sale["number"],
                "store": "st1",
                "lines": [{"sku": "TEE-M", "quantity": 1}],
                "restock": True,
            },
            format="json",
            headers={"Idempotency-Key": uuid.uuid4().hex},
        )
        assert response.status_code == 201, response.content
        [returned_vat] = response.json()["tax_lines"]
        assert returned_vat["rate"] == "20.00"
        record = Order.objects.get(number=sale["number"]).returns.order_by("-id")[0]
        [line] = record.lines.all()
        assert line.tax_rate == D("20.00")
        taxes.append(line.tax_amount)
    assert sum(taxes) == D("9.95")
    assert sorted(taxes) == [D("3.31"), D("3.32"), D("3.32")]


def test_the_cart_checkout_and_till_pages_show_the_vat(client, store, clerk, stocked):
    client.post("/cart/add/", {"sku": "TEE-M", "quantity": 2})
    client.post("/cart/add/", {"sku": "BOOK-1", "quantity": 1})
    for url in ("/cart/", "/checkout/"):
        text = page_text(client.get(url))
        assert "VAT 5.5 % included" in text, url
        assert "VAT 20 % included" in text, url
        assert "6.63" in text
    client.force_login(clerk)
    client.post("/pos/sale/scan/", {"store": store.code, "code": "TEE-M"})
    text = page_text(client.get("/pos/"))
    assert "VAT 20 %" in text
    assert "3.32" in text


def test_the_pickup_desk_answers_with_the_breakdown_of_the_sale(api, store, clerk, stocked):
    open_till(store)
    add_line(api, "BOOK-1", 1)
    number = checkout(api, collect_body()).json()["number"]
    response = auth(APIClient(), clerk).post(f"/api/pickups/{number}/collected/")
    assert response.status_code == 200, response.content
    assert rows(response.json()["tax_lines"]) == [("5.50", "20.00", "1.10", "21.10")]


def test_kiosk_and_web_orders_share_the_web_numbering(store, stocked, api):
    add_line(api, "TEE-M", 1)
    checkout(api, collect_body())
    kiosk = kiosk_order(store, "TEE-M", 1)
    entry = kiosk.journal_entries.get()
    assert (entry.number, entry.channel) == ("W-000002", "kiosk")
