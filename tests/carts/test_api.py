"""The cart endpoints of the contract: body shapes, line changes, promotion codes, and the same
price on the cart and on the order made from it."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone
from rest_framework.test import APIClient

from carts.models import Cart, CartLine
from shop.orders.models import Order
from tests.carts.support import (
    CART,
    CODES,
    add_line,
    checkout,
    collect_body,
    line_url,
    post_json,
    promotion,
)
from tests.channels_app.support import assert_error, receive

CURRENCY = settings.SHOP_CURRENCY
MONEY = re.compile(r"^\d+\.\d{2}$")
CART_FIELDS = {
    "id",
    "handoff_code",
    "lines",
    "subtotal",
    "discount",
    "total",
    "tax_lines",
    "currency",
    "promotion_codes",
}
#: The contract's line fields; the project adds the line's share of the discount.
LINE_FIELDS = {"id", "sku", "name", "quantity", "unit_price", "line_total"}


def line_id(client, sku: str) -> int:
    return next(line["id"] for line in client.get(CART).json()["lines"] if line["sku"] == sku)


class TestGetCart:
    def test_no_cart_yet_is_an_empty_cart(self, api, db):
        response = api.get(CART)

        assert response.status_code == 200
        assert response.json() == {
            "id": None,
            "handoff_code": None,
            "lines": [],
            "subtotal": "0.00",
            "discount": "0.00",
            "total": "0.00",
            "tax_lines": [],
            "currency": CURRENCY,
            "promotion_codes": [],
        }
        assert not Cart.objects.exists()

    def test_body_has_the_contract_shape(self, api, tee, mug):
        add_line(api, "TEE-M", 2)
        add_line(api, "MUG-1", 1)
        cart = Cart.objects.get()
        tee_line, mug_line = cart.lines.order_by("id")

        body = api.get(CART).json()

        assert set(body) == CART_FIELDS
        assert body == {
            "id": cart.pk,
            "handoff_code": cart.handoff_code,
            "lines": [
                {
                    "id": tee_line.pk,
                    "sku": "TEE-M",
                    "name": "Tee — Size M",
                    "quantity": 2,
                    "unit_price": "19.90",
                    "discount": "0.00",
                    "line_total": "39.80",
                },
                {
                    "id": mug_line.pk,
                    "sku": "MUG-1",
                    "name": "Mug",
                    "quantity": 1,
                    "unit_price": "7.50",
                    "discount": "0.00",
                    "line_total": "7.50",
                },
            ],
            "subtotal": "47.30",
            "discount": "0.00",
            "total": "47.30",
            "tax_lines": [{"rate": "20.00", "net": "39.42", "tax": "7.88", "gross": "47.30"}],
            "currency": CURRENCY,
            "promotion_codes": [],
        }
        for line in body["lines"]:
            assert LINE_FIELDS <= set(line)
            assert set(line) - LINE_FIELDS == {"discount"}

    def test_discounted_cart_shows_line_shares_and_codes(self, api, tee, mug):
        promotion(kind="percentage", value="10", code="TENPC")
        add_line(api, "TEE-M", 2)
        add_line(api, "MUG-1", 1)
        post_json(api, CODES, {"code": "TENPC"})

        body = api.get(CART).json()

        assert [(ln["sku"], ln["discount"], ln["line_total"]) for ln in body["lines"]] == [
            ("TEE-M", "3.98", "35.82"),
            ("MUG-1", "0.75", "6.75"),
        ]
        assert (body["subtotal"], body["discount"], body["total"]) == ("47.30", "4.73", "42.57")
        assert body["promotion_codes"] == ["TENPC"]
        amounts = [body["subtotal"], body["discount"], body["total"]]
        amounts += [ln[f] for ln in body["lines"] for f in ("unit_price", "discount", "line_total")]
        assert all(MONEY.match(amount) for amount in amounts), amounts


class TestAddLine:
    def test_201_with_the_line(self, api, tee):
        response = add_line(api, "TEE-M", 2)

        assert response.status_code == 201
        line = CartLine.objects.get()
        assert response.json() == {
            "id": line.pk,
            "sku": "TEE-M",
            "name": "Tee — Size M",
            "quantity": 2,
            "unit_price": "19.90",
            "discount": "0.00",
            "line_total": "39.80",
        }
        assert line.quantity == 2
        assert line.cart.customer is None

    def test_same_sku_again_adds_to_the_line(self, api, tee):
        first = add_line(api, "TEE-M", 2).json()

        second = add_line(api, "TEE-M", 3)

        assert second.status_code == 201
        assert second.json()["id"] == first["id"]
        assert second.json()["quantity"] == 5
        assert second.json()["line_total"] == "99.50"
        assert CartLine.objects.get().quantity == 5

    def test_line_body_shows_its_discount(self, api, tee):
        promotion(kind="fixed", value="1.00")

        body = add_line(api, "TEE-M", 1).json()

        assert (body["discount"], body["line_total"]) == ("1.00", "18.90")


class TestChangeLine:
    def test_patch_sets_the_quantity(self, api, tee):
        created = add_line(api, "TEE-M", 2).json()

        response = api.patch(line_url(created["id"]), {"quantity": 3}, format="json")

        assert response.status_code == 200
        assert response.json() == {**created, "quantity": 3, "line_total": "59.70"}
        assert CartLine.objects.get().quantity == 3

    def test_delete_removes_the_line(self, api, tee, mug):
        add_line(api, "TEE-M", 2)
        add_line(api, "MUG-1", 1)

        response = api.delete(line_url(line_id(api, "TEE-M")))

        assert response.status_code == 204
        assert response.content == b""
        assert list(CartLine.objects.values_list("variant__sku", flat=True)) == ["MUG-1"]
        body = api.get(CART).json()
        assert [line["sku"] for line in body["lines"]] == ["MUG-1"]
        assert body["total"] == "7.50"

    def test_another_carts_line_is_a_404(self, tee):
        owner, other = APIClient(), APIClient()
        add_line(owner, "TEE-M", 2)
        add_line(other, "TEE-M", 1)
        theirs = line_id(owner, "TEE-M")

        assert_error(
            other.patch(line_url(theirs), {"quantity": 9}, format="json"), 404, "not_found"
        )
        assert_error(other.delete(line_url(theirs)), 404, "not_found")

        assert CartLine.objects.get(pk=theirs).quantity == 2
        assert [line["quantity"] for line in owner.get(CART).json()["lines"]] == [2]
        assert [line["quantity"] for line in other.get(CART).json()["lines"]] == [1]

    def test_unknown_line_is_a_404(self, api, tee):
        add_line(api, "TEE-M", 1)

        assert_error(api.patch(line_url(999999), {"quantity": 1}, format="json"), 404, "not_found")
        assert_error(api.delete(line_url(999999)), 404, "not_found")


class TestPromotionCodes:
    def test_valid_code_returns_the_priced_cart(self, api, tee):
        promotion(kind="fixed", value="5.00", code="FIVE")
        add_line(api, "TEE-M", 2)

        response = post_json(api, CODES, {"code": "five"})

        assert response.status_code == 200
        body = response.json()
        assert set(body) == CART_FIELDS
        assert body["promotion_codes"] == ["FIVE"]
        assert (body["subtotal"], body["discount"], body["total"]) == ("39.80", "5.00", "34.80")
        assert list(Cart.objects.get().promotions.values_list("code", flat=True)) == ["FIVE"]

    def test_same_code_twice_counts_once(self, api, tee):
        promotion(kind="fixed", value="5.00", code="FIVE")
        add_line(api, "TEE-M", 2)
        post_json(api, CODES, {"code": "FIVE"})

        body = post_json(api, CODES, {"code": "FIVE"}).json()

        assert body["promotion_codes"] == ["FIVE"]
        assert body["discount"] == "5.00"

    @pytest.mark.parametrize(
        "fields",
        [
            None,  # no such code
            {"ends_at": -1},
            {"starts_at": 1},
            {"is_active": False},
            {"usage_limit": 1, "times_used": 1},
        ],
        ids=["unknown", "expired", "not-started", "inactive", "used-up"],
    )
    def test_unknown_or_expired_code_is_a_400(self, api, tee, fields):
        if fields is not None:
            now = timezone.now()
            promotion(
                kind="fixed",
                value="5.00",
                code="FIVE",
                **{
                    k: now + timedelta(hours=v) if k.endswith("_at") else v
                    for k, v in fields.items()
                },
            )
        add_line(api, "TEE-M", 2)

        assert_error(post_json(api, CODES, {"code": "FIVE"}), 400, "invalid_promotion_code")

        assert not Cart.objects.get().promotions.exists()
        body = api.get(CART).json()
        assert (body["discount"], body["promotion_codes"]) == ("0.00", [])

    def test_automatic_promotion_has_no_code_to_enter(self, api, tee):
        promotion(kind="fixed", value="5.00")
        add_line(api, "TEE-M", 1)

        assert_error(post_json(api, CODES, {"code": ""}), 400, "invalid")
        assert not Cart.objects.get().promotions.exists()


class TestSamePriceOnCartAndOrder:
    def test_checkout_prices_the_cart_as_the_cart_shows(self, api, store, tee, mug, cap, clothes):
        for variant in (tee, mug, cap):
            receive(store, variant, 10)
        promotion(kind="percentage", value="33", categories=[clothes])
        promotion(kind="percentage", value="12.5", first_order_only=True)
        promotion(kind="fixed", value="5.00", code="FIVE")
        add_line(api, "TEE-M", 3)
        add_line(api, "MUG-1", 1)
        add_line(api, "CAP-1", 2)
        post_json(api, CODES, {"code": "FIVE"})
        cart = api.get(CART).json()
        assert cart["discount"] != "0.00"

        response = checkout(api, collect_body())

        assert response.status_code == 201, response.content
        order = response.json()
        for field in ("subtotal", "discount", "total", "currency"):
            assert order[field] == cart[field], field
        fields = ("quantity", "unit_price", "discount", "line_total")
        assert {ln["sku"]: tuple(ln[f] for f in fields) for ln in order["lines"]} == {
            ln["sku"]: tuple(ln[f] for f in fields) for ln in cart["lines"]
        }
        saved = Order.objects.get(number=order["number"])
        assert (saved.subtotal, saved.discount, saved.total) == (
            Decimal(cart["subtotal"]),
            Decimal(cart["discount"]),
            Decimal(cart["total"]),
        )
        assert saved.total == saved.subtotal - saved.discount
        assert sum(line.line_total for line in saved.lines.all()) == saved.total
        assert sum(line.discount for line in saved.lines.all()) == saved.discount
