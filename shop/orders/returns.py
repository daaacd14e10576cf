"""Returns: any order of any channel, brought back at any store."""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext

from inventory import services as stock
from inventory.models import Location
from shop.customers.models import CustomerEvent
from shop.orders.errors import InvalidReturn, OrderStatusConflict, ReturnExceedsPurchase
from shop.orders.events import order_event_record
from shop.orders.models import Order, OrderLine, Return, ReturnLine
from shop.orders.signals import order_returned
from shop.orders.taxes import returned_line_tax, returned_share
from shop.payments.services import refund_for_return
from shop.payments.stored_value import gift_cards_void_returned, is_gift_card_line

#: Orders whose goods the customer has: only these can come back.
RETURNABLE = (Order.Status.COMPLETED, Order.Status.COLLECTED, Order.Status.SHIPPED)
REFUND_METHODS = ("original", "cash", "store_credit")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class ReturnRequest:
    sku: str
    quantity: int


def _gift_cards_void(order, line, quantity, channel, store, user) -> Decimal:
    return gift_cards_void_returned(
        order=order,
        unit_price=line.unit_price,
        quantity=quantity,
        channel=channel,
        store=store,
        user=user,
    )


def _refund_amount(line: OrderLine, quantity: int, *, before: int) -> Decimal:
    """What the customer paid for `quantity` units, discounts included (`returned_share`)."""
    return returned_share(line.line_total, line, quantity, before=before)


def delivery_refundable(order: Order) -> bool:
    """The order has a delivery charge that no return has given back yet."""
    return bool(order.shipping_price) and not (
        Return.objects.filter(order=order, shipping_amount__gt=0).exists()
    )


def _all_returned(order: Order) -> bool:
    """Every unit of the order came back (or was cancelled before hand-over), this return's
    included."""
    return not order.lines.filter(
        returned_quantity__lt=F("quantity") - F("cancelled_quantity")
    ).exists()


@transaction.atomic
def return_create(
    *,
    order: Order,
    store: Location,
    lines: Sequence[ReturnRequest],
    restock: bool,
    channel: str,
    refund_method: str = "original",
    refund_shipping: bool = False,
    user=None,
) -> Return:
    """Takes goods back: quantities are checked against what was bought (and already
    returned), stock comes back at this store when `restock`, and the refund is recorded.

    The delivery charge is given back too (a withdrawal refunds the standard delivery, EU
    directive 2011/83 art. 13) by the return that brings back the order's last unit, or by
    this one when the clerk asks (`refund_shipping`): once per order, whatever comes later."""
    if order.status not in RETURNABLE:
        raise OrderStatusConflict(
            gettext("Order %(number)s is %(lower)s: nothing to return yet.")
            % {"number": order.number, "lower": order.get_status_display().lower()}
        )
    if refund_method not in REFUND_METHODS:
        raise InvalidReturn(gettext("Refund by the original method, in cash or to store credit."))
    if not lines:
        raise InvalidReturn(gettext("Choose at least one item to return."))
    by_sku = {line.sku: line for line in order.lines.select_related("variant__product")}
    wanted: dict[str, int] = {}
    for request in lines:
        if request.sku not in by_sku:
            raise InvalidReturn(
                gettext("%(sku)s is not in order %(number)s.")
                % {"sku": request.sku, "number": order.number}
            )
        if isinstance(request.quantity, bool) or request.quantity < 1:
            raise InvalidReturn(gettext("Return quantities must be at least 1."))
        wanted[request.sku] = wanted.get(request.sku, 0) + request.quantity

    delivery_due = order.shipping_price > 0
    if delivery_due:
        # Returns of an order with a delivery charge take the order's row first, so the one
        # that completes the order sees every earlier return's units (and refund) committed.
        Order.objects.filter(pk=order.pk).update(shipping_price=F("shipping_price"))
        delivery_due = delivery_refundable(order)
    record = Return.objects.create(
        order=order,
        store=store,
        channel=channel,
        restock=restock,
        refund_method=refund_method,
        refund_amount=Decimal("0.00"),
        staff_user=user,
    )
    return_lines, too_many = [], []
    for sku, quantity in sorted(wanted.items()):
        line = by_sku[sku]
        # Check and count in one statement: two returns of the same line cannot both pass.
        # Units cancelled before hand-over (not found) were never the customer's to return.
        taken = OrderLine.objects.filter(
            pk=line.pk,
            returned_quantity__lte=F("quantity") - F("cancelled_quantity") - quantity,
        ).update(returned_quantity=F("returned_quantity") + quantity)
        line.refresh_from_db(fields=["returned_quantity"])
        if not taken:
            too_many.append(
                {
                    "sku": sku,
                    "requested": quantity,
                    "returnable": line.quantity - line.cancelled_quantity - line.returned_quantity,
                }
            )
            continue
        # Priced after the count, which this transaction now holds: a concurrent return of
        # the same line cannot price its units from the same starting point.
        before = line.returned_quantity - quantity
        amount = _refund_amount(line, quantity, before=before)
        if is_gift_card_line(line.variant):  # only what is left on the cards is refunded
            amount = min(amount, _gift_cards_void(order, line, quantity, channel, store, user))
        return_lines.append(
            ReturnLine(
                return_record=record,
                order_line=line,
                quantity=quantity,
                amount=amount,
                tax_rate=line.tax_rate,
                tax_amount=returned_line_tax(line, quantity, before=before),
            )
        )
    if too_many:
        raise ReturnExceedsPurchase(
            "More would be returned than was bought: "
            + ", ".join(f"{d['sku']} ({d['returnable']} returnable)" for d in too_many),
            details=too_many,
        )
    ReturnLine.objects.bulk_create(return_lines)
    record.refund_amount = sum((line.amount for line in return_lines), Decimal("0.00"))
    if delivery_due and (refund_shipping or _all_returned(order)):
        record.shipping_amount = order.shipping_price
        record.shipping_tax_rate = order.shipping_tax_rate
        record.shipping_tax = order.shipping_tax
        record.refund_amount += order.shipping_price
    record.save(
        update_fields=["refund_amount", "shipping_amount", "shipping_tax_rate", "shipping_tax"]
    )

    order_event_record(
        order,
        CustomerEvent.Kind.ORDER_RETURNED,
        channel,
        store=store,
        lines=[{"sku": rl.order_line.sku, "quantity": rl.quantity} for rl in return_lines],
        refund=str(record.refund_amount),
        restocked=restock,
        **({"shipping_refunded": str(record.shipping_amount)} if record.shipping_amount else {}),
    )
    refund_for_return(
        order=order,
        amount=record.refund_amount,
        refund_method=refund_method,
        channel=channel,
        store=store,
        return_record=record,
    )
    order_returned.send(sender=Return, record=record)
    # Last: a cash refund locked the till's drawer session above, and stock rows come after it
    # (`inventory/locks.py`), as in a cash sale at the till.
    goods = [rl for rl in return_lines if not is_gift_card_line(rl.order_line.variant)]
    if restock and goods:
        stock.stock_return(
            location=store,
            lines=[stock.StockLine(rl.order_line.variant, rl.quantity) for rl in goods],
            channel=channel,
            reference=f"return {order.number}",
            order=order,
            user=user,
        )
    return record
