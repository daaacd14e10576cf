"""An item withdrawn from sale (its variant or its product inactive) is refused everywhere: in
the cart (API and page), at checkout of a cart that still holds it, and at the till (by
lines, by scanned barcode and from a loaded cart). Nothing is held, sold or charged."""

import html
import uuid

import pytest
from django.test import Client
from rest_framework.test import APIClient

from carts.errors import ItemNotSold
from carts.models import Cart, PromotionUsage
from carts.pos import TillPayment, pos_sale_complete
from carts.services import cart_anonymous_new, cart_line_add, cart_line_update
from inventory.models import Reservation, StockMovement
from shop.catalog.models import Product, Variant
from shop.orders.models import Order
from shop.payments.models import Payment
from tests.carts.support import (
    CART,
    add_line,
    checkout,
    collect_body,
    delivery_body,
    line_url,
    promotion,
)
from tests.channels_app.support import assert_error, receive, stock_row, till_sale
from tests.conftest import auth

SALES = "/api/pos/sales/"
CARD = {"method": "card", "terminal_reference": "TERM-0042"}


def withdraw(variant, how: str) -> None:
    """Takes the item off sale: the variant itself, or its whole product."""
    if how == "variant":
        Variant.objects.filter(pk=variant.pk).update(is_active=False)
    else:
        Product.objects.filter(pk=variant.product_id).update(is_active=False)


HOW = ["variant", "product"]


@pytest.fixture
def shelf(store, warehouse, tee, mug):
    for location in (store, warehouse):
        receive(location, tee, 5)
        receive(location, mug, 5)


def cart_of(client) -> Cart:
    return Cart.objects.get(pk=client.get(CART).json()["id"])


def lines_of(cart: Cart) -> list[tuple[str, int]]:
    return sorted(cart.lines.values_list("variant__sku", "quantity"))


# --- the cart --------------------------------------------------------------------------------


@pytest.mark.parametrize("how", HOW)
class TestCart:
    def test_the_api_refuses_to_add_it(self, api, tee, how):
        withdraw(tee, how)

        error = assert_error(add_line(api, "TEE-M"), 400, "unknown_sku")

        assert error["details"] == ["TEE-M"]
        assert not Cart.objects.filter(lines__isnull=False).exists()

    def test_the_api_refuses_to_add_more_of_one_already_in_the_cart(self, api, tee, how):
        add_line(api, "TEE-M", 2)
        withdraw(tee, how)

        assert_error(add_line(api, "TEE-M"), 400, "unknown_sku")

        assert lines_of(cart_of(api)) == [("TEE-M", 2)]

    def test_its_quantity_cannot_change_but_it_can_be_removed(self, api, tee, how):
        line = add_line(api, "TEE-M", 2).json()
        withdraw(tee, how)

        response = api.patch(line_url(line["id"]), {"quantity": 3}, format="json")

        error = assert_error(response, 409, "item_not_sold")
        assert [d["sku"] for d in error["details"]] == ["TEE-M"]
        assert lines_of(cart_of(api)) == [("TEE-M", 2)]
        assert api.delete(line_url(line["id"])).status_code == 204
        assert lines_of(cart_of(api)) == []

    def test_the_page_refuses_to_add_it(self, tee, how):
        withdraw(tee, how)
        client = Client()

        response = client.post("/cart/add/", {"sku": "TEE-M", "quantity": "1"}, follow=True)

        assert "Unknown or inactive SKU: TEE-M" in html.unescape(response.content.decode())
        assert not Cart.objects.filter(lines__isnull=False).exists()

    def test_the_service_refuses_a_quantity_change(self, tee, how):
        cart = cart_anonymous_new()
        line = cart_line_add(cart=cart, sku="TEE-M", quantity=1, channel="web")
        withdraw(tee, how)

        with pytest.raises(ItemNotSold):
            cart_line_update(cart=cart, line_id=line.pk, quantity=2, channel="web")


# --- checkout --------------------------------------------------------------------------------


