"""Delivering refunds and voids to the gateway, from the outbox.

A refund row is claimed by the outbox before the gateway is called, and the gateway gets the
row's idempotency key, so a redelivered or concurrent task never refunds twice. A refusal
keeps the refund (and the reference of its charge) as `refund_failed`, for a manager to retry.
A gateway failure raises, and the outbox tries again later with the same key.
"""

from shop.outbox.handlers import outbox_handler
from shop.payments import gateways
from shop.payments.models import Payment

Status = Payment.Status


def refund_send(*, payment_id: int) -> bool:
    """Sends one pending refund; True if the gateway gave the money back now."""
    refund = Payment.objects.select_related("refund_of").get(pk=payment_id)
    if refund.status != Status.PENDING:
        return False
    result = gateways.gateway().refund(
        amount=refund.amount,
        currency=refund.currency,
        reference=refund.refund_of.reference,
        idempotency_key=str(refund.gateway_key),
    )
    if not result.approved:
        Payment.objects.filter(pk=refund.pk, status=Status.PENDING).update(
            status=Status.REFUND_FAILED, gateway_message=result.message[:200]
        )
        return False
    done = Payment.objects.filter(pk=refund.pk, status=Status.PENDING).update(
        status=Status.REFUNDED, reference=result.reference[:120]
    )
    return bool(done)


@outbox_handler("payments.refund")
def _deliver_refund(payload: dict) -> None:
    refund_send(payment_id=payload["id"])


@outbox_handler("payments.void")
def _deliver_void(payload: dict) -> None:
    gateways.gateway().void(idempotency_key=payload["idempotency_key"])
