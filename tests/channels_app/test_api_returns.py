"""Returns: any order of any channel comes back at any store, with its refund."""

from decimal import Decimal

import pytest
from django.db.models import Sum
from django.test import TestCase

from inventory.models import StockMovement
from shop.customers.models import CustomerEvent
from shop.orders.models import OrderLine, Return
from shop.orders.services import order_mark_collected, order_mark_shipped
from shop.payments.drawer import drawer_expected_cash, drawer_open
from shop.payments.models import Payment
from tests import factories
from tests.channels_app.support import assert_error, open_till, receive, stock_row
from tests.conftest import auth
from tests.shop.order_support import (
    collect_order,
    delivery_order,
    promotion,
    till_sale,
)

RETURNS = "/api/returns/"


def post(client, body, key=None):
    """Posts a return and runs what it queued for after commit (the online refund)."""
    headers = {"Idempotency-Key": key} if key else None
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(RETURNS, body, format="json", headers=headers)


def body_for(order, *lines, store="st2", restock=True, **extra) -> dict:
    return {
        "order": order.number,
        "store": store,
        "lines": [{"sku": sku, "quantity": quantity} for sku, quantity in lines],
        "restock": restock,
        **extra,
    }


def return_movements(location=None):
    movements = StockMovement.objects.filter(kind=StockMovement.Kind.RETURN)
    return movements.filter(location=location) if location else movements


def refunds(order):
    return Payment.objects.filter(order=order, status=Payment.Status.REFUNDED)


def returned(order, sku) -> int:
    return OrderLine.objects.get(order=order, sku=sku).returned_quantity


@pytest.fixture
def mug(db):
    return factories.VariantFactory(sku="MUG-1", price=Decimal("10.00"))


@pytest.fixture
def returns_clerk(other_store):
    """A clerk of st2, where the goods come back (they were sold elsewhere)."""
    return factories.clerk(store=other_store)


@pytest.fixture
def stocked(store, warehouse, variant, mug):
    receive(store, variant, 10)
    receive(store, mug, 10)
    receive(warehouse, variant, 10)
    receive(warehouse, mug, 10)


@pytest.fixture
def shipped(stocked, variant, mug):
    """A web delivery order, paid by card with 10.00 off, shipped from the warehouse."""
    promotion(code="TENOFF", kind="fixed", value="10.00")
    order = delivery_order([(mug, 3), (variant, 1)], codes=["TENOFF"])
    order_mark_shipped(order=order)
    order.refresh_from_db()
    return order


@pytest.fixture
def mugs_only(stocked, mug):
    """A shipped web order of 3 mugs at 10.00 with 10.00 off: a 20.00 line, 6.666… a unit."""
    promotion(code="MUGS", kind="fixed", value="10.00")
    order = delivery_order([(mug, 3)], codes=["MUGS"])
    order_mark_shipped(order=order)
    return order


