"""POST /api/pos/sales/ with lines: a repeated SKU is one line, and a line holds at most what
a cart line may (settings.MAX_CART_LINE_QUANTITY)."""

from decimal import Decimal

import pytest
from django.conf import settings

from carts.pos import TillPayment, pos_sale_complete
from inventory.errors import InvalidQuantity
from inventory.models import StockMovement
from shop.orders.models import Order, OrderLine
from tests import factories
from tests.channels_app.support import assert_error, receive, stock_row
from tests.conftest import auth

SALES = "/api/pos/sales/"
CARD = {"method": "card", "terminal_reference": "TERM-0042"}
LIMIT = settings.MAX_CART_LINE_QUANTITY


@pytest.fixture
def mug(db):
    return factories.VariantFactory(sku="MUG-1", price=Decimal("10.00"))


@pytest.fixture
def shelf(store, variant, mug):
    receive(store, variant, 2 * LIMIT)
    receive(store, mug, 10)


def sell(client, lines, **body):
    return client.post(SALES, {"lines": lines, "payment": CARD, **body}, format="json")


def sold_lines(number: str) -> list[tuple[str, int, str]]:
    lines = OrderLine.objects.filter(order__number=number).order_by("id")
    return [(line.sku, line.quantity, str(line.line_total)) for line in lines]


@pytest.mark.usefixtures("shelf")
class TestRepeatedSkus:
    def test_a_repeated_sku_is_one_line_with_the_quantities_added(self, api, clerk, store, variant):
        lines = [
            {"sku": "TEE-M", "quantity": 2},
            {"sku": "MUG-1", "quantity": 1},
            {"sku": "TEE-M", "quantity": 3},
        ]

        response = sell(auth(api, clerk), lines)

        assert response.status_code == 201, response.content
        body = response.json()
        assert [(ln["sku"], ln["quantity"]) for ln in body["lines"]] == [("TEE-M", 5), ("MUG-1", 1)]
        assert body["total"] == "109.50"
        assert sold_lines(body["number"]) == [("TEE-M", 5, "99.50"), ("MUG-1", 1, "10.00")]
        assert stock_row(store, variant) == (2 * LIMIT - 5, 0)
        sales = StockMovement.objects.filter(kind=StockMovement.Kind.SALE, variant=variant)
        assert [m.quantity for m in sales] == [-5]

    def test_repeats_adding_up_to_the_cap_are_sold(self, api, clerk):
        lines = [{"sku": "TEE-M", "quantity": LIMIT - 1}, {"sku": "TEE-M", "quantity": 1}]

        response = sell(auth(api, clerk), lines)

        assert response.status_code == 201, response.content
        assert [(ln["sku"], ln["quantity"]) for ln in response.json()["lines"]] == [
            ("TEE-M", LIMIT)
        ]


@pytest.mark.usefixtures("shelf")
class TestCap:
    def test_one_line_over_the_cap_is_400_and_nothing_is_sold(self, api, clerk, store, variant):
        response = sell(auth(api, clerk), [{"sku": "TEE-M", "quantity": LIMIT + 1}])

        error = assert_error(response, 400, "invalid_quantity")
        assert error["details"] == [{"sku": "TEE-M", "quantity": LIMIT + 1, "max": LIMIT}]
        assert f"At most {LIMIT}" in error["message"]
        assert Order.objects.count() == 0
        assert stock_row(store, variant) == (2 * LIMIT, 0)

    def test_repeats_over_the_cap_together_are_400(self, api, clerk, store, variant):
        lines = [
            {"sku": "MUG-1", "quantity": 1},
            {"sku": "TEE-M", "quantity": LIMIT},
            {"sku": "TEE-M", "quantity": 1},
        ]

        response = sell(auth(api, clerk), lines)

        error = assert_error(response, 400, "invalid_quantity")
        assert error["details"] == [{"sku": "TEE-M", "quantity": LIMIT + 1, "max": LIMIT}]
        assert "TEE-M" in error["message"]
        assert Order.objects.count() == 0
        assert stock_row(store, variant) == (2 * LIMIT, 0)

    def test_the_cap_follows_the_setting(self, api, clerk, settings):
        settings.MAX_CART_LINE_QUANTITY = 3
        lines = [{"sku": "MUG-1", "quantity": 2}, {"sku": "MUG-1", "quantity": 2}]

        response = sell(auth(api, clerk), lines)

        assert_error(response, 400, "invalid_quantity")

    def test_the_same_cap_as_the_cart(self, api, clerk):
        """The web cart refuses the same quantity with the same status."""
        cart = api.post("/api/cart/lines/", {"sku": "TEE-M", "quantity": LIMIT + 1}, format="json")

        assert cart.status_code == 400
        assert sell(auth(api, clerk), [{"sku": "TEE-M", "quantity": LIMIT + 1}]).status_code == 400


def test_the_service_merges_and_caps_lines_from_any_caller(store, clerk, variant, mug):
    receive(store, variant, 2 * LIMIT)
    receive(store, mug, 5)
    card = TillPayment(method="card", terminal_reference="TERM-1")

    order = pos_sale_complete(
        store=store, clerk=clerk, payment=card, lines=[(variant, 1), (mug, 2), (variant, 1)]
    )

    assert sold_lines(order.number) == [("TEE-M", 2, "39.80"), ("MUG-1", 2, "20.00")]
    with pytest.raises(InvalidQuantity):
        pos_sale_complete(
            store=store, clerk=clerk, payment=card, lines=[(variant, LIMIT), (variant, 1)]
        )
    assert stock_row(store, variant) == (2 * LIMIT - 2, 0)
