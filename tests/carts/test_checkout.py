"""POST /api/checkout/ and the orders it makes: stock held, payment, cart emptied, email."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone
from rest_framework.test import APIClient

from carts import checkout as checkout_module
from carts.checkout import CheckoutDetails, checkout_place
from carts.errors import CheckoutInProgress
from carts.models import Cart, PromotionUsage
from carts.services import HANDOFF_ALPHABET, cart_anonymous_new, cart_line_add
from inventory.models import Location, Reservation, StockMovement
from shop.customers.models import Customer, CustomerEvent
from shop.orders.models import Order, OrderLine
from shop.orders.services import NUMBER_ALPHABET
from shop.payments.models import Payment
from tests import factories
from tests.carts.support import (
    ADDRESS,
    CART,
    CODES,
    ORDERS,
    add_line,
    checkout,
    collect_body,
    delivery_body,
    line_url,
    post_json,
    promotion,
)
from tests.channels_app.support import assert_error, receive, stock_row

CURRENCY = settings.SHOP_CURRENCY
NUMBER = re.compile(f"^OS-[{NUMBER_ALPHABET}]{{6}}$")
HANDOFF = re.compile(f"^[{HANDOFF_ALPHABET}]{{6}}$")


def cart_state(cart_id: int) -> tuple:
    """What checkout must leave alone when it fails."""
    cart = Cart.objects.get(pk=cart_id)
    lines = sorted((line.pk, line.variant.sku, line.quantity) for line in cart.lines.all())
    codes = sorted(cart.promotions.values_list("code", flat=True))
    return cart.status, cart.handoff_code, cart.pending_order_id, lines, codes


def cart_id(client) -> int:
    return client.get(CART).json()["id"]


@pytest.fixture
def shipping_store(db):
    """A store whose code sorts before the warehouse's and that ships online."""
    return factories.LocationFactory(code="aa", name="Store AA", ships_online=True)


# --- success -------------------------------------------------------------------------------------


class TestCollect:
    def test_pay_at_pickup(self, api, store, tee_at_store, django_capture_on_commit_callbacks):
        add_line(api, "TEE-M", 2)
        cart = Cart.objects.get()
        code_before = cart.handoff_code
        before = timezone.now()

        with django_capture_on_commit_callbacks(execute=True):
            response = checkout(api, collect_body())

        after = timezone.now()
        assert response.status_code == 201, response.content
        body = response.json()
        assert NUMBER.match(body["number"])
        expected = {
            "status": "placed",
            "channel": "web",
            "fulfilment": "collect",
            "store": "st1",
            "email": "ann@example.com",
            "lines": [
                {
                    "sku": "TEE-M",
                    "name": "Tee — Size M",
                    "quantity": 2,
                    "unit_price": "19.90",
                    "discount": "0.00",
                    "line_total": "39.80",
                    "tax_rate": "20.00",
                    "tax": "6.63",
                }
            ],
            "subtotal": "39.80",
            "discount": "0.00",
            "total": "39.80",
            "tax_lines": [{"rate": "20.00", "net": "33.17", "tax": "6.63", "gross": "39.80"}],
            "currency": CURRENCY,
        }
        assert {key: body[key] for key in expected} == expected

        order = Order.objects.get(number=body["number"])
        assert order.status == Order.Status.PLACED
        assert order.customer == Customer.objects.get(email="ann@example.com")
        deadline = timedelta(days=settings.PICKUP_DAYS)
        assert before + deadline <= order.pickup_deadline <= after + deadline
        [payment] = order.payments.all()
        assert (payment.method, payment.status, payment.amount) == (
            Payment.Method.PAY_AT_PICKUP,
            Payment.Status.PENDING,
            Decimal("39.80"),
        )

        [reservation] = Reservation.objects.all()
        assert reservation.order_line == order.lines.get()
        assert (reservation.location, reservation.variant, reservation.quantity) == (
            store,
            tee_at_store,
            2,
        )
        assert reservation.state == Reservation.State.ACTIVE
        assert reservation.expires_at == order.pickup_deadline
        assert stock_row(store, tee_at_store) == (5, 2)
        assert StockMovement.objects.filter(kind="receipt").count() == StockMovement.objects.count()

        cart.refresh_from_db()
        assert cart.status == Cart.Status.OPEN
        assert not cart.lines.exists()
        assert cart.pending_order is None
        assert HANDOFF.match(cart.handoff_code)
        assert cart.handoff_code != code_before
        after_body = api.get(CART).json()
        assert after_body["id"] == cart.pk
        assert after_body["lines"] == []
        assert after_body["total"] == "0.00"

        [message] = mail.outbox
        assert message.subject == f"Your order {order.number}"
        assert message.to == ["ann@example.com"]
        assert order.number in message.body
        assert "Store One" in message.body
        assert "39.80" in message.body

    def test_the_cart_gets_a_new_handoff_code(self, api, tee_at_store):
        add_line(api, "TEE-M", 1)
        code_before = api.get(CART).json()["handoff_code"]

        assert checkout(api, collect_body()).status_code == 201

        code_after = api.get(CART).json()["handoff_code"]
        assert HANDOFF.match(code_after)
        assert code_after != code_before

    def test_card(self, api, store, tee_at_store, django_capture_on_commit_callbacks):
        add_line(api, "TEE-M", 1)

        with django_capture_on_commit_callbacks(execute=True):
            response = checkout(api, collect_body(method="card", token="tok_visa"))

        assert response.status_code == 201, response.content
        order = Order.objects.get(number=response.json()["number"])
        [payment] = order.payments.all()
        assert payment.method == Payment.Method.CARD
        assert payment.status == Payment.Status.CAPTURED
        assert payment.amount == Decimal("19.90")
        assert payment.reference.startswith("test_ch_")
        assert Reservation.objects.get().expires_at == order.pickup_deadline
        assert stock_row(store, tee_at_store) == (5, 1)
        assert len(mail.outbox) == 1