class TestWebDeliveryOrder:
    def test_returned_at_a_store_restocks_there_and_refunds_the_card(
        self, api, returns_clerk, shipped, other_store, warehouse, mug
    ):
        line = shipped.lines.get(sku="MUG-1")
        # 30.00 + 19.90 = 49.90, 10.00 off spread in proportion: 6.01 on the mugs.
        assert (shipped.total, line.line_total) == (Decimal("39.90"), Decimal("23.99"))

        response = post(auth(api, returns_clerk), body_for(shipped, ("MUG-1", 1)))

        assert response.status_code == 201, response.content
        record = response.json()
        assert record["order"] == shipped.number
        assert record["store"] == "st2"
        assert record["restock"] is True
        assert record["refund_amount"] == "8.00"  # 23.99 / 3 = 7.996…
        assert record["currency"] == "EUR"
        assert record["lines"] == [{"sku": "MUG-1", "quantity": 1, "amount": "8.00"}]
        assert stock_row(other_store, mug) == (1, 0)
        assert stock_row(warehouse, mug) == (7, 0)  # shipped from here, not returned here
        movement = return_movements().get()
        assert (movement.location, movement.variant, movement.quantity) == (other_store, mug, 1)
        assert (movement.order, movement.reference) == (shipped, f"return {shipped.number}")
        refund = refunds(shipped).get()
        assert (refund.method, refund.amount, refund.store) == (
            "card",
            Decimal("8.00"),
            other_store,
        )
        assert refund.reference.startswith("test_re_")  # back through the gateway
        assert refund.return_record_id == record["id"]
        assert refund.drawer_session is None
        assert returned(shipped, "MUG-1") == 1

    def test_the_last_units_take_the_remainder(self, api, returns_clerk, shipped):
        client = auth(api, returns_clerk)

        first = post(client, body_for(shipped, ("MUG-1", 1)))
        rest = post(client, body_for(shipped, ("MUG-1", 2), ("TEE-M", 1)))

        assert first.status_code == rest.status_code == 201, rest.content
        assert first.json()["refund_amount"] == "8.00"
        assert {ln["sku"]: ln["amount"] for ln in rest.json()["lines"]} == {
            "MUG-1": "15.99",
            "TEE-M": "15.91",
        }
        assert rest.json()["refund_amount"] == "31.90"
        assert refunds(shipped).aggregate(total=Sum("amount"))["total"] == shipped.total

    def test_unit_by_unit_refunds_add_up_to_what_was_paid(self, api, returns_clerk, mugs_only):
        client = auth(api, returns_clerk)
        line = mugs_only.lines.get()
        assert line.line_total == Decimal("20.00")

        amounts = [
            post(client, body_for(mugs_only, ("MUG-1", 1))).json()["refund_amount"]
            for _ in range(3)
        ]

        assert sum(Decimal(a) for a in amounts) == Decimal("20.00")
        assert amounts == ["6.67", "6.66", "6.67"]

    def test_restock_false_moves_no_stock(self, api, returns_clerk, shipped, other_store, mug):
        response = post(auth(api, returns_clerk), body_for(shipped, ("MUG-1", 2), restock=False))

        assert response.status_code == 201, response.content
        assert response.json()["restock"] is False
        assert response.json()["refund_amount"] == "15.99"  # 23.99 × 2 / 3
        assert return_movements().count() == 0
        assert stock_row(other_store, mug) == (0, 0)
        assert refunds(shipped).get().amount == Decimal("15.99")
        assert returned(shipped, "MUG-1") == 2

    def test_a_placed_order_not_yet_shipped_is_409(self, api, manager, stocked, other_store, mug):
        order = delivery_order([(mug, 1)])

        response = post(auth(api, manager), body_for(order, ("MUG-1", 1)))

        assert_error(response, 409, "order_status")
        assert Return.objects.count() == 0
        assert refunds(order).count() == 0


class TestCollectOrder:
    def test_a_collected_order_returned_at_another_store_refunds_cash_into_the_drawer(
        self, api, returns_clerk, stocked, store, other_store, variant
    ):
        order = collect_order(store, [(variant, 2)])
        open_till(store)
        order_mark_collected(order=order, channel="pos")  # paid in cash at the desk
        drawer = drawer_open(store=other_store, user=returns_clerk, opening_float=Decimal("100"))

        response = post(auth(api, returns_clerk), body_for(order, ("TEE-M", 1)))

        assert response.status_code == 201, response.content
        assert response.json()["refund_amount"] == "19.90"
        assert stock_row(other_store, variant) == (1, 0)
        assert stock_row(store, variant) == (8, 0)
        assert return_movements(other_store).get().quantity == 1
        refund = refunds(order).get()
        # Paid at the pickup desk, so refunded in cash at the returning store's till.
        assert (refund.method, refund.amount, refund.store) == (
            "cash",
            Decimal("19.90"),
            other_store,
        )
        assert refund.drawer_session == drawer
        assert drawer_expected_cash(drawer) == Decimal("80.10")

    def test_a_collect_order_not_yet_collected_is_409(
        self, api, returns_clerk, stocked, store, other_store, variant
    ):
        order = collect_order(store, [(variant, 2)])

        response = post(auth(api, returns_clerk), body_for(order, ("TEE-M", 1)))

        assert_error(response, 409, "order_status")
        assert stock_row(other_store, variant) == (0, 0)
        assert stock_row(store, variant) == (10, 2)
        assert Return.objects.count() == 0


