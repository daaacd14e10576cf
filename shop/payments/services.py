"""Payments: the only code that creates `Payment` rows.

Orders and checkout call these functions inside their own transactions: money taken at the
till or the desk, a card charge around the gateway call, and refunds (`refund_request`),
which are sent to the gateway by the outbox after commit.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext

from shop.errors import InvalidInput
from shop.outbox.services import outbox_enqueue
from shop.payments import gateways
from shop.payments.drawer import drawer_take_cash
from shop.payments.errors import PaymentGatewayError
from shop.payments.events import refund_event_record
from shop.payments.gateways import ChargeResult
from shop.payments.models import Payment
from shop.payments.stored_value import gift_cards_void_for_order
from shop.payments.tenders import (
    STORED_VALUE_METHODS,
    Tender,
    TenderPlan,
    order_paid_with_stored_value,
    order_tenders_take,
    store_credit_refund,
    stored_value_refund,
    tenders_redeem,
    tenders_refundable,
    tenders_reverse,
    tenders_split,
)

if TYPE_CHECKING:
    from inventory.models import Location
    from shop.orders.models import Order, Return

Method = Payment.Method
Status = Payment.Status
#: The channel whose card payments went through the online gateway (others: a terminal).
ONLINE_CHANNEL = "web"


def payment_record(
    *,
    order: "Order",
    method: str,
    amount: Decimal,
    channel: str,
    store: "Location | None" = None,
    status: str = Status.CAPTURED,
    reference: str = "",
    tendered: Decimal | None = None,
    change_due: Decimal | None = None,
) -> Payment:
    """Money taken for `order` (or due at pickup, `status=PENDING`). Cash goes into the open
    till of `store`: `DrawerConflict` when it is closed."""
    cash = method == Method.CASH and status == Status.CAPTURED
    return Payment.objects.create(
        order=order,
        method=method,
        status=status,
        amount=amount,
        currency=order.currency,
        reference=reference[:120],
        tendered=tendered if cash else None,
        change_due=change_due if cash else None,
        channel=channel,
        store=store,
        drawer_session=drawer_take_cash(store=store) if cash else None,
    )


def payment_take_tenders(
    *,
    order: "Order",
    tenders: Sequence[Tender],
    customer,
    rest_methods: Sequence[str],
    store: "Location | None" = None,
    user=None,
) -> TenderPlan:
    """A sale paid at once with these tenders (the till): gift cards and store credit are
    redeemed and the rest (cash into the open till, or a card on the terminal) is recorded.
    The plan tells the change due."""
    plan = order_tenders_take(
        order=order,
        tenders=tenders,
        customer=customer,
        rest_methods=rest_methods,
        store=store,
        user=user,
    )
    if plan.rest is not None:
        payment_record(
            order=order,
            method=plan.rest.method,
            amount=plan.rest_amount,
            reference=plan.rest.terminal_reference,
            tendered=plan.tendered,
            change_due=plan.change_due,
            channel=order.channel,
            store=store,
        )
    return plan


def payment_settle_at_pickup(
    *,
    order: "Order",
    method: str,
    channel: str,
    terminal_reference: str = "",
    tenders: Sequence[Tender] = (),
) -> int:
    """The pay-at-pickup payment of a collect order is taken at the desk, in cash (into the
    store's open till) or on the card terminal; or with `tenders` (gift cards, store credit
    and cash or card for the rest). Returns how many payments were settled (0 when nothing
    was owed)."""
    if tenders:
        return _settle_at_pickup_with_tenders(order=order, channel=channel, tenders=tenders)
    if method not in (Method.CASH, Method.CARD):
        raise InvalidInput(gettext("Payment at the desk is cash or card."))
    owed = order.payments.filter(method=Method.PAY_AT_PICKUP, status=Status.PENDING)
    if not owed.exists():
        return 0
    if method == Method.CARD and not terminal_reference.strip():
        raise InvalidInput(gettext("Enter the card terminal's reference."))
    drawer = drawer_take_cash(store=order.store) if method == Method.CASH else None
    return owed.update(
        method=method,
        status=Status.CAPTURED,
        reference=terminal_reference.strip()[:120] or "paid at the pickup desk",
        channel=channel,
        store=order.store,
        drawer_session=drawer,
    )


def _settle_at_pickup_with_tenders(
    *, order: "Order", channel: str, tenders: Sequence[Tender]
) -> int:
    owed = list(order.payments.filter(method=Method.PAY_AT_PICKUP, status=Status.PENDING))
    if not owed:
        return 0
    due = sum((payment.amount for payment in owed), Decimal("0.00"))
    plan = tenders_split(
        tenders,
        total=due,
        customer=order.customer if order.customer_id else None,
        rest_methods=(Method.CASH, Method.CARD),
    )
    tenders_redeem(plan, order=order, channel=channel, store=order.store)
    # What was owed is now paid by the tenders: the promise to pay at pickup is replaced.
    Payment.objects.filter(pk__in=[payment.pk for payment in owed]).delete()
    if plan.rest is not None:
        payment_record(
            order=order,
            method=plan.rest.method,
            amount=plan.rest_amount,
            reference=plan.rest.terminal_reference or "paid at the pickup desk",
            tendered=plan.tendered,
            change_due=plan.change_due,
            channel=channel,
            store=order.store,
        )
    return len(owed)


# --- Card charges through the online gateway ---------------------------------------------------


def charge_attempt_create(*, order: "Order", amount: Decimal | None = None) -> Payment:
    """Written in the checkout's first transaction, before the gateway is asked: a charge
    that was made but never recorded (the process died) is found by the sweeper and voided.
    `amount`: what the card pays when gift cards or store credit paid part (else the total)."""
    return Payment.objects.create(
        order=order,
        method=Method.CARD,
        status=Status.PENDING,
        amount=order.total if amount is None else amount,
        currency=order.currency,
        channel=order.channel,
        store=order.store,
    )


def charge_attempt_send(*, attempt: Payment, token: str) -> ChargeResult:
    """Asks the gateway for the money (no transaction may be open: no lock is held while it
    thinks) and records its answer on the attempt at once. A gateway failure marks the
    attempt declined, has it voided by the outbox (in case the card was charged after all)
    and raises `PaymentGatewayError`."""
    try:
        result = gateways.gateway().charge(
            amount=attempt.amount,
            currency=attempt.currency,
            token=token,
            order_number=attempt.order.number,
            idempotency_key=str(attempt.gateway_key),
        )
    except PaymentGatewayError as exc:
        with transaction.atomic():
            charge_attempt_void(attempt=attempt, message=exc.message)
        raise
    if result.approved:
        recorded = Payment.objects.filter(pk=attempt.pk, status=Status.PENDING).update(
            status=Status.CAPTURED, reference=result.reference[:120]
        )
        attempt.status, attempt.reference = Status.CAPTURED, result.reference
        if not recorded:
            # The sweeper gave the checkout up while the gateway answered: the money was taken
            # all the same, so it is recorded and given back.
            with transaction.atomic():
                Payment.objects.filter(pk=attempt.pk).update(
                    status=Status.CAPTURED, reference=result.reference[:120]
                )
                refund_request(charge=attempt, amount=attempt.amount, channel=attempt.channel)
    else:
        Payment.objects.filter(pk=attempt.pk, status=Status.PENDING).update(
            status=Status.DECLINED, gateway_message=result.message[:200]
        )
        attempt.status = Status.DECLINED
    return result


def charge_attempt_void(*, attempt: Payment, message: str) -> None:
    """A charge whose outcome is unknown is cancelled at the gateway (after commit, through
    the outbox) and counts as declined here."""
    Payment.objects.filter(pk=attempt.pk, status=Status.PENDING).update(
        status=Status.DECLINED, gateway_message=message[:200]
    )
    outbox_enqueue(
        topic="payments.void",
        key=f"payment:{attempt.pk}:void",
        payload={"idempotency_key": str(attempt.gateway_key)},
    )


def charges_settle_unplaced(*, order: "Order") -> None:
    """An order that will never be placed gives back what its checkout charged: captured
    charges are refunded, charges whose answer never came back are voided, and gift cards and
    store credit get back what they gave."""
    tenders_reverse(order=order, channel=order.channel)
    for attempt in order.payments.filter(method=Method.CARD, channel=ONLINE_CHANNEL):
        if attempt.status == Status.CAPTURED:
            refund_request(charge=attempt, amount=attempt.amount, channel=attempt.channel)
        elif attempt.status == Status.PENDING:
            charge_attempt_void(attempt=attempt, message="The checkout never completed.")


# --- Refunds ---------------------------------------------------------------------------------


def refund_request(
    *,
    charge: Payment,
    amount: Decimal,
    channel: str,
    store: "Location | None" = None,
    return_record: "Return | None" = None,
) -> Payment:
    """Records a refund of `amount` of an online card charge, pending; the outbox sends it to
    the gateway once this transaction commits (`shop.payments.refunds`)."""
    refund = _refund_pending(
        charge=charge, amount=amount, channel=channel, store=store, return_record=return_record
    )
    refund_event_record(refund)
    return refund


def _refund_pending(
    *,
    charge: Payment,
    amount: Decimal,
    channel: str,
    store: "Location | None",
    return_record: "Return | None",
) -> Payment:
    refund = Payment.objects.create(
        order=charge.order,
        method=charge.method,
        status=Status.PENDING,
        amount=amount,
        currency=charge.currency,
        refund_of=charge,
        channel=channel,
        store=store or charge.store,
        return_record=return_record,
    )
    outbox_enqueue(
        topic="payments.refund", key=f"payment:{refund.pk}:refund", payload={"id": refund.pk}
    )
    return refund


def refund_for_return(
    *,
    order: "Order",
    amount: Decimal,
    refund_method: str,
    channel: str,
    store: "Location",
    return_record: "Return",
) -> Payment | None:
    """The money of a return: by the original method (an online card through the gateway, a
    terminal card on the terminal, cash from the till, a gift card back to that card; split
    across the tenders that paid), in cash, or to the customer's store credit. None when
    there is nothing to give back to stored value (a returned gift card that was spent)."""
    if refund_method == "store_credit":
        return store_credit_refund(
            order=order, amount=amount, channel=channel, store=store, return_record=return_record
        )
    if refund_method == "original" and order_paid_with_stored_value(order):
        return _refund_to_tenders(
            order=order, amount=amount, channel=channel, store=store, return_record=return_record
        )
    original = order.payments.filter(status=Status.CAPTURED).first()
    method = original.method if original and refund_method == "original" else Method.CASH
    if method == Method.PAY_AT_PICKUP:
        method = Method.CASH  # paid at the desk, in cash or on the desk terminal
    if method == Method.CARD and original.channel == ONLINE_CHANNEL:
        return refund_request(
            charge=original,
            amount=amount,
            channel=channel,
            store=store,
            return_record=return_record,
        )
    cash = method == Method.CASH
    return _refund_in_store(
        order=order,
        method=method,
        amount=amount,
        refund_of=None if cash else original,
        channel=channel,
        store=store,
        return_record=return_record,
    )


def _refund_in_store(
    *,
    order: "Order",
    method: str,
    amount: Decimal,
    refund_of: Payment | None,
    channel: str,
    store: "Location",
    return_record: "Return | None",
) -> Payment:
    """Money given back at the counter: cash from the store's open till, or a card refund on
    the store's terminal."""
    cash = method == Method.CASH
    refund = Payment.objects.create(
        order=order,
        method=method,
        status=Status.REFUNDED,
        amount=amount,
        currency=order.currency,
        refund_of=refund_of,
        channel=channel,
        store=store,
        return_record=return_record,
        drawer_session=drawer_take_cash(store=store) if cash else None,
    )
    refund_event_record(refund)
    return refund


