"""Checkout: a cart becomes an order with its stock held, paid, and the cart emptied.

Three short steps, so no stock row stays locked while a payment gateway thinks:
1. one transaction prices the cart, creates the order (awaiting payment), claims the cart and
   reserves every line (all or nothing; the hold lapses after the payment window);
2. the gateway charges the card (outside any transaction);
3. one transaction records the payment and places the order (hold extended to the pickup
   deadline, or kept until shipped) and empties the cart; or, when the card is declined,
   releases the hold and gives the cart back untouched.
When nothing is charged online (pay at pickup, or a card charged on the store terminal) the
three are one transaction.

Rows that other sales also update are locked in the order of `inventory/locks.py`: the cart
(claimed first), the counters of promotions with a usage limit, the stock rows last. So the
reservation comes after everything else of the transaction (order, lines, promotion uses,
payment, events, emails) and only the commit follows it; the till sale (`carts.pos`) takes its
stock last too. A shortfall raises from that last step and rolls all of it back: nothing is
left behind and the cart is as it was.
"""

from collections.abc import Collection
from dataclasses import dataclass, field, replace
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import get_language, gettext

from carts.claim import cart_claim
from carts.errors import EmptyCart, InvalidPromotionCode
from carts.holds import unpaid_collect_orders_check
from carts.models import Cart, Promotion, PromotionUsage
from carts.pricing import PricedCart
from carts.services import (
    cart_clear,
    cart_load_lines,
    cart_price,
    promotion_uses_give_back,
    variants_ensure_sold,
)
from carts.shipping import shipping_for_checkout
from inventory import services as stock
from inventory.allocation import allocate_for_delivery
from inventory.errors import InsufficientStock
from inventory.models import Location, Reservation
from shop.channels import Channel
from shop.customers.addresses import address_validate
from shop.customers.language import customer_language_default
from shop.customers.models import Customer, CustomerEvent
from shop.customers.services import (
    customer_event_record,
    customer_for_guest_order,
    customer_get_or_create,
)
from shop.errors import InvalidInput, PaymentDeclined
from shop.journal.services import journal_record_sale
from shop.orders.emails import order_email_enqueue
from shop.orders.models import Order, OrderLine
from shop.orders.selectors import lines_in_hand
from shop.orders.services import order_number_new
from shop.orders.signals import order_placed
from shop.payments.errors import PaymentGatewayError
from shop.payments.models import Payment
from shop.payments.services import (
    charge_attempt_create,
    charge_attempt_send,
    charges_settle_unplaced,
    payment_record,
)
from shop.payments.stored_value import gift_cards_issue_for_order, is_gift_card_line
from shop.payments.tenders import Tender, order_tenders_take
from shop.shipping.models import ShippingMethod

ADDRESS_FIELDS = ("name", "line1", "postcode", "city", "country")


@dataclass(frozen=True)
class CheckoutDetails:
    email: str
    fulfilment: str
    payment_method: str
    store: Location | None = None
    shipping_address: dict = field(default_factory=dict)
    card_token: str = ""
    #: At the till (endless aisle): the card was charged on the store's terminal.
    terminal_reference: str = ""
    #: The whole order or nothing: an item missing everywhere cancels the order.
    all_or_nothing: bool = False
    #: Several tenders (gift cards, store credit, and the `payment_method` for the rest);
    #: empty: `payment_method` pays it all.
    tenders: tuple[Tender, ...] = ()
    #: Delivery: the method chosen (None: the cheapest that serves the address).
    shipping_method: ShippingMethod | None = None


def _validate(details: CheckoutDetails) -> None:
    try:
        validate_email(details.email)
    except ValidationError:
        raise InvalidInput(gettext("A valid email address is needed."), details=["email"]) from None
    if details.fulfilment == Order.Fulfilment.COLLECT:
        store = details.store
        if store is None or not (store.is_active and store.click_and_collect):
            raise InvalidInput(
                gettext("Choose a store that offers click and collect."), details=["store"]
            )
    elif details.fulfilment == Order.Fulfilment.DELIVERY:
        missing = [
            f for f in ADDRESS_FIELDS if not str(details.shipping_address.get(f, "")).strip()
        ]
        if missing:
            raise InvalidInput(
                gettext("The delivery address needs: %(join)s.") % {"join": ", ".join(missing)},
                details=missing,
            )
    else:
        raise InvalidInput(
            gettext("Fulfilment must be delivery or collect."), details=["fulfilment"]
        )
    if details.payment_method == Payment.Method.PAY_AT_PICKUP:
        if details.fulfilment != Order.Fulfilment.COLLECT:
            raise InvalidInput(
                gettext("Pay at pickup is for click and collect only."), details=["payment"]
            )
    elif details.payment_method == Payment.Method.CARD:
        if not (details.card_token or details.terminal_reference):
            raise InvalidInput(gettext("A card token is needed."), details=["payment"])
    elif details.payment_method or not details.tenders:
        raise InvalidInput(gettext("Payment must be card or pay at pickup."), details=["payment"])


