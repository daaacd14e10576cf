"""A sale at the till: the same pricing as the web, stock taken from this store at once."""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext

from carts.checkout import order_lines_create, promotions_use
from carts.claim import cart_claim
from carts.errors import CheckoutInProgress, EmptyCart
from carts.models import Cart
from carts.pricing import PricedCart
from carts.services import (
    cart_checkout_under_way,
    cart_clear,
    cart_price,
    cart_promotion_code_apply,
    cart_with_lines,
    lines_merge,
    price_lines,
    promotion_by_code,
    variants_ensure_sold,
)
from inventory import services as stock
from inventory.models import Location
from shop.catalog.models import Variant
from shop.channels import Channel
from shop.customers.models import Customer, CustomerEvent
from shop.customers.services import customer_event_record
from shop.errors import InvalidInput
from shop.journal.services import journal_record_sale
from shop.orders.emails import order_email_enqueue
from shop.orders.models import Order
from shop.orders.services import order_number_new
from shop.orders.signals import order_placed
from shop.payments.models import Payment
from shop.payments.services import payment_take_tenders
from shop.payments.stored_value import gift_cards_issue_for_order, is_gift_card_line
from shop.payments.tenders import Tender


@dataclass(frozen=True)
class TillPayment:
    method: str  # cash | card
    #: Cash handed over by the customer.
    tendered: Decimal | None = None
    #: The card terminal's transaction reference.
    terminal_reference: str = ""


def _check_payment(payment: TillPayment, total: Decimal) -> Decimal | None:
    """Validates the payment; returns the change due for cash."""
    if payment.method == Payment.Method.CASH:
        if payment.tendered is None:
            raise InvalidInput(gettext("Enter the cash tendered."), details=["tendered"])
        if payment.tendered < total:
            raise InvalidInput(
                gettext("%(tendered)s tendered is less than the total %(total)s.")
                % {"tendered": payment.tendered, "total": total},
                details=["tendered"],
            )
        return payment.tendered - total
    if payment.method == Payment.Method.CARD:
        if not payment.terminal_reference.strip():
            raise InvalidInput(gettext("Enter the card terminal's reference."), details=["payment"])
        return None
    raise InvalidInput(gettext("Payment must be cash or card."), details=["payment"])


def pos_sale_price(
    *,
    lines: list[tuple[Variant, int]] | None = None,
    cart: Cart | None = None,
    customer: Customer | None = None,
    codes: list[str] = (),
) -> PricedCart:
    """Prices a till sale exactly as the web would: from a cart, or from scanned lines."""
    if cart is not None:
        cart = cart_with_lines(cart.pk)
        return cart_price(cart, customer=customer or cart.customer)
    promotions = [promotion_by_code(code) for code in codes]
    return price_lines(lines_merge(lines or []), promotions=promotions, customer=customer)


@transaction.atomic
def pos_sale_complete(
    *,
    store: Location,
    clerk,
    payment: TillPayment | None,
    lines: list[tuple[Variant, int]] | None = None,
    cart: Cart | None = None,
    customer: Customer | None = None,
    codes: list[str] = (),
    tenders: Sequence[Tender] = (),
) -> Order:
    """Sells from this store's stock at once, all or nothing. If another channel took a unit
    meanwhile, `InsufficientStock` is raised and nothing is recorded: no payment, no order.
    `tenders`: several tenders (gift cards, store credit, and cash or card for the rest)
    instead of the one `payment`. Gift cards sold are issued here (`order.gift_cards`)."""
    seen = None
    if cart is not None:
        customer = customer or cart.customer
        if cart_checkout_under_way(cart):
            raise CheckoutInProgress(gettext("This cart is being paid for online right now."))
        for code in codes:
            cart_promotion_code_apply(cart=cart, code=code)
        seen = Cart.objects.filter(pk=cart.pk).values_list("updated_at", flat=True).first()
    priced = pos_sale_price(lines=lines, cart=cart, customer=customer, codes=codes)
    if not priced.lines:
        raise EmptyCart(gettext("The sale has no items."))
    variants_ensure_sold(line.variant for line in priced.lines)
    if payment is None and not tenders:
        raise InvalidInput(gettext("Say how the sale is paid."), details=["payment"])
    if not tenders:
        _check_payment(payment, priced.total)
    order = Order.objects.create(
        number=order_number_new(),
        channel=Channel.POS,
        fulfilment=Order.Fulfilment.IN_STORE,
        store=store,
        status=Order.Status.COMPLETED,
        customer=customer,
        email=customer.email if customer else "",
        currency=settings.SHOP_CURRENCY,
        subtotal=priced.subtotal,
        discount=priced.discount,
        total=priced.total,
        staff_user=clerk,
    )
    order_lines_create(order, priced)
    if cart is not None:
        cart_claim(
            cart=cart,
            order=order,
            seen=seen,
            touch=True,
            message=gettext(
                "This cart changed or is being paid for online: check it and try again."
            ),
        )
        cart_clear(cart=cart)
    order_placed.send(sender=Order, order=order, cart=cart)
    if customer is not None:
        customer_event_record(
            customer=customer,
            kind=CustomerEvent.Kind.POS_SALE,
            channel=Channel.POS,
            store=store,
            payload={"order": order.number, "total": str(order.total)},
        )
        order_email_enqueue(order=order, kind="receipt")
    # The rows many sales update come last, in the lock order of `inventory/locks.py`: gift
    # cards and store credit, the drawer session (cash), the counters of promotions with a
    # usage limit, the stock rows. So each is locked for the shortest time, and a hot item's
    # stock row for one statement and the commit (a one-line sale is one statement on
    # PostgreSQL).
    if not tenders:  # the one payment pays it all
        tenders = (
            Tender(
                payment.method,
                tendered=payment.tendered,
                terminal_reference=payment.terminal_reference,
            ),
        )
    change_due = payment_take_tenders(
        order=order,
        tenders=tenders,
        customer=customer,
        rest_methods=(Payment.Method.CASH, Payment.Method.CARD),
        store=store,
        user=clerk,
    ).change_due
    order.gift_cards = gift_cards_issue_for_order(
        order=order, channel=Channel.POS, store=store, user=clerk
    )
    journal_record_sale(order=order)  # after the drawer, before promotions and stock
    promotions_use(order, priced)
    stocked = [line for line in priced.lines if not is_gift_card_line(line.variant)]
    if stocked:
        stock.stock_sell(
            location=store,
            lines=[stock.StockLine(line.variant, line.quantity) for line in stocked],
            channel=Channel.POS,
            reference=f"sale {order.number}",
            order=order,
            user=clerk,
        )
    order.change_due = change_due
    return order
