"""Click-and-collect orders to pay at pickup hold units for free, so a shopper may keep only
MAX_UNPAID_COLLECT_ORDERS (3) open at once: per email (any case), per customer and per browser
session. The next one is a 409 `too_many_unpaid_orders` that holds nothing."""

import uuid
from collections import Counter
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from carts.models import Cart
from shop.orders.models import Order
from shop.orders.services import (
    order_cancel,
    order_mark_collected,
    order_mark_ready,
    orders_expire_overdue,
)
from tests import factories
from tests.carts.support import add_line, checkout, collect_body, delivery_body
from tests.channels_app.support import assert_error, receive, stock_row
from tests.shop.order_support import run_at_once

LIMIT = settings.MAX_UNPAID_COLLECT_ORDERS


@pytest.fixture
def shelf(store, warehouse, tee):
    receive(store, tee, 20)
    receive(warehouse, tee, 20)


def filled_client(client=None) -> APIClient:
    client = client or APIClient()
    assert add_line(client, "TEE-M", 1).status_code == 201
    return client


def place(body: dict, client=None):
    return checkout(filled_client(client), body)


def placed(body: dict, client=None) -> Order:
    response = place(body, client)
    assert response.status_code == 201, response.content
    return Order.objects.get(number=response.json()["number"])


def assert_refused(response, per: str) -> None:
    error = assert_error(response, 409, "too_many_unpaid_orders")
    assert {"limit": LIMIT, "open": LIMIT, "per": per} in error["details"]
    assert f"at most {LIMIT}" in error["message"]


def test_the_default_is_three():
    assert LIMIT == 3


@pytest.mark.usefixtures("shelf")
class TestPerEmail:
    def test_the_fourth_for_one_email_in_any_case_is_refused(self, store, tee):
        for email in ["ann@example.com", "ANN@example.com", "Ann@Example.com"]:
            placed(collect_body(email=email))  # each from another browser
        client = filled_client()
        cart = Cart.objects.get(pk=client.get("/api/cart/").json()["id"])

        response = checkout(client, collect_body(email="aNN@example.COM"))

        assert_refused(response, "email")
        assert Order.objects.count() == LIMIT
        assert stock_row(store, tee) == (20, LIMIT)
        cart.refresh_from_db()
        assert [(line.variant.sku, line.quantity) for line in cart.lines.all()] == [("TEE-M", 1)]
        assert cart.pending_order_id is None

    def test_another_email_is_not_counted(self):
        for _ in range(LIMIT):
            placed(collect_body(email="ann@example.com"))

        assert place(collect_body(email="bob@example.com")).status_code == 201

    @pytest.mark.parametrize(
        "body",
        [collect_body(method="card", token="tok_visa"), delivery_body()],
        ids=["collect-by-card", "delivery"],
    )
    def test_an_order_paid_now_is_not_capped_nor_counted(self, body):
        for _ in range(LIMIT):
            placed(collect_body())

        assert place(body).status_code == 201
        assert_refused(place(collect_body()), "email")

    @pytest.mark.parametrize("end", ["collected", "cancelled", "expired"])
    def test_an_order_that_ended_frees_its_place(self, end):
        orders = [placed(collect_body()) for _ in range(LIMIT)]
        assert_refused(place(collect_body()), "email")
        first = orders[0]
        if end == "collected":
            order_mark_ready(order=first, channel="pos")
            order_mark_collected(
                order=first, channel="pos", payment_method="card", terminal_reference="T-1"
            )
        elif end == "cancelled":
            order_cancel(order=first, channel="pos")
        else:
            past = timezone.now() - timedelta(minutes=1)
            Order.objects.filter(pk=first.pk).update(pickup_deadline=past)
            assert orders_expire_overdue() == 1

        assert place(collect_body()).status_code == 201

    def test_a_ready_order_still_counts(self):
        orders = [placed(collect_body()) for _ in range(LIMIT)]
        order_mark_ready(order=orders[0], channel="pos")

        assert_refused(place(collect_body()), "email")

    def test_the_limit_is_a_setting(self, settings):
        settings.MAX_UNPAID_COLLECT_ORDERS = 1
        placed(collect_body())

        error = assert_error(place(collect_body()), 409, "too_many_unpaid_orders")

        assert {"limit": 1, "open": 1, "per": "email"} in error["details"]


@pytest.mark.usefixtures("shelf")
class TestPerShopper:
    def test_one_browser_session_with_other_emails_each_time(self):
        client = APIClient()
        for n in range(LIMIT):
            placed(collect_body(email=f"alias{n}@example.com"), client)

        assert_refused(place(collect_body(email="fresh@example.com"), client), "session")
        assert place(collect_body(email="fresh@example.com")).status_code == 201  # elsewhere

    def test_one_signed_in_customer_with_other_emails_each_time(self, shopper):
        client = APIClient()
        client.force_login(shopper)
        for n in range(LIMIT):
            placed(collect_body(email=f"alias{n}@example.com"), client)

        assert_refused(place(collect_body(email="fresh@example.com"), client), "customer")

    def test_the_checkout_page_counts_the_session_too(self, store):
        client = Client()
        for n in range(LIMIT + 1):
            client.post("/cart/add/", {"sku": "TEE-M", "quantity": "1"})
            response = client.post(
                "/checkout/",
                {
                    "idempotency_key": str(uuid.uuid4()),
                    "email": f"alias{n}@example.com",
                    "fulfilment": "collect",
                    "store": store.code,
                    "payment_method": "pay_at_pickup",
                },
            )
            if n < LIMIT:
                assert response.status_code == 302, response.content

        assert response.status_code == 200
        assert "waiting to be paid at pickup" in response.content.decode()
        assert Order.objects.count() == LIMIT


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_checkouts_at_once_cannot_both_take_the_last_place():
    store = factories.LocationFactory(code="cap", name="Cap Store", click_and_collect=True)
    receive(store, factories.VariantFactory(sku="TEE-M"), 20)
    body = collect_body("cap")
    for _ in range(LIMIT - 1):
        placed(body)
    racers = [filled_client() for _ in range(4)]

    def racer(client):
        return lambda: checkout(client, body).status_code

    outcomes = run_at_once([racer(client) for client in racers])

    assert Counter(outcomes) == {("ok", 201): 1, ("ok", 409): 3}, outcomes
    assert Order.objects.filter(status=Order.Status.PLACED).count() == LIMIT