def _refund_to_tenders(
    *,
    order: "Order",
    amount: Decimal,
    channel: str,
    store: "Location",
    return_record: "Return",
) -> Payment | None:
    """A return of an order paid with several tenders: each gets back at most what it paid
    (less what it got back before), money tenders first. Returns the first refund.

    Shares are decided in that order, but written gift cards and store credit first (by
    account), then the till's drawer: the lock order of `inventory/locks.py`."""
    shares, left = [], amount
    for tender, refundable in tenders_refundable(order=order):
        share = min(left, refundable)
        if share > 0:
            shares.append((tender, share))
            left -= share
        if not left:
            break
    if left > 0:  # more than the tenders paid (they cannot: returns are priced from the lines)
        raise InvalidInput(
            gettext("%(left)s more would be refunded than the order was paid.") % {"left": left}
        )
    shares.sort(key=lambda pair: (pair[0].stored_value_id is None, pair[0].stored_value_id or 0))
    refunds = [
        _refund_tender(tender, share, channel=channel, store=store, return_record=return_record)
        for tender, share in shares
    ]
    return refunds[0] if refunds else None


def _refund_tender(
    tender: Payment, share: Decimal, *, channel: str, store: "Location", return_record
) -> Payment:
    """`share` of one tender back to it: a gift card or credit, the online card through the
    gateway, else at the counter (cash from the till, the terminal card)."""
    if tender.method in STORED_VALUE_METHODS:
        return stored_value_refund(
            tender=tender, amount=share, channel=channel, store=store, return_record=return_record
        )
    if tender.method == Method.CARD and tender.channel == ONLINE_CHANNEL:
        return refund_request(
            charge=tender, amount=share, channel=channel, store=store, return_record=return_record
        )
    return _refund_in_store(
        order=tender.order,
        method=Method.CASH if tender.method == Method.PAY_AT_PICKUP else tender.method,
        amount=share,
        refund_of=tender,
        channel=channel,
        store=store,
        return_record=return_record,
    )