class TestDelivery:
    def test_warehouse_first(self, api, warehouse, shipping_store, store, tee):
        receive(warehouse, tee, 5)
        receive(shipping_store, tee, 5)
        receive(store, tee, 5)
        add_line(api, "TEE-M", 3)

        response = checkout(api, delivery_body())

        assert response.status_code == 201, response.content
        body = response.json()
        assert (body["fulfilment"], body["store"], body["status"]) == ("delivery", None, "placed")
        order = Order.objects.get(number=body["number"])
        assert order.shipping_address == ADDRESS
        assert order.pickup_deadline is None
        held = list(Reservation.objects.values_list("location__code", "quantity", "expires_at"))
        assert held == [("wh", 3, None)]
        assert stock_row(warehouse, tee) == (5, 3)
        assert stock_row(shipping_store, tee) == (5, 0)
        assert stock_row(store, tee) == (5, 0)
        assert order.payments.get().status == Payment.Status.CAPTURED

    def test_split_over_the_warehouse_and_a_store_that_ships(
        self, api, warehouse, shipping_store, store, tee
    ):
        later = factories.LocationFactory(code="zz", ships_online=True)
        # No location holds 4: the split with the warehouse beats the split over two stores.
        receive(warehouse, tee, 2)
        receive(shipping_store, tee, 3)
        receive(later, tee, 1)
        receive(store, tee, 10)  # does not ship online
        add_line(api, "TEE-M", 4)

        response = checkout(api, delivery_body())

        assert response.status_code == 201, response.content
        held = sorted(
            Reservation.objects.values_list("location__code", "quantity", "expires_at", "state")
        )
        assert held == [("aa", 2, None, "active"), ("wh", 2, None, "active")]
        assert stock_row(warehouse, tee) == (2, 2)
        assert stock_row(shipping_store, tee) == (3, 2)
        assert stock_row(later, tee) == (1, 0)
        assert stock_row(store, tee) == (10, 0)
        order = Order.objects.get(number=response.json()["number"])
        assert {r.order_line_id for r in Reservation.objects.all()} == {order.lines.get().pk}

    def test_inactive_shipping_location_is_skipped(self, api, warehouse, shipping_store, tee):
        receive(warehouse, tee, 5)
        receive(shipping_store, tee, 5)
        Location.objects.filter(pk=warehouse.pk).update(is_active=False)
        add_line(api, "TEE-M", 1)

        assert checkout(api, delivery_body()).status_code == 201

        assert list(Reservation.objects.values_list("location__code", flat=True)) == ["aa"]

    def test_not_enough_online_is_a_409(self, api, warehouse, shipping_store, store, tee):
        receive(warehouse, tee, 1)
        receive(shipping_store, tee, 1)
        receive(store, tee, 10)  # does not ship online
        add_line(api, "TEE-M", 3)
        before = cart_state(cart_id(api))

        error = assert_error(checkout(api, delivery_body()), 409, "insufficient_stock")

        assert error["details"] == [{"sku": "TEE-M", "requested": 3, "available": 2}]
        assert not Reservation.objects.exists()
        assert not Order.objects.exists()
        assert stock_row(warehouse, tee) == (1, 0)
        assert cart_state(cart_id(api)) == before