def _claim(cart: Cart, order: Order) -> None:
    """Marks the cart as being paid for; a second checkout of it (or the till) is refused
    meanwhile, and so is this one if the cart changed since it was read and priced (another
    tab placed it or added a line): every change of a cart moves its `updated_at`."""
    seen = cart.lines.all()[0].cart_updated_at  # as read with the lines (cart_load_lines)
    cart_claim(cart=cart, order=order, seen=seen)


def order_lines_create(order: Order, priced: PricedCart) -> list[OrderLine]:
    """The order's lines as priced (the web, the till): SKU, name and prices frozen as sold.
    `order.lines.all()` then answers from them without a query."""
    lines = OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            variant=line.variant,
            sku=line.variant.sku,
            name=line.variant.display_name,
            quantity=line.quantity,
            unit_price=line.unit_price,
            discount=line.discount,
            line_total=line.total,
            tax_rate=line.tax_rate,
            net_amount=line.net,
            tax_amount=line.tax,
        )
        for line in priced.lines
    )
    lines_in_hand(order, lines)
    return lines


def promotions_use(order: Order, priced: PricedCart) -> None:
    """Records the use of each applied promotion on the order. A promotion with a usage limit
    also counts it, and one used up meanwhile is refused. One without a limit is not written:
    its row would otherwise be locked by every sale it applies to, in every channel, until that
    sale commits, so that every sale of a running automatic promotion waited for the one
    before it. Its uses are its `usages`."""
    if not priced.applied:
        return
    limited = [a.promotion.pk for a in priced.applied if a.promotion.usage_limit is not None]
    if limited:
        used = (
            Promotion.objects.filter(pk__in=limited)
            .filter(Q(usage_limit__isnull=True) | Q(times_used__lt=F("usage_limit")))
            .update(times_used=F("times_used") + 1)
        )
        if used != len(limited):
            names = ", ".join(str(applied.promotion) for applied in priced.applied)
            raise InvalidPromotionCode(
                gettext("A promotion was used up meanwhile (%(names)s).") % {"names": names}
            )
    PromotionUsage.objects.bulk_create(
        PromotionUsage(promotion=a.promotion, order=order, amount=a.amount) for a in priced.applied
    )


def _order_create(
    *, cart: Cart, details: CheckoutDetails, customer: Customer, channel: str, staff_user
) -> tuple[Order, PricedCart, list[OrderLine]]:
    """Prices the cart, creates the order awaiting payment with its lines and claims the cart.
    Runs inside the caller's transaction."""
    priced = cart_price(cart, customer=customer, email=details.email)
    shipping_for_checkout(
        priced,
        fulfilment=details.fulfilment,
        method=details.shipping_method,
        address=details.shipping_address,
    )
    order = Order.objects.create(
        number=order_number_new(),
        channel=channel,
        fulfilment=details.fulfilment,
        store=details.store if details.fulfilment == Order.Fulfilment.COLLECT else None,
        status=Order.Status.PENDING_PAYMENT,
        customer=customer,
        email=details.email,
        shipping_address=details.shipping_address
        if details.fulfilment == Order.Fulfilment.DELIVERY
        else {},
        currency=settings.SHOP_CURRENCY,
        subtotal=priced.subtotal,
        discount=priced.discount,
        shipping_method=priced.shipping.method if priced.shipping else None,
        shipping_method_name=priced.shipping.method.name if priced.shipping else "",
        shipping_price=priced.shipping_amount,
        shipping_tax_rate=priced.shipping.tax_rate if priced.shipping else 0,
        shipping_tax=priced.shipping.tax if priced.shipping else 0,
        total=priced.total,
        staff_user=staff_user,
        all_or_nothing=details.all_or_nothing,
    )
    _claim(cart, order)
    return order, priced, order_lines_create(order, priced)


