"""The click-and-collect desk: a store's pickups, ready for pickup, collected."""

from decimal import Decimal

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from inventory.models import Reservation, StockMovement
from shop.customers.models import CustomerEvent
from shop.orders.models import Order
from shop.orders.services import order_mark_collected
from shop.outbox.models import OutboxMessage
from shop.outbox.tasks import deliver_outbox_message
from shop.payments.drawer import drawer_close, drawer_open_session
from shop.payments.models import Payment
from tests import factories
from tests.channels_app.support import assert_error, open_till, receive, stock_row
from tests.conftest import auth
from tests.shop.order_support import collect_order, delivery_order, till_sale

ORDER_FIELDS = {
    "number",
    "status",
    "channel",
    "fulfilment",
    "store",
    "email",
    "lines",
    "subtotal",
    "discount",
    "shipping_method",
    "shipping_price",
    "total",
    "tax_lines",
    "currency",
    "pickup_deadline",
    "created_at",
}


def pickups_url(code: str) -> str:
    return f"/api/stores/{code}/pickups/"


def ready_url(number: str) -> str:
    return f"/api/pickups/{number}/ready/"


def collected_url(number: str) -> str:
    return f"/api/pickups/{number}/collected/"


def web_collect_checkout(store_code: str, sku: str, quantity: int, email: str) -> dict:
    """A shopper's collect order placed through the public API, paid at pickup."""
    shopper = APIClient()
    added = shopper.post("/api/cart/lines/", {"sku": sku, "quantity": quantity}, format="json")
    assert added.status_code == 201, added.content
    response = shopper.post(
        "/api/checkout/",
        {
            "email": email,
            "fulfilment": "collect",
            "store": store_code,
            "payment": {"method": "pay_at_pickup"},
        },
        format="json",
        headers={"Idempotency-Key": f"checkout-{email}"},
    )
    assert response.status_code == 201, response.content
    return response.json()


@pytest.fixture
def stocked(store, other_store, warehouse, variant):
    open_till(store, other_store)
    receive(store, variant, 10)
    receive(other_store, variant, 10)
    receive(warehouse, variant, 10)


@pytest.fixture
def pickup(stocked):
    """A collect order at st1 for 2 × TEE-M, placed through POST /api/checkout/."""
    body = web_collect_checkout("st1", "TEE-M", 2, "ann@example.com")
    assert (body["status"], body["fulfilment"], body["store"]) == ("placed", "collect", "st1")
    return Order.objects.get(number=body["number"])


class TestPickupList:
    @pytest.fixture
    def orders(self, pickup, store, other_store, variant, clerk):
        collected = collect_order(store, [(variant, 1)], email="bea@example.com")
        order_mark_collected(order=collected, channel="pos")
        elsewhere = collect_order(other_store, [(variant, 1)], email="cy@example.com")
        shipped = delivery_order([(variant, 1)], email="di@example.com")
        sold = till_sale(store, clerk, [(variant, 1)])
        return {
            "pickup": pickup,
            "collected": collected,
            "elsewhere": elsewhere,
            "delivery": shipped,
            "till": sold,
        }

    def test_lists_only_this_stores_collect_orders(self, api, clerk, orders):
        response = auth(api, clerk).get(pickups_url("st1"))

        assert response.status_code == 200, response.content
        listed = response.json()
        assert all(set(order) == ORDER_FIELDS for order in listed)
        assert {o["number"] for o in listed} == {
            orders["pickup"].number,
            orders["collected"].number,
        }
        assert {o["store"] for o in listed} == {"st1"}
        assert {o["fulfilment"] for o in listed} == {"collect"}

    def test_filters_by_status(self, api, clerk, orders):
        client = auth(api, clerk)

        placed = client.get(pickups_url("st1"), {"status": "placed"}).json()
        collected = client.get(pickups_url("st1"), {"status": "collected"}).json()
        ready = client.get(pickups_url("st1"), {"status": "ready_for_pickup"}).json()

        assert [(o["number"], o["status"]) for o in placed] == [(orders["pickup"].number, "placed")]
        assert [(o["number"], o["status"]) for o in collected] == [
            (orders["collected"].number, "collected")
        ]
        assert ready == []

    def test_an_unknown_status_is_400(self, api, clerk, orders):
        assert_error(auth(api, clerk).get(pickups_url("st1"), {"status": "lost"}), 400, "invalid")

    def test_a_manager_lists_any_store(self, api, manager, orders):
        response = auth(api, manager).get(pickups_url("st2"))

        assert response.status_code == 200, response.content
        assert [o["number"] for o in response.json()] == [orders["elsewhere"].number]

    def test_a_clerk_of_another_store_is_403(self, api, other_store, orders):
        other_clerk = factories.clerk(store=other_store)

        response = auth(api, other_clerk).get(pickups_url("st1"))

        assert_error(response, 403, "permission_denied")

    def test_anonymous_401_and_shopper_403(self, api, shopper, orders):
        assert_error(api.get(pickups_url("st1")), 401, "not_authenticated")
        assert_error(auth(api, shopper).get(pickups_url("st1")), 403, "permission_denied")