# --- not enough stock ----------------------------------------------------------------------------


class TestInsufficientStock:
    def test_409_leaves_stock_reservations_and_cart_untouched(
        self, api, store, tee, mug, django_capture_on_commit_callbacks
    ):
        receive(store, tee, 5)
        receive(store, mug, 1)
        limited = promotion(kind="fixed", value="1.00", usage_limit=5)
        add_line(api, "TEE-M", 2)
        add_line(api, "MUG-1", 3)
        before = cart_state(cart_id(api))
        movements = StockMovement.objects.count()

        with django_capture_on_commit_callbacks(execute=True):
            response = checkout(api, collect_body())

        error = assert_error(response, 409, "insufficient_stock")
        assert sorted(error["details"], key=lambda d: d["sku"]) == [
            {"sku": "MUG-1", "requested": 3, "available": 1},
            {"sku": "TEE-M", "requested": 2, "available": 5},
        ]
        assert stock_row(store, tee) == (5, 0)
        assert stock_row(store, mug) == (1, 0)
        assert not Reservation.objects.exists()
        assert StockMovement.objects.count() == movements
        assert not Order.objects.exists()
        assert not OrderLine.objects.exists()
        assert not Payment.objects.exists()
        assert cart_state(cart_id(api)) == before
        limited.refresh_from_db()
        assert limited.times_used == 0
        assert not PromotionUsage.objects.exists()
        assert mail.outbox == []

    def test_the_same_key_may_be_retried_once_stock_arrived(self, api, store, tee):
        receive(store, tee, 1)
        add_line(api, "TEE-M", 2)
        assert_error(checkout(api, collect_body(), key="retry-me"), 409, "insufficient_stock")

        receive(store, tee, 1)
        response = checkout(api, collect_body(), key="retry-me")

        assert response.status_code == 201, response.content
        assert stock_row(store, tee) == (2, 2)

    def test_units_reserved_by_others_are_not_available(self, api, store, tee):
        receive(store, tee, 2)
        first = APIClient()
        add_line(first, "TEE-M", 2)
        assert checkout(first, collect_body(email="first@example.com")).status_code == 201
        add_line(api, "TEE-M", 1)

        error = assert_error(checkout(api, collect_body()), 409, "insufficient_stock")

        assert error["details"] == [{"sku": "TEE-M", "requested": 1, "available": 0}]
        assert stock_row(store, tee) == (2, 2)
        assert Reservation.objects.count() == 1


# --- idempotency ---------------------------------------------------------------------------------


class TestIdempotency:
    def test_replay_returns_the_first_response_and_changes_nothing(
        self, api, store, tee_at_store, django_capture_on_commit_callbacks
    ):
        add_line(api, "TEE-M", 2)
        body = collect_body()

        with django_capture_on_commit_callbacks(execute=True):
            first = checkout(api, body, key="order-1")
            replay = checkout(api, body, key="order-1")

        assert first.status_code == 201, first.content
        assert replay.status_code == 201
        assert replay.json() == first.json()
        assert Order.objects.count() == 1
        assert Reservation.objects.count() == 1
        assert Payment.objects.count() == 1
        assert stock_row(store, tee_at_store) == (5, 2)
        assert len(mail.outbox) == 1

    def test_same_key_with_another_body_is_a_409(self, api, store, tee_at_store):
        add_line(api, "TEE-M", 1)
        assert checkout(api, collect_body(), key="order-1").status_code == 201
        add_line(api, "TEE-M", 1)

        response = checkout(api, collect_body(email="someone@example.com"), key="order-1")

        assert_error(response, 409, "idempotency_key_reused")
        assert Order.objects.count() == 1
        assert Reservation.objects.count() == 1
        assert stock_row(store, tee_at_store) == (5, 1)
        assert [line["quantity"] for line in api.get(CART).json()["lines"]] == [1]

    def test_keys_of_another_shopper_are_theirs(self, api, store, tee_at_store):
        other = APIClient()
        add_line(api, "TEE-M", 1)
        add_line(other, "TEE-M", 1)

        assert checkout(api, collect_body(), key="same").status_code == 201
        response = checkout(other, collect_body(), key="same")

        assert response.status_code == 201
        assert Order.objects.count() == 2
        assert stock_row(store, tee_at_store) == (5, 2)


