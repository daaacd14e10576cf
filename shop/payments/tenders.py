"""Paying one order with several tenders: gift cards, store credit, and one tender for the rest
(a card, cash, or payment at pickup), on every channel.

Checkout, the till, the desk and the kiosk call the same two steps inside their own
transaction: `tenders_split` checks that the tenders cover the total exactly (each gift card
gives exactly what it is asked for, never more than it holds), then `tenders_redeem` takes the
stored value, in the order's transaction, and records one payment per tender. The caller
records the rest (`TenderPlan.rest_amount`) as it always has. When a later tender fails (the
card is declined after the gift card was taken), `tenders_reverse` gives the stored value back.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils.translation import gettext

from shop.errors import InvalidInput
from shop.payments.errors import InvalidTenders
from shop.payments.events import refund_event_record
from shop.payments.models import Payment, StoredValueAccount, StoredValueEntry
from shop.payments.stored_value import (
    gift_card_by_code,
    order_gift_card_lines,
    store_credit_account,
    stored_value_credit,
    stored_value_redeem,
)

if TYPE_CHECKING:
    from inventory.models import Location
    from shop.customers.models import Customer
    from shop.orders.models import Order

Method = Payment.Method
Status = Payment.Status
STORED_VALUE_METHODS = (Method.GIFT_CARD, Method.STORE_CREDIT)
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Tender:
    """One entry of a `payments` list."""

    method: str
    #: Gift cards and store credit: what to take. The rest tender: optional, and then it must
    #: be what is left to pay.
    amount: Decimal | None = None
    #: A gift card's code.
    code: str = ""
    #: Cash: what the customer handed over.
    tendered: Decimal | None = None
    card_token: str = ""
    terminal_reference: str = ""


@dataclass
class TenderPlan:
    #: The stored-value tenders with their accounts, in the order their rows are updated.
    stored: list[tuple[Tender, StoredValueAccount]] = field(default_factory=list)
    #: The tender paying what the stored value leaves, if anything is left.
    rest: Tender | None = None
    rest_amount: Decimal = ZERO
    #: Cash: what was handed over, and the change to give.
    tendered: Decimal | None = None
    change_due: Decimal | None = None

    @property
    def stored_total(self) -> Decimal:
        return sum((tender.amount for tender, _ in self.stored), ZERO)


def tenders_split(
    tenders: Sequence[Tender],
    *,
    total: Decimal,
    customer: "Customer | None",
    rest_methods: Sequence[str],
    buys_stored_value: bool = False,
) -> TenderPlan:
    """Checks the tenders against `total` and finds their accounts (no write). `rest_methods`:
    what the channel takes for the rest. Raises `InvalidTenders` (400) or `GiftCardNotFound`."""
    if not tenders:
        raise InvalidTenders(gettext("Say how the order is paid."), details=["payments"])
    plan = TenderPlan()
    seen: set[int] = set()
    for tender in tenders:
        if tender.method in STORED_VALUE_METHODS:
            if buys_stored_value:
                raise InvalidTenders(
                    gettext("A gift card cannot be paid for with a gift card or store credit."),
                    details=["payments"],
                )
            if tender.amount is None or tender.amount <= 0:
                raise InvalidTenders(
                    gettext("Give the amount to take from each gift card or the store credit."),
                    details=["payments"],
                )
            account = _account(tender, customer)
            if account.pk in seen:
                raise InvalidTenders(
                    gettext("The same gift card is given twice."), details=["payments"]
                )
            seen.add(account.pk)
            plan.stored.append((tender, account))
        elif tender.method in rest_methods:
            if plan.rest is not None:
                raise InvalidTenders(
                    gettext("Only one tender may pay the rest."), details=["payments"]
                )
            plan.rest = tender
        else:
            allowed = ", ".join([*STORED_VALUE_METHODS, *rest_methods])
            raise InvalidTenders(
                gettext("Payment by %(method)s is not taken here (%(allowed)s).")
                % {"method": f"{tender.method!r}", "allowed": allowed},
                details=["payments"],
            )
    if buys_stored_value and plan.rest is not None and plan.rest.method == Method.PAY_AT_PICKUP:
        raise InvalidTenders(
            gettext("A gift card is paid when it is bought, not at pickup."), details=["payments"]
        )
    plan.stored.sort(key=lambda pair: pair[1].pk)  # rows updated in key order: no deadlock
    plan.rest_amount = total - plan.stored_total
    _check_rest(plan, total)
    return plan


def _account(tender: Tender, customer: "Customer | None") -> StoredValueAccount:
    if tender.method == Method.GIFT_CARD:
        if not tender.code.strip():
            raise InvalidTenders(gettext("Enter the gift card's code."), details=["payments"])
        return gift_card_by_code(tender.code)
    if customer is None:
        raise InvalidTenders(gettext("Store credit needs a known customer."), details=["payments"])
    return store_credit_account(customer=customer)


def _check_rest(plan: TenderPlan, total: Decimal) -> None:
    rest, left = plan.rest, plan.rest_amount
    if left < 0:
        raise InvalidTenders(
            gettext(
                "Gift cards and store credit give %(stored_total)s, more than the total %(total)s."
            )
            % {"stored_total": plan.stored_total, "total": total},
            details=["payments"],
        )
    if rest is None:
        if left:
            raise InvalidTenders(
                gettext("%(left)s is left to pay: add a tender for it.") % {"left": left},
                details=["payments"],
            )
        return
    if not left and plan.stored:
        raise InvalidTenders(
            gettext("Nothing is left to pay by %(method)s: the total is covered.")
            % {"method": rest.method},
            details=["payments"],
        )
    if rest.amount is not None and rest.amount != left:
        raise InvalidTenders(
            gettext("The %(method)s tender of %(amount)s does not match the %(left)s left to pay.")
            % {"method": rest.method, "amount": rest.amount, "left": left},
            details=["payments"],
        )
    if rest.method == Method.CASH:
        tendered = rest.tendered if rest.tendered is not None else rest.amount
        if tendered is None:
            raise InvalidInput(gettext("Enter the cash tendered."), details=["tendered"])
        if tendered < left:
            raise InvalidInput(
                gettext("%(tendered)s tendered is less than the %(left)s left to pay.")
                % {"tendered": tendered, "left": left},
                details=["tendered"],
            )
        plan.tendered, plan.change_due = tendered, tendered - left


def tenders_redeem(
    plan: TenderPlan,
    *,
    order: "Order",
    channel: str,
    store: "Location | None" = None,
    user=None,
) -> list[Payment]:
    """Takes each gift card's and the store credit's share (in the caller's transaction, which
    also holds the order) and records a captured payment per tender. `StoredValueTooLow` when
    one holds less now: the caller's transaction then rolls all of it back."""
    payments = []
    for tender, account in plan.stored:
        stored_value_redeem(
            account=account,
            amount=tender.amount,
            channel=channel,
            store=store,
            order=order,
            user=user,
        )
        payments.append(
            Payment.objects.create(
                order=order,
                method=tender.method,
                status=Status.CAPTURED,
                amount=tender.amount,
                currency=order.currency,
                reference=f"…{account.last4}" if account.last4 else "store credit",
                stored_value=account,
                channel=channel,
                store=store,
            )
        )
    return payments


