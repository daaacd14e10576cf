"""VAT of a priced cart: each line's rate (its product's tax class, in the shop's country), net
and tax, and the breakdown per rate (rules in `shop.catalog.taxes`). Called by the one pricing
function, after promotions, so every channel gets the same VAT."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings

from shop.catalog.taxes import ZERO, tax_rate, taxes_compute

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
