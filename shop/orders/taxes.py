"""The VAT of orders and returns as sold: read from the rates, nets and taxes frozen on the
order's lines, never recomputed from today's rates."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from shop.catalog.taxes import CENT, TaxLine, tax_lines_of

if TYPE_CHECKING:  # the models read their breakdown from here
    from shop.orders.models import Order, OrderLine, Return


def order_tax_lines(order: Order) -> list[TaxLine]:
    """The order's breakdown per rate, delivery included (uses `order.lines.all()`, prefetched
    or not): it adds up to the order's total."""
    stored = [(line.tax_rate, line.net_amount, line.tax_amount) for line in order.lines.all()]
    if order.shipping_price:
        stored.append(
            (order.shipping_tax_rate, order.shipping_price - order.shipping_tax, order.shipping_tax)
        )
    return tax_lines_of(stored)


def returned_share(amount: Decimal, line: OrderLine, quantity: int, *, before: int) -> Decimal:
    """The part of `amount` (a line's total or tax) for `quantity` units of the line when
    `before` units were returned earlier: the share of all units returned so far less the share
    of those before, each rounded. So a line's returns add up to `amount` however the units
    come back, and returning the last units gives exactly what is left of it."""

    def share(units: int) -> Decimal:
        return (amount * units / line.quantity).quantize(CENT, rounding=ROUND_HALF_UP)

    return share(before + quantity) - share(before)


def returned_line_tax(line: OrderLine, quantity: int, *, before: int) -> Decimal:
    """The VAT of returned units, at the rate the line was sold at."""
    return returned_share(line.tax_amount, line, quantity, before=before)


def return_tax_lines(record: Return) -> list[TaxLine]:
    """A return's VAT per rate at the rates of the sale, as amounts given back (the delivery
    charge's too, when the return refunds it)."""
    stored = [(rl.tax_rate, rl.amount - rl.tax_amount, rl.tax_amount) for rl in record.lines.all()]
    if record.shipping_amount:
        stored.append(
            (
                record.shipping_tax_rate,
                record.shipping_amount - record.shipping_tax,
                record.shipping_tax,
            )
        )
    return tax_lines_of(stored)
