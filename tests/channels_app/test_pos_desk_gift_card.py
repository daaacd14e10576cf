"""The pickup desk: a gift card pays part or all of what a pay-at-pickup order owes, cash or
card the rest, through the same tender services as the API."""

from decimal import Decimal

import pytest

from carts.checkout import CheckoutDetails, checkout_place
from carts.services import cart_anonymous_new, cart_line_add
from shop.orders.models import Order
from shop.payments.stored_value import gift_card_by_code, gift_card_issue
from tests import factories
from tests.channels_app.support import clerk_at_open_till, page_text, receive


@pytest.fixture
def desk(client, clerk, store):
    return clerk_at_open_till(client, clerk, store)


@pytest.fixture
def order(store) -> Order:
    variant = factories.VariantFactory(sku="LAMP-40", price=Decimal("40.00"))
    receive(store, variant, 3)
    cart = cart_anonymous_new()
    cart_line_add(cart=cart, sku=variant.sku, quantity=1, channel="web")
    return checkout_place(
        cart=cart,
        details=CheckoutDetails(
            email="ann@example.com",
            fulfilment=Order.Fulfilment.COLLECT,
            payment_method="pay_at_pickup",
            store=store,
        ),
    )


def card(amount: str) -> str:
    return gift_card_issue(amount=Decimal(amount), channel="api").code


def collect(desk, store, order, **fields):
    url = f"/pos/pickups/{order.number}/collected/"
    return desk.post(url, {"store": store.code, **fields}, follow=True)


def paid(order) -> list:
    return sorted(order.payments.values_list("method", "status", "amount"))


def test_the_pay_at_pickup_page_has_a_gift_card_field(desk, order):
    page = page_text(desk.get(f"/pos/pickups/{order.number}/"))

    assert 'name="gift_card_code"' in page
    assert 'name="gift_card_amount"' in page


def test_gift_card_and_cash(desk, store, order):
    code = card("25.00")

    collect(desk, store, order, payment_method="cash", gift_card_code=code, gift_card_amount="25")

    order.refresh_from_db()
    assert order.status == Order.Status.COLLECTED
    assert paid(order) == [
        ("cash", "captured", Decimal("15.00")),
        ("gift_card", "captured", Decimal("25.00")),
    ]
    assert gift_card_by_code(code).balance == Decimal("0.00")


def test_gift_card_and_card(desk, store, order):
    code = card("50.00")

    collect(
        desk,
        store,
        order,
        payment_method="card",
        terminal_reference="TERM-7",
        gift_card_code=code,
        gift_card_amount="10.00",
    )

    order.refresh_from_db()
    assert paid(order) == [
        ("card", "captured", Decimal("30.00")),
        ("gift_card", "captured", Decimal("10.00")),
    ]
    assert order.payments.get(method="card").reference == "TERM-7"
    assert gift_card_by_code(code).balance == Decimal("40.00")


def test_a_gift_card_paying_it_all(desk, store, order):
    code = card("50.00")

    collect(desk, store, order, gift_card_code=code, gift_card_amount="40.00")

    order.refresh_from_db()
    assert paid(order) == [("gift_card", "captured", Decimal("40.00"))]
    assert gift_card_by_code(code).balance == Decimal("10.00")


def test_too_little_on_the_card_collects_nothing(desk, store, order):
    code = card("5.00")

    response = collect(desk, store, order, gift_card_code=code, gift_card_amount="20.00")

    order.refresh_from_db()
    assert order.status == Order.Status.PLACED
    assert paid(order) == [("pay_at_pickup", "pending", Decimal("40.00"))]
    assert gift_card_by_code(code).balance == Decimal("5.00")
    assert "5.00" in page_text(response)


def test_a_code_without_an_amount_is_refused(desk, store, order):
    response = collect(desk, store, order, gift_card_code=card("50.00"))

    order.refresh_from_db()
    assert order.status == Order.Status.PLACED
    assert "Enter both the gift card's code and the amount." in page_text(response)


def test_the_card_paying_the_rest_needs_its_reference(desk, store, order):
    code = card("50.00")

    response = collect(
        desk, store, order, payment_method="card", gift_card_code=code, gift_card_amount="10.00"
    )

    order.refresh_from_db()
    assert order.status == Order.Status.PLACED
    assert "terminal" in page_text(response)
    assert gift_card_by_code(code).balance == Decimal("50.00")
