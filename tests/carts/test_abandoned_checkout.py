"""Checkouts that never come back from the payment gateway (the process died mid-payment) are
failed by a periodic sweeper: hold released, promotion uses given back, cart freed."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from carts.checkout import CheckoutDetails, checkout_place, checkouts_fail_abandoned
from carts.models import Cart, Promotion
from carts.services import cart_anonymous_new, cart_line_add
from carts.tasks import fail_abandoned_checkouts
from inventory import services as stock
from inventory.errors import InsufficientStock
from inventory.models import Reservation
from shop.orders.models import Order
from shop.outbox.models import OutboxMessage
from shop.payments import gateways
from shop.payments.gateways import ChargeResult, TestCardGateway
from shop.payments.models import Payment

pytestmark = pytest.mark.django_db


class DyingGateway(TestCardGateway):
    """Stands for a process killed while the card network answers."""

    def charge(self, **kwargs):
        raise ConnectionError("the process died during the payment")


@pytest.fixture
def promo(db):
    """With a usage limit, so its uses are counted (and must be given back)."""
    return Promotion.objects.create(
        name="Winter", kind="percentage", value=Decimal("10"), usage_limit=100
    )


@pytest.fixture
def cart(store, variant, promo):
    stock.stock_receive(location=store, lines=[stock.StockLine(variant, 3)])
    cart = cart_anonymous_new()
    cart_line_add(cart=cart, sku=variant.sku, quantity=2, channel="web")
    return cart


def card_details(store) -> CheckoutDetails:
    return CheckoutDetails(
        email="ann@example.com",
        fulfilment="collect",
        payment_method="card",
        card_token="tok_visa",
        store=store,
    )


def abandon(monkeypatch, cart, store) -> Order:
    monkeypatch.setattr(gateways, "gateway", DyingGateway)
    with pytest.raises(ConnectionError):
        checkout_place(cart=cart, details=card_details(store))
    order = Order.objects.get()
    assert order.status == Order.Status.PENDING_PAYMENT
    return order


def age(order: Order, minutes: int) -> None:
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(minutes=minutes))


def test_an_abandoned_checkout_is_failed_once(monkeypatch, cart, store, promo):
    order = abandon(monkeypatch, cart, store)
    assert Promotion.objects.get(pk=promo.pk).times_used == 1
    assert Cart.objects.get(pk=cart.pk).pending_order_id == order.pk

    age(order, 10)
    assert checkouts_fail_abandoned() == 0  # still within twice the payment window

    age(order, 31)
    assert fail_abandoned_checkouts.delay().get() == 1
    assert checkouts_fail_abandoned() == 0

    order.refresh_from_db()
    assert order.status == Order.Status.PAYMENT_FAILED
    assert Reservation.objects.get().state == Reservation.State.RELEASED
    assert Promotion.objects.get(pk=promo.pk).times_used == 0
    cart = Cart.objects.get(pk=cart.pk)
    assert cart.pending_order_id is None
    assert cart.lines.count() == 1  # the shopper's cart is still there to check out again
    # Whether the dying process's card was charged is unknown: the charge is voided.
    attempt = Payment.objects.get(order=order)
    assert attempt.status == Payment.Status.DECLINED
    void = OutboxMessage.objects.get(key=f"payment:{attempt.pk}:void")
    assert void.payload == {"idempotency_key": str(attempt.gateway_key)}


def test_a_payment_completing_after_the_sweeper_is_refunded(
    monkeypatch, cart, store, promo, django_capture_on_commit_callbacks
):
    refunds = []

    class LateGateway(TestCardGateway):
        def charge(self, **kwargs):
            age(Order.objects.get(), 31)
            checkouts_fail_abandoned()  # the sweeper runs while the bank thinks
            return super().charge(**kwargs)

        def refund(self, **kwargs):
            refunds.append(kwargs["amount"])
            return ChargeResult(True, reference="test_re_late")

    monkeypatch.setattr(gateways, "gateway", LateGateway)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(InsufficientStock):
        checkout_place(cart=cart, details=card_details(store))

    order = Order.objects.get()
    assert order.status == Order.Status.PAYMENT_FAILED
    assert refunds == [order.total]
    assert not Reservation.objects.filter(state=Reservation.State.ACTIVE).exists()
    assert Promotion.objects.get(pk=promo.pk).times_used == 0  # given back once, not twice