# --- declined card -------------------------------------------------------------------------------


class TestDeclinedCard:
    @pytest.fixture
    def code(self, db):
        return promotion(kind="fixed", value="2.00", code="TWO", usage_limit=1)

    @pytest.fixture
    def automatic(self, db):
        return promotion(kind="percentage", value="10", usage_limit=1)

    @pytest.mark.parametrize("token", ["tok_declined", "tok_insufficient_funds", "tok_bogus"])
    def test_402_releases_the_hold_and_gives_promotions_back(
        self,
        api,
        store,
        tee_at_store,
        code,
        automatic,
        token,
        django_capture_on_commit_callbacks,
    ):
        add_line(api, "TEE-M", 2)
        post_json(api, CODES, {"code": "TWO"})
        before = cart_state(cart_id(api))
        priced = api.get(CART).json()
        assert priced["discount"] == "5.98"  # 10 % of 39.80, then 2.00

        with django_capture_on_commit_callbacks(execute=True):
            response = checkout(api, collect_body(method="card", token=token))

        assert_error(response, 402, "payment_declined")
        assert not Reservation.objects.filter(state=Reservation.State.ACTIVE).exists()
        assert set(Reservation.objects.values_list("state", flat=True)) == {"released"}
        assert stock_row(store, tee_at_store) == (5, 0)
        assert cart_state(cart_id(api)) == before
        assert api.get(CART).json() == priced
        for promo in (code, automatic):
            promo.refresh_from_db()
            assert promo.times_used == 0
        assert not PromotionUsage.objects.exists()
        order = Order.objects.get()
        assert order.status == Order.Status.PAYMENT_FAILED
        assert order.payments.get().status == Payment.Status.DECLINED
        assert mail.outbox == []

    def test_a_second_try_with_a_good_card_uses_the_promotions(
        self, api, store, tee_at_store, code, automatic
    ):
        add_line(api, "TEE-M", 2)
        post_json(api, CODES, {"code": "TWO"})
        assert_error(
            checkout(api, collect_body(method="card", token="tok_declined"), key="k"),
            402,
            "payment_declined",
        )

        response = checkout(api, collect_body(method="card", token="tok_visa"), key="k")

        assert response.status_code == 201, response.content
        assert (response.json()["discount"], response.json()["total"]) == ("5.98", "33.82")
        placed = Order.objects.get(status=Order.Status.PLACED)
        assert sorted(placed.promotions.values_list("promotion__code", "amount")) == [
            ("", Decimal("3.98")),
            ("TWO", Decimal("2.00")),
        ]
        for promo in (code, automatic):
            promo.refresh_from_db()
            assert promo.times_used == 1
        assert stock_row(store, tee_at_store) == (5, 2)
        assert Reservation.objects.filter(state="active").count() == 1


# --- promotions used at checkout -----------------------------------------------------------------


class TestPromotionUsage:
    def test_an_automatic_promotion_used_up_does_not_block_the_next_checkout(
        self, store, tee_at_store
    ):
        once = promotion(kind="fixed", value="2.00", usage_limit=1)
        first, second = APIClient(), APIClient()
        add_line(first, "TEE-M", 1)
        add_line(second, "TEE-M", 1)

        one = checkout(first, collect_body(email="first@example.com"))
        two = checkout(second, collect_body(email="second@example.com"))

        assert one.status_code == 201, one.content
        assert two.status_code == 201, two.content
        assert (one.json()["discount"], two.json()["discount"]) == ("2.00", "0.00")
        once.refresh_from_db()
        assert once.times_used == 1
        assert PromotionUsage.objects.get().order.number == one.json()["number"]

    def test_first_order_only_is_for_the_first_order_of_that_email(self, store, tee_at_store):
        promotion(kind="fixed", value="3.00", first_order_only=True)
        first, again = APIClient(), APIClient()
        add_line(first, "TEE-M", 1)
        add_line(again, "TEE-M", 1)

        one = checkout(first, collect_body())
        two = checkout(again, collect_body(email="ANN@example.com"))

        assert (one.json()["discount"], two.json()["discount"]) == ("3.00", "0.00")
        assert Customer.objects.count() == 1


# --- invalid input -------------------------------------------------------------------------------