class TestPosSale:
    def test_a_till_sale_returned_at_another_store(
        self, api, returns_clerk, clerk, stocked, store, other_store, mug
    ):
        sale = till_sale(store, clerk, [(mug, 2)], method="card")
        assert stock_row(store, mug) == (8, 0)

        response = post(auth(api, returns_clerk), body_for(sale, ("MUG-1", 2)))

        assert response.status_code == 201, response.content
        assert response.json()["refund_amount"] == "20.00"
        assert stock_row(other_store, mug) == (2, 0)
        assert stock_row(store, mug) == (8, 0)
        refund = refunds(sale).get()
        # Paid on a store terminal: refunded on the terminal, not through the web gateway.
        assert (refund.method, refund.amount, refund.reference) == ("card", Decimal("20.00"), "")
        assert refund.channel == "pos"

    def test_a_cash_refund_counts_against_the_open_drawer(
        self, api, returns_clerk, clerk, stocked, store, other_store, mug
    ):
        sale = till_sale(store, clerk, [(mug, 3)], method="card")
        drawer = drawer_open(store=other_store, user=returns_clerk, opening_float=Decimal("50"))

        response = post(
            auth(api, returns_clerk), body_for(sale, ("MUG-1", 1), refund_method="cash")
        )

        assert response.status_code == 201, response.content
        assert response.json()["refund_method"] == "cash"
        refund = refunds(sale).get()
        assert (refund.method, refund.drawer_session) == ("cash", drawer)
        assert drawer_expected_cash(drawer) == Decimal("40.00")

    def test_a_discounted_sale_refunds_what_was_paid(
        self, api, returns_clerk, clerk, stocked, store, variant
    ):
        promotion(code="QUARTER", kind="percentage", value="25")
        sale = till_sale(store, clerk, [(variant, 2)], codes=["QUARTER"])
        assert sale.total == Decimal("29.85")  # 39.80 − 9.95

        first = post(auth(api, returns_clerk), body_for(sale, ("TEE-M", 1)))
        second = post(auth(api, returns_clerk), body_for(sale, ("TEE-M", 1)))

        assert (first.json()["refund_amount"], second.json()["refund_amount"]) == (
            "14.93",
            "14.92",
        )


class TestTooMany:
    def test_more_than_bought_is_409_and_nothing_changes(
        self, api, returns_clerk, shipped, other_store, mug
    ):
        response = post(auth(api, returns_clerk), body_for(shipped, ("TEE-M", 1), ("MUG-1", 4)))

        error = assert_error(response, 409, "return_exceeds_purchase")
        assert error["details"] == [{"sku": "MUG-1", "requested": 4, "returnable": 3}]
        assert Return.objects.count() == 0
        assert refunds(shipped).count() == 0
        assert return_movements().count() == 0
        assert (returned(shipped, "MUG-1"), returned(shipped, "TEE-M")) == (0, 0)
        assert stock_row(other_store, mug) == (0, 0)

    def test_across_two_returns(self, api, returns_clerk, shipped, other_store, mug):
        client = auth(api, returns_clerk)
        assert post(client, body_for(shipped, ("MUG-1", 2))).status_code == 201

        response = post(client, body_for(shipped, ("MUG-1", 2)))

        error = assert_error(response, 409, "return_exceeds_purchase")
        assert error["details"] == [{"sku": "MUG-1", "requested": 2, "returnable": 1}]
        assert Return.objects.count() == 1
        assert refunds(shipped).count() == 1
        assert return_movements().count() == 1
        assert returned(shipped, "MUG-1") == 2
        assert stock_row(other_store, mug) == (2, 0)

    def test_the_same_sku_twice_in_one_return_counts_together(self, api, returns_clerk, shipped):
        response = post(auth(api, returns_clerk), body_for(shipped, ("MUG-1", 2), ("MUG-1", 2)))

        assert_error(response, 409, "return_exceeds_purchase")
        assert returned(shipped, "MUG-1") == 0