def _reserve(lines: list[OrderLine], *, details: CheckoutDetails, expires_at) -> None:
    """Holds every line's stock: at the collect store, or where delivery allocation finds it.
    The transaction's last write (see the module's docstring)."""
    lines = [line for line in lines if not is_gift_card_line(line.variant)]  # e-gift cards
    if not lines:
        return
    if details.fulfilment == Order.Fulfilment.COLLECT:
        requests = [stock.ReservationRequest(line, details.store, line.quantity) for line in lines]
    else:
        by_variant = {line.variant_id: line for line in lines}
        plan = allocate_for_delivery(
            [(line.variant, line.quantity) for line in lines],
            shipping_address=details.shipping_address,
        )
        requests = [
            stock.ReservationRequest(by_variant[variant.pk], location, quantity)
            for variant, location, quantity in plan
        ]
    stock.stock_reserve(requests=requests, expires_at=expires_at)


def _reservations(order: Order):
    return Reservation.objects.filter(order_line__order=order)


def _fail(order: Order) -> bool:
    """An order whose payment did not happen: its hold is released, its promotion uses given
    back and its cart freed, once (False if it was no longer awaiting payment)."""
    failed = Order.objects.filter(pk=order.pk, status=Order.Status.PENDING_PAYMENT).update(
        status=Order.Status.PAYMENT_FAILED, updated_at=timezone.now()
    )
    if failed:
        stock.stock_release(reservations=_reservations(order))
        promotion_uses_give_back(order=order)
        Cart.objects.filter(pending_order=order).update(pending_order=None)
        charges_settle_unplaced(order=order)
        order.status = Order.Status.PAYMENT_FAILED
    return bool(failed)


@transaction.atomic
def _give_up(order: Order) -> None:
    """The card was declined, the gateway failed, or the hold lapsed while it answered."""
    _fail(order)


def checkouts_fail_abandoned() -> int:
    """The sweeper for checkouts that never came back from payment (the process died between
    reserving and placing): well past the payment window they fail like a declined card, and
    what the gateway took for them is given back (refunded, or voided when its answer never
    came). Idempotent, and safe against a payment completing late: placing needs the order
    still awaiting payment, so one of the two wins."""
    cutoff = timezone.now() - 2 * settings.PAYMENT_WINDOW
    failed = 0
    for order in Order.objects.filter(
        status=Order.Status.PENDING_PAYMENT, created_at__lt=cutoff
    ).select_related("store"):
        with transaction.atomic():
            failed += _fail(order)
    return failed


class _HoldLapsed(Exception):
    """Payment took longer than the payment window and another channel took the units."""


def _pickup_deadline(details: CheckoutDetails):
    if details.fulfilment != Order.Fulfilment.COLLECT:
        return None
    return timezone.now() + timedelta(days=settings.PICKUP_DAYS)


@transaction.atomic
def _place_after_payment(order: Order, *, cart: Cart, details: CheckoutDetails):
    """Second step of a card checkout: the hold, so far limited to the payment window, is
    kept until the pickup deadline (collect) or shipping (delivery)."""
    order.pickup_deadline = _pickup_deadline(details)
    lapsed = stock.reservations_set_expiry(
        reservations=_reservations(order), expires_at=order.pickup_deadline
    )
    if lapsed:
        raise _HoldLapsed()
    _place(order, cart=cart)


@transaction.atomic
def _place_at_once(*, cart, details, customer, channel, staff_user, session_orders) -> Order:
    """Nothing to charge now (pay at pickup, or a card already charged on the store terminal):
    one transaction holds the stock until the deadline and places the order."""
    if details.payment_method == Payment.Method.PAY_AT_PICKUP:
        unpaid_collect_orders_check(
            email=details.email, customer=customer, session_orders=session_orders
        )
    order, priced, lines = _order_create(
        cart=cart, details=details, customer=customer, channel=channel, staff_user=staff_user
    )
    order.pickup_deadline = _pickup_deadline(details)
    paid_on_terminal = details.payment_method == Payment.Method.CARD
    rest = _tenders_take(order, details, customer=customer, staff_user=staff_user)
    if details.payment_method:  # else gift cards and store credit paid it all
        payment_record(
            order=order,
            method=details.payment_method,
            status=Payment.Status.CAPTURED if paid_on_terminal else Payment.Status.PENDING,
            amount=rest,
            reference=details.terminal_reference,
            channel=order.channel,
            store=order.store,
        )
    _place(order, cart=cart)
    promotions_use(order, priced)
    _reserve(lines, details=details, expires_at=order.pickup_deadline)
    return order


def _tenders_take(order: Order, details: CheckoutDetails, *, customer, staff_user):
    """Takes the gift cards' and store credit's share (`shop.payments.tenders`); returns what
    the card or the payment at pickup pays."""
    plan = order_tenders_take(
        order=order,
        tenders=details.tenders or (Tender(details.payment_method),),
        customer=customer,
        rest_methods=(Payment.Method.CARD, Payment.Method.PAY_AT_PICKUP),
        user=staff_user,
    )
    return plan.rest_amount