def _without_store() -> dict:
    body = collect_body()
    del body["store"]
    return body


@pytest.fixture
def no_collect_store(db):
    return factories.LocationFactory(code="noc", name="No C&C", click_and_collect=False)


INVALID = {
    "bad-email": (collect_body(email="not-an-email"), "invalid"),
    "no-email": ({**collect_body(), "email": ""}, "invalid"),
    "collect-without-store": (_without_store(), "invalid"),
    "collect-with-blank-store": (collect_body(store=""), "invalid"),
    "store-without-click-and-collect": (collect_body(store="noc"), "invalid"),
    "warehouse-as-store": (collect_body(store="wh"), "invalid"),
    "unknown-store": (collect_body(store="nowhere"), "unknown_location"),
    "delivery-without-address": (
        {**delivery_body(), "shipping_address": {"name": "Ann"}},
        "invalid",
    ),
    "delivery-blank-city": (delivery_body(city="  "), "invalid"),
    "pay-at-pickup-with-delivery": (
        {**delivery_body(), "payment": {"method": "pay_at_pickup"}},
        "invalid",
    ),
    "card-without-token": (collect_body(method="card"), "invalid"),
    "unknown-payment-method": (collect_body(method="cash"), "invalid"),
    "unknown-fulfilment": ({**collect_body(), "fulfilment": "drone"}, "invalid"),
}


class TestInvalidInput:
    @pytest.mark.parametrize(("body", "code"), list(INVALID.values()), ids=list(INVALID))
    def test_400_and_nothing_changes(
        self, api, store, warehouse, no_collect_store, tee, body, code
    ):
        for location in (store, warehouse, no_collect_store):
            receive(location, tee, 5)
        add_line(api, "TEE-M", 1)
        before = cart_state(cart_id(api))

        assert_error(checkout(api, body), 400, code)

        assert not Order.objects.exists()
        assert not Reservation.objects.exists()
        assert not Customer.objects.exists()
        assert not CustomerEvent.objects.exists()
        assert cart_state(cart_id(api)) == before
        assert stock_row(store, tee) == (5, 0)

    def test_missing_address_fields_are_named(self, api, warehouse, tee):
        receive(warehouse, tee, 5)
        add_line(api, "TEE-M", 1)
        body = {**delivery_body(), "shipping_address": {"name": "Ann", "city": "Paris"}}

        error = assert_error(checkout(api, body), 400, "invalid")

        assert error["details"] == ["line1", "postcode", "country"]

    def test_inactive_store_is_unknown(self, api, store, tee_at_store):
        Location.objects.filter(pk=store.pk).update(is_active=False)
        add_line(api, "TEE-M", 1)

        assert_error(checkout(api, collect_body()), 400, "unknown_location")
        assert not Order.objects.exists()


class TestEmptyCart:
    def test_no_cart_at_all(self, api, store):
        assert_error(checkout(api, collect_body()), 400, "cart_empty")
        assert not Order.objects.exists()

    def test_cart_whose_lines_were_removed(self, api, store, tee_at_store):
        line = add_line(api, "TEE-M", 1).json()
        api.delete(line_url(line["id"]))

        assert_error(checkout(api, collect_body()), 400, "cart_empty")
        assert not Order.objects.exists()
        assert stock_row(store, tee_at_store) == (5, 0)

    def test_cart_emptied_by_a_checkout(self, api, store, tee_at_store):
        add_line(api, "TEE-M", 1)
        assert checkout(api, collect_body()).status_code == 201

        assert_error(checkout(api, collect_body()), 400, "cart_empty")
        assert Order.objects.count() == 1


# --- reading orders ------------------------------------------------------------------------------


