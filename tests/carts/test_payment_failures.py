"""Card payments when the gateway fails, and refunds that must happen once: a gateway that
does not answer is a clear 502 with nothing held or charged twice; refunds are claimed and
sent with the gateway's idempotency key; a refused refund can be asked again."""

from decimal import Decimal

import pytest

from carts.models import Cart
from inventory.models import Reservation
from shop.orders.models import Order
from shop.outbox.delivery import outbox_deliver
from shop.outbox.models import OutboxMessage
from shop.payments import gateways
from shop.payments.gateways import ChargeResult, TestCardGateway
from shop.payments.models import Payment
from shop.payments.refunds import refund_send
from shop.payments.services import refund_request, refund_retry
from tests.carts.support import add_line, checkout, collect_body
from tests.channels_app.support import assert_error, stock_row

pytestmark = pytest.mark.django_db


class CountingGateway(TestCardGateway):
    """The test gateway, counting what reaches the card network."""

    refunds: list[str] = []
    refuse_refunds = False

    def refund(self, *, amount, currency, reference, idempotency_key):
        if self.refuse_refunds:
            return ChargeResult(False, message="The charge is too old to refund.")
        result = super().refund(
            amount=amount, currency=currency, reference=reference, idempotency_key=idempotency_key
        )
        if result.reference not in self.refunds:
            self.refunds.append(result.reference)
        return result


@pytest.fixture
def counting_gateway(monkeypatch):
    CountingGateway.refunds = []
    CountingGateway.refuse_refunds = False
    monkeypatch.setattr(gateways, "gateway", CountingGateway)
    return CountingGateway


def test_a_gateway_that_does_not_answer_is_a_502_with_the_hold_released(
    api, store, tee_at_store, django_capture_on_commit_callbacks
):
    add_line(api, "TEE-M", 2)
    with django_capture_on_commit_callbacks(execute=True):
        response = checkout(api, collect_body(method="card", token="tok_gateway_error"))

    assert_error(response, 502, "payment_gateway_error")
    order = Order.objects.get()
    assert order.status == Order.Status.PAYMENT_FAILED
    assert stock_row(store, tee_at_store) == (5, 0)
    assert Reservation.objects.get().state == Reservation.State.RELEASED
    assert Cart.objects.get().lines.count() == 1  # the cart is kept to try again
    attempt = Payment.objects.get()
    assert attempt.status == Payment.Status.DECLINED
    # Whether the card was charged is unknown: the charge is voided at the gateway.
    void = OutboxMessage.objects.get(key=f"payment:{attempt.pk}:void")
    assert void.status == "done"

    retry = checkout(api, collect_body(method="card", token="tok_visa"))
    assert retry.status_code == 201, retry.content
    assert Payment.objects.filter(status=Payment.Status.CAPTURED).count() == 1


def test_a_refund_is_sent_once_however_often_it_is_delivered(
    api, store, tee_at_store, counting_gateway, django_capture_on_commit_callbacks
):
    add_line(api, "TEE-M", 1)
    assert checkout(api, collect_body(method="card", token="tok_visa")).status_code == 201
    charge = Payment.objects.get(status=Payment.Status.CAPTURED)

    with django_capture_on_commit_callbacks(execute=True):
        refund = refund_request(charge=charge, amount=Decimal("5.00"), channel="pos")

    refund.refresh_from_db()
    assert (refund.status, refund.refund_of) == (Payment.Status.REFUNDED, charge)
    assert refund.reference.startswith("test_re_")
    # A redelivered message, the task run by hand: nothing more reaches the gateway.
    assert outbox_deliver(key=f"payment:{refund.pk}:refund") is False
    assert refund_send(payment_id=refund.pk) is False
    assert len(counting_gateway.refunds) == 1


def test_a_refund_interrupted_after_the_gateway_answered_is_not_refunded_twice(
    api, store, tee_at_store, counting_gateway
):
    """The worker died after the gateway refunded but before the row was marked: sent again,
    the same idempotency key gets the same refund back, not a second one."""
    add_line(api, "TEE-M", 1)
    checkout(api, collect_body(method="card", token="tok_visa"))
    charge = Payment.objects.get(status=Payment.Status.CAPTURED)
    refund = refund_request(charge=charge, amount=charge.amount, channel="web")
    counting_gateway().refund(
        amount=refund.amount,
        currency=refund.currency,
        reference=charge.reference,
        idempotency_key=str(refund.gateway_key),
    )

    assert refund_send(payment_id=refund.pk) is True
    assert len(counting_gateway.refunds) == 1


def test_a_refused_refund_keeps_the_charge_and_can_be_retried(
    api, store, tee_at_store, counting_gateway
):
    add_line(api, "TEE-M", 1)
    checkout(api, collect_body(method="card", token="tok_visa"))
    charge = Payment.objects.get(status=Payment.Status.CAPTURED)
    refund = refund_request(charge=charge, amount=charge.amount, channel="web")
    counting_gateway.refuse_refunds = True

    assert refund_send(payment_id=refund.pk) is False
    refund.refresh_from_db()
    assert refund.status == Payment.Status.REFUND_FAILED
    assert refund.gateway_message == "The charge is too old to refund."
    assert refund.refund_of.reference == charge.reference

    counting_gateway.refuse_refunds = False
    again = refund_retry(refund=refund)
    assert refund_send(payment_id=again.pk) is True
    again.refresh_from_db()
    assert (again.status, again.amount, again.refund_of) == (
        Payment.Status.REFUNDED,
        charge.amount,
        charge,
    )
