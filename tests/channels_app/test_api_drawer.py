"""The cash drawer through the API: the open session, opening with a float, closing with a
count; cash belongs to the open session of its store, enforced by the services."""

import threading
from decimal import Decimal

import pytest
from django.db import connection, transaction

from shop.payments.drawer import drawer_close, drawer_open, drawer_open_session
from shop.payments.models import CashDrawerSession, Payment
from tests import factories
from tests.channels_app.support import assert_error, receive
from tests.conftest import auth
from tests.shop.order_support import till_sale


def url(code: str, action: str = "") -> str:
    return f"/api/stores/{code}/drawer/{action + '/' if action else ''}"


@pytest.fixture
def shelf(store, variant):
    receive(store, variant, 20)


class TestOpenAndRead:
    def test_none_open_is_404_drawer_closed(self, api, clerk):
        assert_error(auth(api, clerk).get(url("st1")), 404, "drawer_closed")

    def test_open_then_read_the_running_figures(self, api, clerk, store, variant, shelf):
        client = auth(api, clerk)
        opened = client.post(url("st1", "open"), {"float": "100.00"}, format="json")
        assert opened.status_code == 201, opened.content
        body = opened.json()
        assert body["store"] == "st1"
        assert body["opened_by"] == clerk.username
        assert (body["float"], body["cash_sales"], body["cash_refunds"]) == (
            "100.00",
            "0.00",
            "0.00",
        )
        assert body["expected_cash"] == "100.00"

        till_sale(store, clerk, [(variant, 2)], method="cash", tendered="50.00")  # 39.80
        till_sale(store, clerk, [(variant, 1)], method="card")  # not cash: not counted

        current = client.get(url("st1"))
        assert current.status_code == 200, current.content
        assert current.json()["id"] == body["id"]
        assert (current.json()["cash_sales"], current.json()["expected_cash"]) == (
            "39.80",
            "139.80",
        )

    def test_opening_twice_is_409_drawer_state(self, api, clerk):
        client = auth(api, clerk)
        assert client.post(url("st1", "open"), {"float": "10.00"}, format="json").status_code == 201
        again = client.post(url("st1", "open"), {"float": "10.00"}, format="json")
        assert_error(again, 409, "drawer_state")
        assert CashDrawerSession.objects.count() == 1

    @pytest.mark.parametrize("body", [{}, {"float": "-1.00"}, {"float": "abc"}, []])
    def test_bad_float_is_400(self, api, clerk, body):
        response = auth(api, clerk).post(url("st1", "open"), body, format="json")
        assert response.status_code == 400, response.content
        assert not CashDrawerSession.objects.exists()

    def test_a_repeated_open_with_its_key_replays(self, api, clerk):
        client = auth(api, clerk)
        first = client.post(
            url("st1", "open"), {"float": "20.00"}, format="json", headers={"Idempotency-Key": "o1"}
        )
        second = client.post(
            url("st1", "open"), {"float": "20.00"}, format="json", headers={"Idempotency-Key": "o1"}
        )
        assert (first.status_code, second.status_code) == (201, 201)
        assert first.json() == second.json()


class TestClose:
    def test_close_with_a_count(self, api, clerk, store, variant, shelf):
        client = auth(api, clerk)
        client.post(url("st1", "open"), {"float": "100.00"}, format="json")
        till_sale(store, clerk, [(variant, 1)], method="cash", tendered="20.00")  # 19.90

        response = client.post(url("st1", "close"), {"counted": "118.00"}, format="json")

        assert response.status_code == 200, response.content
        body = response.json()
        assert (body["expected_cash"], body["counted"], body["difference"]) == (
            "119.90",
            "118.00",
            "-1.90",
        )
        assert body["closed_at"]
        assert drawer_open_session(store=store) is None
        assert_error(client.get(url("st1")), 404, "drawer_closed")

    def test_closing_a_closed_till_is_404(self, api, clerk):
        response = auth(api, clerk).post(url("st1", "close"), {"counted": "0"}, format="json")
        assert_error(response, 404, "drawer_closed")


class TestAccess:
    def test_a_clerk_of_another_store_is_403(self, api, other_store, store):
        other_clerk = factories.clerk(store=other_store)
        client = auth(api, other_clerk)
        assert_error(client.get(url("st1")), 403, "permission_denied")
        response = client.post(url("st1", "open"), {"float": "10.00"}, format="json")
        assert_error(response, 403, "permission_denied")
        assert not CashDrawerSession.objects.exists()

    def test_a_manager_may_open_any_store(self, api, manager, store):
        response = auth(api, manager).post(url("st1", "open"), {"float": "5.00"}, format="json")
        assert response.status_code == 201, response.content

    def test_anonymous_401_and_shopper_403(self, api, store):
        assert_error(api.get(url("st1")), 401, "not_authenticated")
        shopper = factories.UserFactory()
        assert_error(auth(api, shopper).get(url("st1")), 403, "permission_denied")

    def test_unknown_store_is_404(self, api, manager):
        assert auth(api, manager).get(url("nowhere")).status_code == 404


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_closing_waits_for_a_cash_sale_committing_and_counts_it(store, variant, clerk):
    """A cash sale holds its till session's row until it commits; a close arriving meanwhile
    waits for it, so the sale is counted in the expected cash, never lost between the two."""
    receive(store, variant, 5)
    session = drawer_open(store=store, user=clerk, opening_float=Decimal("100.00"))
    sale_holds_the_till = threading.Event()
    let_the_sale_commit = threading.Event()
    closed: list = []

    def sell() -> None:
        try:
            with transaction.atomic():
                till_sale(store, clerk, [(variant, 1)], method="cash", tendered="19.90")
                sale_holds_the_till.set()
                let_the_sale_commit.wait(timeout=10)
        finally:
            connection.close()

    def close() -> None:
        try:
            closed.append(drawer_close(session=session, user=clerk, counted_cash=Decimal("119.90")))
        finally:
            connection.close()

    seller = threading.Thread(target=sell)
    seller.start()
    assert sale_holds_the_till.wait(timeout=10)
    closer = threading.Thread(target=close)
    closer.start()
    closer.join(timeout=0.5)
    assert closer.is_alive(), "the close went through while a cash sale was committing"
    let_the_sale_commit.set()
    seller.join(timeout=10)
    closer.join(timeout=10)

    [result] = closed
    assert result.expected_cash == Decimal("119.90")
    assert result.difference == Decimal("0.00")
    assert Payment.objects.get(method="cash").drawer_session_id == session.pk


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_cash_sale_after_the_close_is_refused(store, variant, clerk):
    receive(store, variant, 5)
    session = drawer_open(store=store, user=clerk, opening_float=Decimal("0.00"))
    drawer_close(session=session, user=clerk, counted_cash=Decimal("0.00"))
    from shop.payments.errors import DrawerConflict

    with pytest.raises(DrawerConflict):
        till_sale(store, clerk, [(variant, 1)], method="cash", tendered="20.00")
    assert not Payment.objects.exists()
