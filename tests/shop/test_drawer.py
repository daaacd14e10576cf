"""The cash drawer: opened with a float, cash sales and cash refunds booked against it,
closed with a count."""

from decimal import Decimal

import pytest

from channels_app.api.errors import status_for
from shop.errors import InvalidInput
from shop.orders.returns import ReturnRequest, return_create
from shop.payments.drawer import (
    DrawerConflict,
    drawer_close,
    drawer_expected_cash,
    drawer_open,
    drawer_open_session,
)
from shop.payments.models import CashDrawerSession, Payment
from tests import factories
from tests.channels_app.support import receive
from tests.shop.order_support import till_sale


@pytest.fixture
def mug(db):
    return factories.VariantFactory(sku="MUG-1", price=Decimal("10.00"))


@pytest.fixture
def shelves(store, other_store, variant, mug):
    for location in (store, other_store):
        receive(location, variant, 20)
        receive(location, mug, 20)


def cash_refund(order, store, clerk, sku: str, quantity: int):
    return return_create(
        order=order,
        store=store,
        lines=[ReturnRequest(sku, quantity)],
        restock=True,
        refund_method="cash",
        channel="pos",
        user=clerk,
    )


class TestOpen:
    def test_open_with_a_float(self, store, clerk):
        session = drawer_open(store=store, user=clerk, opening_float=Decimal("150.00"))

        assert session.opening_float == Decimal("150.00")
        assert (session.store, session.opened_by, session.closed_at) == (store, clerk, None)
        assert drawer_open_session(store=store) == session
        assert drawer_expected_cash(session) == Decimal("150.00")

    def test_opening_twice_is_a_409_drawer_state(self, store, clerk):
        first = drawer_open(store=store, user=clerk, opening_float=Decimal("100.00"))

        with pytest.raises(DrawerConflict) as raised:
            drawer_open(store=store, user=clerk, opening_float=Decimal("50.00"))

        assert raised.value.code == "drawer_state"
        assert status_for(raised.value) == 409
        assert list(CashDrawerSession.objects.all()) == [first]
        assert drawer_open_session(store=store).opening_float == Decimal("100.00")

    def test_each_store_has_its_own_drawer(self, store, other_store, clerk):
        here = drawer_open(store=store, user=clerk, opening_float=Decimal("100.00"))
        there = drawer_open(store=other_store, user=clerk, opening_float=Decimal("80.00"))

        assert drawer_open_session(store=store) == here
        assert drawer_open_session(store=other_store) == there

    def test_a_negative_float_is_refused(self, store, clerk):
        with pytest.raises(InvalidInput):
            drawer_open(store=store, user=clerk, opening_float=Decimal("-0.01"))
        assert not CashDrawerSession.objects.exists()


@pytest.mark.usefixtures("shelves")
class TestExpectedCash:
    def test_float_plus_cash_sales_minus_cash_refunds(
        self, store, other_store, clerk, variant, mug
    ):
        session = drawer_open(store=store, user=clerk, opening_float=Decimal("100.00"))
        first = till_sale(store, clerk, [(variant, 2)], method="cash", tendered="50.00")
        till_sale(store, clerk, [(mug, 3)], method="cash", tendered="30.00")
        till_sale(store, clerk, [(mug, 5)], method="card")  # not cash
        other_clerk = factories.clerk(store=other_store)
        drawer_open(store=other_store, user=other_clerk, opening_float=Decimal("50.00"))
        till_sale(other_store, other_clerk, [(mug, 1)], method="cash", tendered="10.00")
        cash_refund(first, store, clerk, "TEE-M", 1)

        expected = drawer_expected_cash(session)

        # 100.00 + 39.80 + 30.00 − 19.90
        assert expected == Decimal("149.90")
        booked = Payment.objects.filter(drawer_session=session)
        assert sorted((p.status, p.amount) for p in booked) == [
            ("captured", Decimal("30.00")),
            ("captured", Decimal("39.80")),
            ("refunded", Decimal("19.90")),
        ]

    def test_the_change_given_is_not_counted_twice(self, store, clerk, variant):
        session = drawer_open(store=store, user=clerk, opening_float=Decimal("20.00"))

        sale = till_sale(store, clerk, [(variant, 1)], method="cash", tendered="50.00")

        assert sale.change_due == Decimal("30.10")
        assert drawer_expected_cash(session) == Decimal("39.90")

    def test_a_cash_refund_at_another_store_counts_there(self, store, other_store, clerk, variant):
        here = drawer_open(store=store, user=clerk, opening_float=Decimal("100.00"))
        there = drawer_open(store=other_store, user=clerk, opening_float=Decimal("100.00"))
        sale = till_sale(store, clerk, [(variant, 1)], method="cash", tendered="20.00")

        cash_refund(sale, other_store, clerk, "TEE-M", 1)

        assert drawer_expected_cash(here) == Decimal("119.90")
        assert drawer_expected_cash(there) == Decimal("80.10")


