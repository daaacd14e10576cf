"""Orders taken in from a marketplace: placed through the same checkout as the web shop
(delivery from the shipping locations that delivery allocation picks), already paid on the
marketplace. The same marketplace and external id is one order, however often it is sent."""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction

from carts.checkout import CheckoutDetails, checkout_place
from carts.models import Cart
from carts.services import cart_anonymous_new, cart_line_add
from channels_app.models import MarketplaceOrder
from shop.catalog.selectors import variants_by_sku
from shop.channels import Channel
from shop.customers.services import customer_get_or_create
from shop.errors import Conflict
from shop.orders.models import Order
from shop.payments.models import Payment


class PriceMismatch(Conflict):
    code = "price_mismatch"
    default_message = "A line's price is not the shop's price."


@dataclass(frozen=True)
class MarketplaceLine:
    sku: str
    quantity: int
    unit_price: Decimal


def _check_prices(lines: Sequence[MarketplaceLine]) -> None:
    """The order is priced by the shop's pricing like every channel's; a marketplace selling
    at another price (a stale feed) is told rather than silently repriced."""
    variants = variants_by_sku(skus=[line.sku for line in lines])
    wrong = [
        {
            "sku": line.sku,
            "unit_price": str(line.unit_price),
            "price": str(variants[line.sku].price),
        }
        for line in lines
        if line.unit_price != variants[line.sku].price
    ]
    if wrong:
        raise PriceMismatch(
            "Prices differ from the shop's: " + ", ".join(w["sku"] for w in wrong) + ".",
            details=wrong,
        )


def _claim(marketplace: str, external_id: str) -> tuple[MarketplaceOrder, bool]:
    """Claims the external id (a concurrent request with the same one waits on the unique index
    until this transaction ends, then finds its order)."""
    try:
        with transaction.atomic():
            return MarketplaceOrder.objects.get_or_create(
                marketplace=marketplace, external_id=external_id
            )
    except IntegrityError:
        return MarketplaceOrder.objects.get(marketplace=marketplace, external_id=external_id), False


@transaction.atomic
def marketplace_order_place(
    *,
    marketplace: str,
    external_id: str,
    lines: Sequence[MarketplaceLine],
    email: str,
    name: str = "",
    shipping_address: dict,
) -> tuple[Order, bool]:
    """(the order, whether it was placed now). Raises `InsufficientStock` (nothing kept),
    `PriceMismatch`, `UnknownSku` or `InvalidInput`."""
    claim, claimed_now = _claim(marketplace, external_id)
    if not claimed_now and claim.order_id is not None:
        return Order.objects.get(pk=claim.order_id), False
    _check_prices(lines)
    customer = customer_get_or_create(email=email, name=name)
    cart = cart_anonymous_new()
    for line in lines:
        cart_line_add(cart=cart, sku=line.sku, quantity=line.quantity, channel=Channel.MARKETPLACE)
    order = checkout_place(
        cart=cart,
        details=CheckoutDetails(
            email=email,
            fulfilment=Order.Fulfilment.DELIVERY,
            payment_method=Payment.Method.CARD,
            shipping_address=shipping_address,
            # Paid on the marketplace: recorded as captured, with its reference.
            terminal_reference=f"{marketplace}:{external_id}"[:100],
        ),
        customer=customer,
        channel=Channel.MARKETPLACE,
    )
    Cart.objects.filter(pk=cart.pk).delete()  # a carrier for this order only
    claim.order = order
    claim.save(update_fields=["order"])
    return order, True