def stored_value_refund(
    *,
    tender: Payment,
    amount: Decimal,
    channel: str,
    store: "Location | None" = None,
    return_record=None,
    note: str = "",
) -> Payment:
    """Gives `amount` of a gift card or store credit tender back to that same account."""
    account = tender.stored_value
    stored_value_credit(
        account=account,
        amount=amount,
        channel=channel,
        kind=StoredValueEntry.Kind.REFUND,
        store=store,
        order=tender.order,
        note=note,
    )
    refund = Payment.objects.create(
        order=tender.order,
        method=tender.method,
        status=Status.REFUNDED,
        amount=amount,
        currency=tender.currency,
        reference=tender.reference,
        refund_of=tender,
        stored_value=account,
        channel=channel,
        store=store or tender.store,
        return_record=return_record,
    )
    refund_event_record(refund)
    return refund


def store_credit_refund(
    *,
    order: "Order",
    amount: Decimal,
    channel: str,
    store: "Location | None" = None,
    return_record=None,
) -> Payment | None:
    """A return refunded to the customer's store credit, whatever paid for it (None when the
    amount is nothing)."""
    if order.customer_id is None:
        raise InvalidInput(
            gettext("Store credit needs a known customer: this order has none."),
            details=["refund_method"],
        )
    if not amount:
        return None
    account = store_credit_account(customer=order.customer)
    stored_value_credit(
        account=account,
        amount=amount,
        channel=channel,
        kind=StoredValueEntry.Kind.REFUND,
        store=store,
        order=order,
    )
    refund = Payment.objects.create(
        order=order,
        method=Method.STORE_CREDIT,
        status=Status.REFUNDED,
        amount=amount,
        currency=order.currency,
        reference="store credit",
        stored_value=account,
        channel=channel,
        store=store,
        return_record=return_record,
    )
    refund_event_record(refund)
    return refund


def tenders_reverse(*, order: "Order", channel: str) -> list[Payment]:
    """Gives back every gift card and store credit tender of an order that will not be
    placed (its card was declined). Once: a tender already given back is skipped."""
    return [
        stored_value_refund(
            tender=tender,
            amount=refundable,
            channel=channel,
            note="The order was not placed.",
        )
        for tender, refundable in tenders_refundable(order=order)
        if tender.method in STORED_VALUE_METHODS and refundable > 0
    ]


def tenders_refundable(*, order: "Order") -> list[tuple[Payment, Decimal]]:
    """Each captured tender of the order with what can still be given back to it: its amount
    less its refunds (a refused refund does not count). Money tenders first (the card, the
    cash), then gift cards, then store credit: a refund goes to the customer's money before
    the shop's own value."""
    tenders = list(
        order.payments.filter(status=Status.CAPTURED, refund_of__isnull=True)
        .select_related("stored_value")
        .order_by("id")
    )
    given: dict[int, Decimal] = {}
    for refund in order.payments.filter(refund_of__isnull=False).exclude(
        status=Status.REFUND_FAILED
    ):
        given[refund.refund_of_id] = given.get(refund.refund_of_id, ZERO) + refund.amount
    rank = {Method.GIFT_CARD: 1, Method.STORE_CREDIT: 2}
    tenders.sort(key=lambda tender: (rank.get(tender.method, 0), tender.pk))
    return [(tender, tender.amount - given.get(tender.pk, ZERO)) for tender in tenders]


def order_paid_with_stored_value(order: "Order") -> bool:
    return order.payments.filter(
        method__in=STORED_VALUE_METHODS, status=Status.CAPTURED, refund_of__isnull=True
    ).exists()


def order_tenders_take(
    *,
    order: "Order",
    tenders: Sequence[Tender],
    customer: "Customer | None",
    rest_methods: Sequence[str],
    store: "Location | None" = None,
    user=None,
) -> TenderPlan:
    """`tenders_split` and `tenders_redeem` for an order just created in the caller's
    transaction: the plan tells what the rest tender pays (`rest_amount`) and the change."""
    plan = tenders_split(
        tenders,
        total=order.total,
        customer=customer,
        rest_methods=rest_methods,
        buys_stored_value=bool(order_gift_card_lines(order)),
    )
    tenders_redeem(plan, order=order, channel=order.channel, store=store or order.store, user=user)
    return plan
