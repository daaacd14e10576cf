"""VAT of a priced cart: each line's rate (its product's tax class, in the shop's country), net
and tax, and the breakdown per rate (rules in `shop.catalog.taxes`). Called by the one pricing
function, after promotions, so every channel gets the same VAT."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings

from shop.catalog.taxes import ZERO, TaxClass, rate_tax, tax_lines_of, tax_rate, taxes_compute

if TYPE_CHECKING:
    from carts.pricing import PricedCart


def cart_taxes_apply(cart: PricedCart) -> PricedCart:
    """Sets `tax_rate`, `net` and `tax` on every line and the cart's `tax_lines`; with prices
    net of VAT, the cart's total then includes the VAT added (`tax_added`)."""
    included = settings.PRICES_INCLUDE_TAX
    line_taxes, breakdown = taxes_compute(
        [(line.total, tax_rate(line.variant.product.tax_class)) for line in cart.lines],
        included=included,
    )
    for line, line_tax in zip(cart.lines, line_taxes, strict=True):
        line.tax_rate, line.net, line.tax = line_tax.rate, line_tax.net, line_tax.tax
    cart.tax_lines = breakdown
    cart.tax_added = ZERO if included else sum((t.tax for t in breakdown), ZERO)
    return cart


def shipping_taxes_apply(cart: PricedCart) -> PricedCart:
    """VAT on the cart's delivery charge, and the cart's breakdown with it.

    Delivery is taxed at the standard rate of the shop's country, whatever the goods are: the
    EU rule of thumb (shipping follows the standard rate; an ancillary cost may follow the
    goods' rate in some member states, which this shop does not model). The charge's tax is
    rounded on its own, then merged into the breakdown at its rate: the breakdown is then the
    sum of the lines' and the charge's net and tax, exactly what the order stores and its
    receipt shows. Recomputed from the lines each time, so a cart priced again with another
    method keeps a right breakdown."""
    charge = cart.shipping
    stored = [(line.tax_rate, line.net, line.tax) for line in cart.lines]
    if charge is not None:
        charge.included = settings.PRICES_INCLUDE_TAX
        charge.tax_rate = tax_rate(TaxClass.STANDARD)
        charge.tax = rate_tax(charge.amount, charge.tax_rate, included=charge.included)
        if charge.amount:  # free delivery adds no row to the breakdown
            stored.append((charge.tax_rate, charge.net, charge.tax))
    cart.tax_lines = tax_lines_of(stored)
    return cart