def refunds_for_cancelled(*, order: "Order", channel: str) -> list[Payment]:
    """Gives back what the online gateway took for an order that will not be handed over,
    less what was already given back of it (a line cancelled earlier), and what gift cards
    and store credit gave to the cards and credit they came from; gift cards the order bought
    lose what is left on them. Pay-at-pickup orders have nothing else to give back."""
    gift_cards_void_for_order(order=order, channel=channel)
    refunds = list(tenders_reverse(order=order, channel=channel))
    for charge in order.payments.filter(
        method=Method.CARD, status=Status.CAPTURED, channel=ONLINE_CHANNEL
    ):
        left = charge.amount - refunded_of(charge)
        if left > 0:
            refunds.append(refund_request(charge=charge, amount=left, channel=channel))
    return refunds


def refunded_of(charge: Payment) -> Decimal:
    """What has been (or is being) given back of a charge; refused refunds do not count."""
    return sum(
        (r.amount for r in charge.refunds.all() if r.status in (Status.PENDING, Status.REFUNDED)),
        Decimal("0.00"),
    )


@dataclass(frozen=True)
class RefundShare:
    """What one tender gave back (a payment due at pickup: how much it was lowered)."""

    method: str
    amount: Decimal
    #: Not given back here: the marketplace that took the money refunds it, or a card taken
    #: on a store's terminal is refunded there. It still reverses that tender's share.
    elsewhere: bool = False