class TestInvalid:
    def test_unknown_order_is_404(self, api, returns_clerk, stocked):
        response = post(
            auth(api, returns_clerk),
            {
                "order": "OS-NOSUCH",
                "store": "st2",
                "lines": [{"sku": "MUG-1", "quantity": 1}],
                "restock": True,
            },
        )

        assert_error(response, 404, "not_found")

    def test_a_sku_not_in_the_order_is_400(self, api, returns_clerk, shipped):
        factories.VariantFactory(sku="HAT-1")

        response = post(auth(api, returns_clerk), body_for(shipped, ("HAT-1", 1)))

        assert_error(response, 400, "invalid_return")
        assert Return.objects.count() == 0

    def test_zero_quantity_is_400(self, api, returns_clerk, shipped):
        response = post(auth(api, returns_clerk), body_for(shipped, ("MUG-1", 0)))

        assert_error(response, 400, "invalid")
        assert Return.objects.count() == 0


class TestIdempotentReturn:
    def test_a_replay_returns_once(self, api, returns_clerk, shipped, other_store, mug):
        client = auth(api, returns_clerk)
        body = body_for(shipped, ("MUG-1", 1))

        first = post(client, body, key="ret-1")
        again = post(client, body, key="ret-1")

        assert first.status_code == again.status_code == 201, again.content
        assert again.json() == first.json()
        assert Return.objects.count() == 1
        assert return_movements().count() == 1
        assert refunds(shipped).count() == 1
        assert stock_row(other_store, mug) == (1, 0)
        assert returned(shipped, "MUG-1") == 1

    def test_the_key_with_another_body_is_409(self, api, returns_clerk, shipped):
        client = auth(api, returns_clerk)
        post(client, body_for(shipped, ("MUG-1", 1)), key="ret-2")

        response = post(client, body_for(shipped, ("MUG-1", 2)), key="ret-2")

        assert_error(response, 409, "idempotency_key_reused")
        assert returned(shipped, "MUG-1") == 1


class TestTimelineAndRights:
    def test_the_customers_timeline_has_the_return(self, api, returns_clerk, shipped, other_store):
        response = post(auth(api, returns_clerk), body_for(shipped, ("MUG-1", 1)))

        assert response.status_code == 201, response.content
        event = CustomerEvent.objects.get(
            customer=shipped.customer, kind=CustomerEvent.Kind.ORDER_RETURNED
        )
        assert (event.channel, event.store) == ("pos", other_store)
        assert event.payload == {
            "order": shipped.number,
            "lines": [{"sku": "MUG-1", "quantity": 1}],
            "refund": "8.00",
            "restocked": True,
        }

    def test_a_clerk_may_not_take_a_return_at_another_store(
        self, api, clerk, shipped, other_store, mug
    ):
        response = post(auth(api, clerk), body_for(shipped, ("MUG-1", 1), store="st2"))

        assert_error(response, 403, "permission_denied")
        assert Return.objects.count() == 0
        assert stock_row(other_store, mug) == (0, 0)
        assert returned(shipped, "MUG-1") == 0

    def test_a_manager_may_take_a_return_anywhere(self, api, manager, shipped, store, mug):
        response = post(auth(api, manager), body_for(shipped, ("MUG-1", 1), store="st1"))

        assert response.status_code == 201, response.content
        assert stock_row(store, mug) == (11, 0)

    def test_anonymous_401_and_shopper_403(self, api, shopper, shipped):
        assert_error(post(api, body_for(shipped, ("MUG-1", 1))), 401, "not_authenticated")
        response = post(auth(api, shopper), body_for(shipped, ("MUG-1", 1)))
        assert_error(response, 403, "permission_denied")
        assert Return.objects.count() == 0