def signed_in(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


class TestOrderList:
    @pytest.fixture
    def orders(self, store, other_store, shopper, tee_at_store):
        """ann's web order (through the API) and store order, bob's, and a guest's."""
        ann = signed_in(shopper)
        add_line(ann, "TEE-M", 1)
        response = checkout(ann, collect_body())
        assert response.status_code == 201, response.content
        ann_customer = Customer.objects.get(user=shopper)
        bob = factories.UserFactory(username="bob")
        bob_customer = Customer.objects.create(user=bob, email="bob@example.com")
        made = {
            "ann-web": response.json()["number"],
            "ann-pos": factories.OrderFactory(
                customer=ann_customer, channel="pos", store=other_store, status="completed"
            ).number,
            "ann-failed": factories.OrderFactory(
                customer=ann_customer, store=store, status="payment_failed"
            ).number,
            "bob": factories.OrderFactory(
                customer=bob_customer, store=other_store, status="placed"
            ).number,
            "guest": factories.OrderFactory(
                customer=factories.CustomerFactory(), store=store, status="placed"
            ).number,
        }
        return made

    @staticmethod
    def numbers(client) -> set[str]:
        response = client.get(ORDERS)
        assert response.status_code == 200
        return {order["number"] for order in response.json()["results"]}

    def test_customer_sees_only_their_placed_orders_of_every_channel(self, orders, shopper):
        assert self.numbers(signed_in(shopper)) == {orders["ann-web"], orders["ann-pos"]}

    def test_another_customer_sees_theirs(self, orders):
        bob = factories.UserFactory(username="bob")
        assert self.numbers(signed_in(bob)) == {orders["bob"]}

    def test_clerk_sees_their_stores_orders(self, orders, clerk):
        seen = self.numbers(signed_in(clerk))

        assert {orders["ann-web"], orders["guest"]} <= seen
        assert not {orders["ann-pos"], orders["bob"]} & seen  # another store's
        placed = Order.objects.filter(store__code="st1").exclude(status__in=Order.UNPLACED_STATUSES)
        assert seen == set(placed.values_list("number", flat=True))

    def test_manager_sees_all(self, orders, manager):
        assert self.numbers(signed_in(manager)) == set(orders.values())

    def test_anonymous_is_a_401(self, api, orders):
        assert_error(api.get(ORDERS), 401, "not_authenticated")
        assert_error(api.get(f"{ORDERS}{orders['ann-web']}/"), 401, "not_authenticated")

    def test_even_an_anonymous_shopper_who_just_ordered(self, api, store, tee_at_store):
        add_line(api, "TEE-M", 1)
        assert checkout(api, collect_body()).status_code == 201

        assert_error(api.get(ORDERS), 401, "not_authenticated")

    def test_own_order_by_number(self, orders, shopper):
        response = signed_in(shopper).get(f"{ORDERS}{orders['ann-web']}/")

        assert response.status_code == 200
        body = response.json()
        assert (body["number"], body["store"], body["total"]) == (orders["ann-web"], "st1", "19.90")

    @pytest.mark.parametrize("whose", ["bob", "guest", "ann-failed"])
    def test_someone_elses_order_is_a_404(self, orders, shopper, whose):
        response = signed_in(shopper).get(f"{ORDERS}{orders[whose]}/")

        assert_error(response, 404, "not_found")

    def test_clerk_of_another_store_gets_a_404(self, orders, other_store):
        clerk = factories.clerk(store=other_store)

        assert_error(signed_in(clerk).get(f"{ORDERS}{orders['ann-web']}/"), 404, "not_found")


# --- the customer's timeline ---------------------------------------------------------------------


class TestCustomerEvents:
    def test_signed_in_shopper_timeline(self, store, shopper, tee_at_store, mug):
        client = signed_in(shopper)
        add_line(client, "TEE-M", 2)
        mug_line = add_line(client, "MUG-1", 1).json()
        client.delete(line_url(mug_line["id"]))

        response = checkout(client, collect_body())

        assert response.status_code == 201, response.content
        number = response.json()["number"]
        customer = Customer.objects.get(user=shopper)
        events = list(
            CustomerEvent.objects.filter(customer=customer)
            .order_by("id")
            .values_list("kind", "channel", "store__code", "payload")
        )
        cart = Cart.objects.get(customer=customer)
        tee, mug_ = {"sku": "TEE-M", "name": "Tee — Size M"}, {"sku": "MUG-1", "name": "Mug"}
        assert events == [
            ("cart_line_added", "web", None, {**tee, "quantity": 2}),
            ("cart_line_added", "web", None, {**mug_, "quantity": 1}),
            ("cart_line_removed", "web", None, {**mug_, "quantity": 1}),
            (
                "checkout_started",
                "web",
                "st1",
                {"fulfilment": "collect", "lines": 1, "cart": cart.pk},
            ),
            (
                "order_placed",
                "web",
                "st1",
                {"order": number, "total": "39.80", "fulfilment": "collect"},
            ),
        ]

    def test_guest_checkout_records_on_the_email_customer(self, api, store, tee_at_store):
        add_line(api, "TEE-M", 1)

        number = checkout(api, collect_body()).json()["number"]

        guest = Customer.objects.get(email="ann@example.com")
        assert list(guest.events.order_by("id").values_list("kind", flat=True)) == [
            "checkout_started",
            "order_placed",
        ]
        assert guest.events.get(kind="order_placed").payload["order"] == number

    def test_declined_checkout_started_but_placed_nothing(self, api, store, tee_at_store):
        add_line(api, "TEE-M", 1)

        checkout(api, collect_body(method="card", token="tok_declined"))

        kinds = list(CustomerEvent.objects.values_list("kind", flat=True))
        assert kinds == ["checkout_started"]

    def test_a_french_shopper_reads_why_the_card_was_refused_in_french(
        self, api, store, tee_at_store
    ):
        add_line(api, "TEE-M", 1)
        api.credentials(HTTP_ACCEPT_LANGUAGE="fr")

        response = checkout(api, collect_body(method="card", token="tok_declined"))

        assert_error(response, 402, "payment_declined")
        assert response.json()["error"]["message"] == "La carte a été refusée."

    def test_delivery_events_have_no_store(self, api, warehouse, tee):
        receive(warehouse, tee, 3)
        add_line(api, "TEE-M", 1)

        assert checkout(api, delivery_body()).status_code == 201

        assert set(CustomerEvent.objects.values_list("kind", "store")) == {
            ("checkout_started", None),
            ("order_placed", None),
        }


# --- one cart, two checkouts ---------------------------------------------------------------------


class TestCartChangedWhileCheckingOut:
    """Checkout reads the cart, then claims it. Whatever happens to the cart in between (another
    tab places it, or adds a line) must not be ordered from the stale read."""

    @pytest.fixture
    def cart(self, tee_at_store):
        cart = cart_anonymous_new()
        cart_line_add(cart=cart, sku="TEE-M", quantity=2, channel="web")
        return cart

    @staticmethod
    def details(store) -> CheckoutDetails:
        return CheckoutDetails(
            email="ann@example.com",
            fulfilment="collect",
            payment_method="pay_at_pickup",
            store=store,
        )

    @staticmethod
    def between_read_and_claim(monkeypatch, action) -> None:
        """Runs `action` once, right after checkout read the cart and before it claims it."""
        real = checkout_module.customer_event_record
        done = []

        def record(**kwargs):
            event = real(**kwargs)
            if kwargs["kind"] == CustomerEvent.Kind.CHECKOUT_STARTED and not done:
                done.append(True)
                action()
            return event

        monkeypatch.setattr(checkout_module, "customer_event_record", record)

    def test_placed_by_another_tab_meanwhile(self, monkeypatch, store, cart, tee_at_store):
        self.between_read_and_claim(
            monkeypatch, lambda: checkout_place(cart=cart, details=self.details(store))
        )

        with pytest.raises(CheckoutInProgress):
            checkout_place(cart=cart, details=self.details(store))

        assert Order.objects.filter(status=Order.Status.PLACED).count() == 1
        assert Order.objects.count() == 1
        assert stock_row(store, tee_at_store) == (5, 2)
        assert Reservation.objects.count() == 1

    def test_line_added_meanwhile(self, monkeypatch, store, cart, mug):
        receive(store, mug, 5)
        self.between_read_and_claim(
            monkeypatch,
            lambda: cart_line_add(cart=cart, sku="MUG-1", quantity=1, channel="web"),
        )

        with pytest.raises(CheckoutInProgress):
            checkout_place(cart=cart, details=self.details(store))

        assert not Order.objects.exists()
        assert not Reservation.objects.exists()
        assert sorted(cart.lines.values_list("variant__sku", "quantity")) == [
            ("MUG-1", 1),
            ("TEE-M", 2),
        ]
        order = checkout_place(cart=cart, details=self.details(store))
        assert sorted(order.lines.values_list("sku", "quantity")) == [("MUG-1", 1), ("TEE-M", 2)]


def test_checkout_attempts_that_were_never_placed_are_hidden_from_the_store(store, clerk):
    placed = factories.OrderFactory(store=store, status=Order.Status.PLACED)
    factories.OrderFactory(store=store, status=Order.Status.PAYMENT_FAILED)
    factories.OrderFactory(store=store, status=Order.Status.PENDING_PAYMENT)

    response = signed_in(clerk).get(ORDERS)

    assert [order["number"] for order in response.json()["results"]] == [placed.number]