class TestReady:
    def test_ready_notifies_the_customer_once(
        self, api, clerk, pickup, store, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = auth(api, clerk).post(ready_url(pickup.number))

        assert response.status_code == 200, response.content
        assert response.json()["status"] == "ready_for_pickup"
        pickup.refresh_from_db()
        assert pickup.status == Order.Status.READY_FOR_PICKUP
        ready_mails = [m for m in mail.outbox if "ready for pickup" in m.subject]
        assert [(m.to, m.subject) for m in ready_mails] == [
            (["ann@example.com"], f"Order {pickup.number} is ready for pickup")
        ]
        assert "Store One" in ready_mails[0].body
        event = CustomerEvent.objects.get(
            customer=pickup.customer, kind=CustomerEvent.Kind.PICKUP_READY
        )
        assert (event.channel, event.store, event.payload) == (
            "pos",
            store,
            {"order": pickup.number},
        )

        # The task runs again (a broker redelivery): nothing more is sent.
        sent_before = len(mail.outbox)
        key = f"order:{pickup.pk}:ready_for_pickup"
        assert deliver_outbox_message.delay(key).get() is False
        assert deliver_outbox_message(key) is False
        assert len(mail.outbox) == sent_before
        assert OutboxMessage.objects.get(key=key).status == "done"
        with pytest.raises(IntegrityError), transaction.atomic():
            OutboxMessage.objects.create(topic="orders.email", key=key, available_at=timezone.now())

    def test_ready_keeps_the_stock_held(self, api, clerk, pickup, store, variant):
        response = auth(api, clerk).post(ready_url(pickup.number))

        assert response.status_code == 200, response.content
        assert stock_row(store, variant) == (10, 2)
        assert Reservation.objects.get(order_line__order=pickup).state == "active"

    def test_ready_twice_is_409(self, api, clerk, pickup):
        client = auth(api, clerk)
        client.post(ready_url(pickup.number))

        error = assert_error(client.post(ready_url(pickup.number)), 409, "order_status")
        assert error["details"] == [{"order": pickup.number, "status": "ready_for_pickup"}]

    def test_ready_on_a_collected_order_is_409(self, api, clerk, pickup):
        client = auth(api, clerk)
        assert client.post(collected_url(pickup.number)).status_code == 200

        assert_error(client.post(ready_url(pickup.number)), 409, "order_status")
        pickup.refresh_from_db()
        assert pickup.status == Order.Status.COLLECTED

    def test_a_clerk_of_another_store_is_403(self, api, other_store, pickup):
        other_clerk = factories.clerk(store=other_store)

        response = auth(api, other_clerk).post(ready_url(pickup.number))

        assert_error(response, 403, "permission_denied")
        pickup.refresh_from_db()
        assert pickup.status == Order.Status.PLACED
        assert not CustomerEvent.objects.filter(kind=CustomerEvent.Kind.PICKUP_READY).exists()

    def test_a_delivery_order_or_unknown_number_is_404(self, api, manager, stocked, variant):
        shipped = delivery_order([(variant, 1)])
        client = auth(api, manager)

        assert_error(client.post(ready_url(shipped.number)), 404, "not_found")
        assert_error(client.post(ready_url("OS-NOSUCH")), 404, "not_found")
        shipped.refresh_from_db()
        assert shipped.status == Order.Status.PLACED


class TestCollected:
    def test_collected_commits_the_reservation_and_takes_payment(
        self, api, clerk, pickup, store, variant
    ):
        client = auth(api, clerk)
        assert client.post(ready_url(pickup.number)).status_code == 200
        assert stock_row(store, variant) == (10, 2)

        response = client.post(collected_url(pickup.number))

        assert response.status_code == 200, response.content
        assert response.json()["status"] == "collected"
        pickup.refresh_from_db()
        assert pickup.status == Order.Status.COLLECTED
        assert stock_row(store, variant) == (8, 0)
        reservation = Reservation.objects.get(order_line__order=pickup)
        assert reservation.state == Reservation.State.COMMITTED
        movement = StockMovement.objects.get(order=pickup)
        assert (movement.kind, movement.quantity, movement.location) == (
            "reservation_commit",
            -2,
            store,
        )
        assert movement.user == clerk
        payment = pickup.payments.get()
        # Paid at the desk in cash by default: the cash goes into the till's count.
        assert (payment.method, payment.status) == ("cash", "captured")
        assert payment.amount == Decimal("39.80")
        assert payment.drawer_session == drawer_open_session(store=store)
        assert CustomerEvent.objects.filter(
            customer=pickup.customer, kind=CustomerEvent.Kind.PICKUP_COLLECTED
        ).exists()

    def test_card_at_the_desk_keeps_the_terminal_reference(self, api, clerk, pickup):
        body = {"payment": {"method": "card", "terminal_reference": "TERM-77"}}
        response = auth(api, clerk).post(collected_url(pickup.number), body, format="json")
        assert response.status_code == 200, response.content
        payment = pickup.payments.get()
        assert (payment.method, payment.status, payment.reference) == (
            "card",
            "captured",
            "TERM-77",
        )
        assert payment.drawer_session is None

    def test_cash_with_the_till_closed_is_409_and_nothing_changes(
        self, api, clerk, pickup, store, variant
    ):
        session = drawer_open_session(store=store)
        drawer_close(session=session, user=clerk, counted_cash=session.opening_float)

        response = auth(api, clerk).post(collected_url(pickup.number))

        assert_error(response, 409, "drawer_state")
        pickup.refresh_from_db()
        assert pickup.status == Order.Status.PLACED
        assert stock_row(store, variant) == (10, 2)
        assert list(pickup.payments.values_list("method", "status")) == [
            ("pay_at_pickup", "pending")
        ]

    def test_collected_straight_from_placed(self, api, clerk, pickup, store, variant):
        response = auth(api, clerk).post(collected_url(pickup.number))

        assert response.status_code == 200, response.content
        assert stock_row(store, variant) == (8, 0)

    def test_a_card_paid_pickup_keeps_its_one_captured_payment(
        self, api, clerk, stocked, store, variant
    ):
        order = collect_order(store, [(variant, 1)], payment="card")

        response = auth(api, clerk).post(collected_url(order.number))

        assert response.status_code == 200, response.content
        assert list(order.payments.values_list("method", "status")) == [("card", "captured")]

    def test_collected_twice_is_409_and_nothing_more_happens(
        self, api, clerk, pickup, store, variant
    ):
        client = auth(api, clerk)
        client.post(collected_url(pickup.number))

        response = client.post(collected_url(pickup.number))

        error = assert_error(response, 409, "order_status")
        assert error["details"] == [{"order": pickup.number, "status": "collected"}]
        assert stock_row(store, variant) == (8, 0)
        assert StockMovement.objects.filter(order=pickup).count() == 1
        assert Payment.objects.filter(order=pickup).count() == 1

    def test_a_clerk_of_another_store_is_403(self, api, other_store, pickup, store, variant):
        other_clerk = factories.clerk(store=other_store)

        response = auth(api, other_clerk).post(collected_url(pickup.number))

        assert_error(response, 403, "permission_denied")
        pickup.refresh_from_db()
        assert pickup.status == Order.Status.PLACED
        assert stock_row(store, variant) == (10, 2)
        assert not StockMovement.objects.filter(order=pickup).exists()

    def test_a_manager_may_hand_over_anywhere(self, api, manager, pickup, store, variant):
        response = auth(api, manager).post(collected_url(pickup.number))

        assert response.status_code == 200, response.content
        assert stock_row(store, variant) == (8, 0)


def test_an_unknown_store_has_no_pickups(api, manager):
    response = auth(api, manager).get(pickups_url("nowhere"))
    assert_error(response, 404, "not_found")