def refund_for_cancelled_line(
    *, order: "Order", amount: Decimal, channel: str
) -> list[RefundShare]:
    """The money of order-line units cancelled before hand-over, tender by tender: a payment
    still due at pickup is lowered first (none of it was paid yet), then the tenders that
    paid give back at most what they took, money first: an online card through the gateway,
    gift cards and store credit to their accounts; a card charged by a marketplace or on a
    store's terminal is refunded there (`elsewhere`). Empty when nothing was paid or owed."""
    shares: list[RefundShare] = []
    left = amount
    due = order.payments.filter(method=Method.PAY_AT_PICKUP, status=Status.PENDING).first()
    if due is not None and due.amount > 0:
        lowered = min(left, due.amount)
        Payment.objects.filter(pk=due.pk).update(amount=due.amount - lowered)
        shares.append(RefundShare(Method.PAY_AT_PICKUP, lowered))
        left -= lowered
    for tender, refundable in tenders_refundable(order=order):
        share = min(left, refundable)
        if share <= 0:
            continue
        elsewhere = False
        if tender.method in STORED_VALUE_METHODS:
            stored_value_refund(
                tender=tender, amount=share, channel=channel, note="An item was unavailable."
            )
        elif tender.method == Method.CARD and tender.channel == ONLINE_CHANNEL:
            refund_request(charge=tender, amount=share, channel=channel)
        else:
            elsewhere = True
        shares.append(RefundShare(tender.method, share, elsewhere=elsewhere))
        left -= share
    return shares


def refund_retry(*, refund: Payment) -> Payment:
    """A refund the gateway refused is asked again as a new refund of the same charge (with
    its own idempotency key); the refused one stays as the record of the refusal. The
    customer's timeline already tells of this refund."""
    if refund.status != Status.REFUND_FAILED or refund.refund_of_id is None:
        raise InvalidInput(gettext("Only a refused refund can be retried."))
    # No journal entry: the return or the cancellation that decided this refund entered it
    # already (its tenders count the money once); a refusal and its retry are the gateway's
    # delivery of that same refund.
    return _refund_pending(
        charge=refund.refund_of,
        amount=refund.amount,
        channel=refund.channel,
        store=refund.store,
        return_record=refund.return_record,
    )
