"""Delivery options for a priced cart, and the one checkout picks: every price comes from
`carts.pricing.price_shipping`, so the list the shopper saw and the order agree."""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from carts.pricing import PricedCart, ShippingCharge, price_shipping
from shop.shipping.errors import ShippingMethodUnavailable
from shop.shipping.models import ShippingMethod
from shop.shipping.selectors import shipping_methods_active, shipping_methods_for_country

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class ShippingOption:
    method: ShippingMethod
    price: Decimal


def shipping_options(cart: PricedCart, *, country: str) -> list[ShippingOption]:
    """The methods that deliver `cart` to `country` (or collect there), each priced, cheapest
    first."""
    options = []
    for method in shipping_methods_for_country(country):
        try:
            charge = price_shipping(PricedCart(lines=cart.lines), method, country=country)
        except ShippingMethodUnavailable:
            continue
        options.append(ShippingOption(method, charge.shipping_amount))
    return sorted(options, key=lambda option: (option.price, option.method.position))


def shipping_for_checkout(
    cart: PricedCart, *, fulfilment: str, method: ShippingMethod | None, address: dict
) -> None:
    """Adds the delivery charge to a priced cart at checkout. Delivery: the chosen method, or
    the cheapest that serves the address; a shop with no delivery method at all delivers free.
    Collect: the in-store method if one was named (free)."""
    if fulfilment != "delivery":
        if method is not None:
            if method.kind != ShippingMethod.Kind.COLLECT:
                raise ShippingMethodUnavailable(
                    _("%(method)s is a delivery method.") % {"method": method.name},
                    details=["shipping_method"],
                )
            cart.shipping = ShippingCharge(method=method, amount=ZERO)
        return
    country = str(address.get("country", "")).strip().upper()
    if method is not None:
        if method.kind == ShippingMethod.Kind.COLLECT:
            raise ShippingMethodUnavailable(
                _("%(method)s is for collection in store.") % {"method": method.name},
                details=["shipping_method"],
            )
        price_shipping(cart, method, country=country)
        return
    delivering = [
        option
        for option in shipping_options(cart, country=country)
        if option.method.kind != ShippingMethod.Kind.COLLECT
    ]
    if delivering:
        price_shipping(cart, delivering[0].method, country=country)
    elif any(m.kind != ShippingMethod.Kind.COLLECT for m in shipping_methods_active()):
        raise ShippingMethodUnavailable(
            _("No shipping method delivers this cart to %(country)s.") % {"country": country},
            details=["shipping_address"],
        )