def _place(order: Order, *, cart: Cart) -> None:
    """Places the order and empties the cart (in the caller's transaction, which recorded the
    payment)."""
    placed = Order.objects.filter(pk=order.pk, status=Order.Status.PENDING_PAYMENT).update(
        status=Order.Status.PLACED, pickup_deadline=order.pickup_deadline, updated_at=timezone.now()
    )
    if not placed:  # failed meanwhile by the abandoned-checkout sweeper
        raise _HoldLapsed()
    order.status = Order.Status.PLACED
    journal_record_sale(order=order)
    cart_clear(cart=cart)
    order_placed.send(sender=Order, order=order, cart=cart)
    gift_cards_issue_for_order(order=order, channel=order.channel, store=order.store)
    if order.customer_id:
        customer_event_record(
            customer=order.customer,
            kind=CustomerEvent.Kind.ORDER_PLACED,
            channel=order.channel,
            store=order.store,
            payload={
                "order": order.number,
                "total": str(order.total),
                "fulfilment": order.fulfilment,
            },
        )
    order_email_enqueue(order=order, kind="confirmation")


def checkout_place(
    *,
    cart: Cart,
    details: CheckoutDetails,
    customer: Customer | None = None,
    channel: str = Channel.WEB,
    staff_user=None,
    session_orders: Collection[str] = (),
) -> Order:
    """Places the cart as an order. Raises `InsufficientStock` (nothing held, cart untouched),
    `PaymentDeclined` (hold released, cart untouched), `PaymentGatewayError` (likewise; the
    charge, if the gateway made one, is voided), `ItemNotSold`, `TooManyUnpaidOrders` or
    `InvalidInput`. `session_orders`: the numbers of the orders the shopper's browser session
    placed before (counted for the cap on unpaid collect orders)."""
    _validate(details)
    if details.fulfilment == Order.Fulfilment.DELIVERY:
        # The country as its ISO code and the postal code as the country writes it.
        details = replace(details, shipping_address=address_validate(details.shipping_address))
    # A payment taken elsewhere: on the store's card terminal, or by the marketplace.
    if details.terminal_reference and channel not in (Channel.POS, Channel.MARKETPLACE):
        raise InvalidInput(
            gettext("Terminal payments are taken at the till only."), details=["payment"]
        )
    cart = cart_load_lines(cart)
    if not cart.lines.all():
        raise EmptyCart()
    variants_ensure_sold(line.variant for line in cart.lines.all())
    if customer is None:
        # A clerk has the customer in front of them; a shopper not signed in has not proved
        # the email, so an account's customer is not theirs to order as (None, then).
        customer = (
            customer_get_or_create(email=details.email)
            if staff_user is not None
            else customer_for_guest_order(email=details.email)
        )
    if customer is not None:
        if staff_user is None:  # the shopper's own language, not the clerk's screen
            customer_language_default(customer, get_language())
        customer_event_record(
            customer=customer,
            kind=CustomerEvent.Kind.CHECKOUT_STARTED,
            channel=channel,
            store=details.store,
            payload={
                "fulfilment": details.fulfilment,
                "lines": len(cart.lines.all()),
                "cart": cart.pk,
            },
        )
    if details.payment_method != Payment.Method.CARD or details.terminal_reference:
        return _place_at_once(
            cart=cart,
            details=details,
            customer=customer,
            channel=channel,
            staff_user=staff_user,
            session_orders=session_orders,
        )
    with transaction.atomic():
        order, priced, lines = _order_create(
            cart=cart, details=details, customer=customer, channel=channel, staff_user=staff_user
        )
        rest = _tenders_take(order, details, customer=customer, staff_user=staff_user)
        attempt = charge_attempt_create(order=order, amount=rest)
        promotions_use(order, priced)
        _reserve(lines, details=details, expires_at=timezone.now() + settings.PAYMENT_WINDOW)
    try:
        result = charge_attempt_send(attempt=attempt, token=details.card_token)
    except PaymentGatewayError:
        _give_up(order)
        raise
    if not result.approved:
        _give_up(order)
        raise PaymentDeclined(result.message or gettext("The card was declined."))
    try:
        _place_after_payment(order, cart=cart, details=details)
    except _HoldLapsed:
        _give_up(order)  # the charge is refunded through the outbox
        raise InsufficientStock(
            gettext(
                "The items were sold while the payment was processed; the charge is being refunded."
            )
        ) from None
    return order
