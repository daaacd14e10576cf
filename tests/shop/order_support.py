"""Orders made the way the channels make them (cart and checkout, the till), for the pickup,
expiry, return and drawer tests, and a runner that starts jobs on threads at one moment."""

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

from django.db import connection

from carts import services as carts
from carts.checkout import CheckoutDetails, checkout_place
from carts.models import Cart, Promotion
from carts.pos import TillPayment, pos_sale_complete
from inventory.errors import InsufficientStock
from inventory.models import Location
from shop.catalog.models import Variant
from shop.channels import Channel
from shop.customers.services import customer_get_or_create
from shop.orders.models import Order

ADDRESS = {
    "name": "Ann Example",
    "line1": "1 Rue de la Paix",
    "postcode": "75002",
    "city": "Paris",
    "country": "FR",
}

Lines = Sequence[tuple[Variant, int]]


def promotion(*, code: str, kind: str, value: str, **fields) -> Promotion:
    """A promotion entered by code, covering the whole cart unless told otherwise."""
    return Promotion.objects.create(
        name=fields.pop("name", code), code=code, kind=kind, value=Decimal(value), **fields
    )


def cart_with(lines: Lines, *, customer=None, codes: Sequence[str] = ()) -> Cart:
    """A customer's open cart (or an anonymous one) holding these lines and codes."""
    cart = carts.cart_for_customer(customer=customer) if customer else carts.cart_anonymous_new()
    for variant, quantity in lines:
        carts.cart_line_add(cart=cart, sku=variant.sku, quantity=quantity, channel=Channel.WEB)
    for code in codes:
        carts.cart_promotion_code_apply(cart=cart, code=code)
    return cart


def collect_order(
    store: Location,
    lines: Lines,
    *,
    email: str = "ann@example.com",
    payment: str = "pay_at_pickup",
    codes: Sequence[str] = (),
) -> Order:
    """A placed click-and-collect order from the web: its units are reserved at `store`."""
    customer = customer_get_or_create(email=email)
    cart = cart_with(lines, customer=customer, codes=codes)
    details = CheckoutDetails(
        email=email,
        fulfilment=Order.Fulfilment.COLLECT,
        store=store,
        payment_method=payment,
        card_token="tok_visa" if payment == "card" else "",
    )
    return checkout_place(cart=cart, details=details, customer=customer)


def delivery_order(
    lines: Lines, *, email: str = "ann@example.com", codes: Sequence[str] = ()
) -> Order:
    """A placed web delivery order paid by card: its units are reserved at shipping locations."""
    customer = customer_get_or_create(email=email)
    cart = cart_with(lines, customer=customer, codes=codes)
    details = CheckoutDetails(
        email=email,
        fulfilment=Order.Fulfilment.DELIVERY,
        shipping_address=ADDRESS,
        payment_method="card",
        card_token="tok_visa",
    )
    return checkout_place(cart=cart, details=details, customer=customer)


def till_sale(
    store: Location,
    clerk,
    lines: Lines,
    *,
    method: str = "card",
    tendered: str | None = None,
    customer=None,
    codes: Sequence[str] = (),
) -> Order:
    """A completed sale at the till of `store`."""
    return pos_sale_complete(
        store=store,
        clerk=clerk,
        payment=TillPayment(
            method=method,
            tendered=Decimal(tendered) if tendered is not None else None,
            terminal_reference="TERM-1" if method == "card" else "",
        ),
        lines=list(lines),
        customer=customer,
        codes=list(codes),
    )


def run_at_once(jobs: Sequence[Callable[[], object]]) -> list[tuple[str, object]]:
    """Starts every job at the same moment, each on its own thread and database connection.

    Returns one ("ok", result), ("insufficient", error) or ("error", description) per job.
    """
    barrier = threading.Barrier(len(jobs))

    def run(job):
        try:
            barrier.wait(timeout=30)
            return "ok", job()
        except InsufficientStock as exc:
            return "insufficient", exc
        except Exception as exc:  # anything else (deadlock, constraint, 500) is a failure
            return "error", f"{type(exc).__name__}: {exc}"
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return list(pool.map(run, jobs))
