"""Sales the till made on the device, online or offline, arriving with their own id.

The device writes each sale to its outbox before the receipt shows, then sends it until the
server answers. So a sale may arrive late, twice, or from two tabs at once: the
`client_sale_id` is stored under a unique constraint in the sale's own transaction, and a
repeat answers with the first sale. A sale made offline is a fact: it is recorded at the
prices the customer paid (a difference from today's pricing is flagged, never charged), and
stock the store no longer has becomes a stock discrepancy instead of a refusal.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext

from carts.checkout import order_lines_create
from carts.errors import EmptyCart, ReceiptNumberTaken, UnknownTillDevice
from carts.models import TillDevice, TillSale
from carts.pos import TillPayment, _check_payment, pos_sale_price
from carts.pricing import PricedCart, PricedLine, money
from carts.services import lines_merge
from inventory.discrepancies import stock_sell_recorded
from inventory.models import Location
from inventory.services import StockLine
from shop.catalog.models import Variant
from shop.channels import Channel
from shop.errors import InvalidInput
from shop.orders.models import Order
from shop.orders.services import order_number_new
from shop.payments.services import payment_record


@dataclass(frozen=True)
class PaidLine:
    """A line as the device sold it: the list price and what the customer paid for the line
    (after the automatic promotions of the till's price snapshot)."""

    variant: Variant
    quantity: int
    unit_price: Decimal
    line_total: Decimal


@dataclass(frozen=True)
class RecordedSale:
    till_sale: TillSale
    #: True when this answered a repeat of a sale already recorded.
    replayed: bool


def receipt_number(store: Location, device_number: int, sequence: int) -> str:
    return f"{store.code.upper()}-{device_number}-{sequence}"


def till_device_register(*, store: Location, device_uuid: uuid.UUID) -> TillDevice:
    """The device's registration at this store, made once: the next free number."""
    for _ in range(5):
        device = TillDevice.objects.filter(uuid=device_uuid).select_related("store").first()
        if device is not None:
            if device.store_id != store.pk:
                raise UnknownTillDevice(
                    gettext("This till is registered at %(name)s.") % {"name": device.store.name}
                )
            return device
        taken = TillDevice.objects.filter(store=store).aggregate(n=Max("number"))["n"] or 0
        try:
            with transaction.atomic():
                return TillDevice.objects.create(uuid=device_uuid, store=store, number=taken + 1)
        except IntegrityError:
            continue  # another till took that number (or this one registered) meanwhile
    raise InvalidInput(gettext("Could not register this till; try again."))


def till_device_next_sequence(device: TillDevice) -> int:
    last = device.sales.aggregate(n=Max("sequence"))["n"] or 0
    return last + 1


def till_receipt_gaps(device: TillDevice) -> list[int]:
    """Sequences missing below the device's highest one (a receipt printed but never sent)."""
    seen = set(device.sales.values_list("sequence", flat=True))
    return [n for n in range(1, max(seen, default=0) + 1) if n not in seen]


def _recorded(client_sale_id: uuid.UUID) -> TillSale | None:
    return (
        TillSale.objects.select_related("order", "device__store")
        .filter(client_sale_id=client_sale_id)
        .first()
    )


def till_sale_record(
    *,
    store: Location,
    clerk,
    device: TillDevice,
    client_sale_id: uuid.UUID,
    sequence: int,
    lines: list[PaidLine],
    payment: TillPayment,
    created_offline_at: datetime | None = None,
) -> RecordedSale:
    """Records the sale once. Concurrent sends of one sale: the second waits on the first's
    unique `client_sale_id`, then answers with it."""
    if device.store_id != store.pk:
        raise UnknownTillDevice(
            gettext("Till %(number)s is not registered at %(name)s.")
            % {"number": device.number, "name": store.name}
        )
    if (done := _recorded(client_sale_id)) is not None:
        return RecordedSale(done, replayed=True)
    try:
        with transaction.atomic():
            sale = _record(
                store=store,
                clerk=clerk,
                device=device,
                client_sale_id=client_sale_id,
                sequence=sequence,
                lines=lines,
                payment=payment,
                created_offline_at=created_offline_at,
            )
    except IntegrityError:
        if (done := _recorded(client_sale_id)) is not None:
            return RecordedSale(done, replayed=True)
        raise ReceiptNumberTaken(
            gettext("Receipt %(receipt_number)s was already sent with another sale.")
            % {"receipt_number": receipt_number(store, device.number, sequence)}
        ) from None
    return RecordedSale(sale, replayed=False)


def _paid_cart(lines: list[PaidLine]) -> PricedCart:
    priced = []
    for line in lines:
        subtotal = money(line.unit_price * line.quantity)
        if not Decimal("0") <= line.line_total <= subtotal:
            raise InvalidInput(
                gettext("The line total of %(sku)s must be between 0.00 and %(subtotal)s.")
                % {"sku": line.variant.sku, "subtotal": subtotal},
                details=[{"sku": line.variant.sku}],
            )
        priced.append(
            PricedLine(
                variant=line.variant,
                quantity=line.quantity,
                unit_price=line.unit_price,
                discount=subtotal - line.line_total,
            )
        )
    return PricedCart(lines=priced)


def _record(
    *,
    store,
    clerk,
    device,
    client_sale_id,
    sequence,
    lines,
    payment,
    created_offline_at,
) -> TillSale:
    if not lines:
        raise EmptyCart(gettext("The sale has no items."))
    if sequence < 1:
        raise InvalidInput(gettext("The receipt sequence starts at 1."), details=["sequence"])
    lines_merge((line.variant, line.quantity) for line in lines)  # validates the quantities
    paid = _paid_cart(lines)
    priced_now = pos_sale_price(lines=[(line.variant, line.quantity) for line in lines])
    change_due = _check_payment(payment, paid.total)
    order = Order.objects.create(
        number=order_number_new(),
        channel=Channel.POS,
        fulfilment=Order.Fulfilment.IN_STORE,
        store=store,
        status=Order.Status.COMPLETED,
        currency=settings.SHOP_CURRENCY,
        subtotal=paid.subtotal,
        discount=paid.discount,
        total=paid.total,
        staff_user=clerk,
    )
    # Claimed first: a concurrent send of the same sale waits here, then fails and answers
    # with this one, before either touched the drawer or the stock.
    sale = TillSale.objects.create(
        client_sale_id=client_sale_id,
        order=order,
        device=device,
        sequence=sequence,
        receipt_number=receipt_number(store, device.number, sequence),
        created_offline_at=created_offline_at,
        paid_total=paid.total,
        priced_total=priced_now.total,
    )
    order_lines_create(order, paid)
    payment_record(
        order=order,
        method=payment.method,
        amount=paid.total,
        reference=payment.terminal_reference,
        tendered=payment.tendered,
        change_due=change_due,
        channel=Channel.POS,
        store=store,
    )
    stock_sell_recorded(
        location=store,
        lines=[StockLine(line.variant, line.quantity) for line in lines],
        channel=Channel.POS,
        reference=f"sale {order.number} ({sale.receipt_number})",
        order=order,
        user=clerk,
        occurred_at=created_offline_at,
    )
    return sale