@pytest.mark.usefixtures("shelf")
@pytest.mark.parametrize("how", HOW)
class TestCheckout:
    @pytest.fixture
    def client(self, db):
        client = APIClient()
        add_line(client, "TEE-M", 2)
        add_line(client, "MUG-1", 1)
        return client

    @pytest.mark.parametrize(
        "body",
        [collect_body(), collect_body(method="card", token="tok_visa"), delivery_body()],
        ids=["pay-at-pickup", "card-collect", "card-delivery"],
    )
    def test_a_cart_holding_it_is_refused_and_nothing_is_held(
        self, client, store, tee, mug, how, body
    ):
        promotion(code="TEN", value="10")
        client.post("/api/cart/promotion-codes/", {"code": "TEN"}, format="json")
        cart = cart_of(client)
        before = (lines_of(cart), cart.handoff_code)
        withdraw(tee, how)

        response = checkout(client, body)

        error = assert_error(response, 409, "item_not_sold")
        assert error["details"] == [{"sku": "TEE-M", "name": tee.display_name}]
        assert "TEE-M" in error["message"]
        assert not Order.objects.exists()
        assert not Reservation.objects.exists()
        assert not Payment.objects.exists()
        assert not PromotionUsage.objects.exists()
        assert stock_row(store, tee) == (5, 0)
        cart.refresh_from_db()
        assert (lines_of(cart), cart.handoff_code) == before
        assert cart.pending_order_id is None

    def test_once_removed_the_rest_checks_out(self, client, tee, how):
        withdraw(tee, how)
        line = next(ln for ln in client.get(CART).json()["lines"] if ln["sku"] == "TEE-M")
        client.delete(line_url(line["id"]))

        response = checkout(client, collect_body())

        assert response.status_code == 201, response.content
        assert [ln["sku"] for ln in response.json()["lines"]] == ["MUG-1"]

    def test_the_checkout_page_says_which_item(self, store, tee, how):
        client = Client()
        client.post("/cart/add/", {"sku": "TEE-M", "quantity": "1"})
        withdraw(tee, how)
        form = {
            "idempotency_key": str(uuid.uuid4()),
            "email": "guest@example.com",
            "fulfilment": "collect",
            "store": store.code,
            "payment_method": "pay_at_pickup",
        }

        response = client.post("/checkout/", form)

        assert response.status_code == 200
        assert "No longer sold: TEE-M" in html.unescape(response.content.decode())
        assert not Order.objects.exists()


# --- the till --------------------------------------------------------------------------------


@pytest.mark.usefixtures("shelf")
@pytest.mark.parametrize("how", HOW)
class TestTill:
    def test_a_sale_by_lines_is_refused(self, api, clerk, store, tee, how):
        withdraw(tee, how)
        lines = [{"sku": "MUG-1", "quantity": 1}, {"sku": "TEE-M", "quantity": 1}]

        response = auth(api, clerk).post(SALES, {"lines": lines, "payment": CARD}, format="json")

        error = assert_error(response, 400, "unknown_sku")
        assert error["details"] == ["TEE-M"]
        assert not Order.objects.exists()
        assert not StockMovement.objects.filter(kind=StockMovement.Kind.SALE).exists()

    def test_a_sale_from_a_loaded_cart_is_refused_and_the_cart_kept(
        self, api, clerk, store, tee, mug, how
    ):
        cart = cart_anonymous_new()
        cart_line_add(cart=cart, sku="TEE-M", quantity=1, channel="web")
        cart_line_add(cart=cart, sku="MUG-1", quantity=2, channel="web")
        withdraw(tee, how)

        response = auth(api, clerk).post(
            SALES, {"cart": cart.handoff_code, "payment": CARD}, format="json"
        )

        error = assert_error(response, 409, "item_not_sold")
        assert [d["sku"] for d in error["details"]] == ["TEE-M"]
        assert not Order.objects.exists()
        assert stock_row(store, mug) == (5, 0)
        cart.refresh_from_db()
        assert cart.status == Cart.Status.OPEN
        assert lines_of(cart) == [("MUG-1", 2), ("TEE-M", 1)]

    def test_the_service_refuses_it_from_any_caller(self, store, clerk, tee, how):
        withdraw(tee, how)
        tee.refresh_from_db()
        tee.product.refresh_from_db()

        with pytest.raises(ItemNotSold):
            pos_sale_complete(
                store=store,
                clerk=clerk,
                payment=TillPayment(method="card", terminal_reference="TERM-1"),
                lines=[(tee, 1)],
            )

        assert stock_row(store, tee) == (5, 0)

    def test_its_barcode_does_not_scan(self, client, clerk, store, tee, how):
        client.force_login(clerk)
        withdraw(tee, how)

        client.post("/pos/sale/scan/", {"store": store.code, "code": tee.barcode})

        assert till_sale(client, store)["lines"] == {}

    def test_the_till_page_refuses_a_loaded_cart_holding_it(self, client, clerk, store, tee, how):
        cart = cart_anonymous_new()
        cart_line_add(cart=cart, sku="TEE-M", quantity=1, channel="web")
        client.force_login(clerk)
        client.post("/pos/sale/cart/", {"store": store.code, "code": cart.handoff_code})
        withdraw(tee, how)
        till = client.get("/pos/")

        response = client.post(
            "/pos/sale/complete/",
            {
                "store": store.code,
                "idempotency_key": str(uuid.uuid4()),
                "sale": till.context["signature"],
                "method": "card",
                "terminal_reference": "TERM-1",
                "confirmed": "on",
            },
            follow=True,
        )

        assert "No longer sold: TEE-M" in html.unescape(response.content.decode())
        assert not Order.objects.exists()
        assert stock_row(store, tee) == (5, 0)


def test_an_item_sold_again_can_be_added_again(api, tee):
    withdraw(tee, "product")
    assert add_line(api, "TEE-M").status_code == 400
    Product.objects.filter(pk=tee.product_id).update(is_active=True)

    assert add_line(api, "TEE-M").status_code == 201