@pytest.mark.usefixtures("shelves")
class TestClose:
    def test_close_records_expected_counted_and_difference(self, store, clerk, manager, mug):
        session = drawer_open(store=store, user=clerk, opening_float=Decimal("100.00"))
        till_sale(store, clerk, [(mug, 2)], method="cash", tendered="20.00")

        closed = drawer_close(session=session, user=manager, counted_cash=Decimal("118.50"))

        assert closed.expected_cash == Decimal("120.00")
        assert closed.counted_cash == Decimal("118.50")
        assert closed.difference == Decimal("-1.50")
        assert closed.closed_by == manager
        assert closed.closed_at is not None
        assert drawer_open_session(store=store) is None

    def test_a_surplus_is_a_positive_difference(self, store, clerk):
        session = drawer_open(store=store, user=clerk, opening_float=Decimal("50.00"))

        closed = drawer_close(session=session, user=clerk, counted_cash=Decimal("50.20"))

        assert closed.difference == Decimal("0.20")

    def test_closing_twice_is_a_409_drawer_state(self, store, clerk, mug):
        session = drawer_open(store=store, user=clerk, opening_float=Decimal("100.00"))
        drawer_close(session=session, user=clerk, counted_cash=Decimal("100.00"))

        with pytest.raises(DrawerConflict) as raised:
            drawer_close(session=session, user=clerk, counted_cash=Decimal("110.00"))

        assert raised.value.code == "drawer_state"
        assert status_for(raised.value) == 409
        session.refresh_from_db()
        assert (session.expected_cash, session.counted_cash, session.difference) == (
            Decimal("100.00"),
            Decimal("100.00"),
            Decimal("0.00"),
        )

    def test_after_closing_a_new_drawer_can_open(self, store, clerk, mug):
        old = drawer_open(store=store, user=clerk, opening_float=Decimal("100.00"))
        drawer_close(session=old, user=clerk, counted_cash=Decimal("100.00"))

        new = drawer_open(store=store, user=clerk, opening_float=Decimal("60.00"))
        till_sale(store, clerk, [(mug, 1)], method="cash", tendered="10.00")

        assert new.pk != old.pk
        assert drawer_expected_cash(new) == Decimal("70.00")
        old.refresh_from_db()
        assert old.expected_cash == Decimal("100.00")

    def test_negative_counted_cash_is_refused(self, store, clerk):
        session = drawer_open(store=store, user=clerk, opening_float=Decimal("10.00"))

        with pytest.raises(InvalidInput):
            drawer_close(session=session, user=clerk, counted_cash=Decimal("-1.00"))

        session.refresh_from_db()
        assert session.closed_at is None


def test_cash_is_refused_while_the_till_is_closed(store, clerk, mug):
    with pytest.raises(DrawerConflict):
        till_sale(store, clerk, [(mug, 1)], method="cash", tendered="10.00")
    assert not Payment.objects.exists()


def test_cash_back_is_refused_while_the_till_is_closed(store, clerk, mug, shelves):
    sale = till_sale(store, clerk, [(mug, 1)], method="card")
    with pytest.raises(DrawerConflict):
        cash_refund(sale, store, clerk, mug.sku, 1)
    assert sale.lines.get().returned_quantity == 0
    assert not Payment.objects.filter(status="refunded").exists()
