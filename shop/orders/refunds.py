"""Money back through the online gateway that took it.

The refund is recorded as pending inside the caller's transaction and sent to the gateway by
a task after commit, so no stock or order lock is held while the gateway answers. A refund
the gateway refuses stays pending, with the gateway's reason, for a manager to follow up.
"""

from decimal import Decimal

from django.db import transaction

from shop.orders.models import Payment


def refund_online(
    original: Payment, *, amount: Decimal, channel: str, store=None, return_record=None
) -> Payment:
    """Records a pending refund of `amount` of an online card payment and sends it on commit."""
    from shop.orders.tasks import send_refund

    refund = Payment.objects.create(
        order=original.order,
        method=original.method,
        status=Payment.Status.PENDING,
        amount=amount,
        currency=original.currency,
        reference=original.reference,
        channel=channel,
        store=store or original.order.store,
        return_record=return_record,
    )
    transaction.on_commit(lambda: send_refund.delay(refund.pk))
    return refund


def refund_send(*, payment_id: int) -> bool:
    """Sends one pending refund to the gateway. Safe to run twice: a refund already done is
    not sent again."""
    from carts.payments import gateway

    payment = Payment.objects.get(pk=payment_id)
    if payment.status != Payment.Status.PENDING:
        return False
    result = gateway().refund(
        amount=payment.amount, currency=payment.currency, reference=payment.reference
    )
    if not result.approved:
        Payment.objects.filter(pk=payment.pk).update(reference=f"refused: {result.message}"[:120])
        return False
    done = Payment.objects.filter(pk=payment.pk, status=Payment.Status.PENDING).update(
        status=Payment.Status.REFUNDED, reference=result.reference
    )
    return bool(done)
