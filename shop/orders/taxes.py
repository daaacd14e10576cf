"""The VAT of orders and returns as sold: read from the rates, nets and taxes frozen on the
order's lines, never recomputed from today's rates."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from shop.catalog.taxes import CENT, TaxLine, tax_lines_of

if TYPE_CHECKING:  # the models read their breakdown from here
    from shop.orders.models import Order, OrderLine, Return


def order_tax_lines(order: Order) -> list[TaxLine]:
    """The order's breakdown per rate (uses `order.lines.all()`, prefetched or not)."""
    return tax_lines_of(
        [(line.tax_rate, line.net_amount, line.tax_amount) for line in order.lines.all()]
    )


def _share(amount: Decimal, units: int, quantity: int) -> Decimal:
    return (amount * units / quantity).quantize(CENT, rounding=ROUND_HALF_UP)


def returned_line_tax(line: OrderLine, quantity: int, *, before: int) -> Decimal:
    """The VAT of `quantity` units of a line when `before` were returned earlier, at the rate
    it was sold at: as for the refund, the share of all units so far less the share of those
    before, so a line's returns give back exactly its tax."""
    return _share(line.tax_amount, before + quantity, line.quantity) - _share(
        line.tax_amount, before, line.quantity
    )


def return_tax_lines(record: Return) -> list[TaxLine]:
    """A return's VAT per rate at the rates of the sale, as amounts given back."""
    return tax_lines_of(
        [(rl.tax_rate, rl.amount - rl.tax_amount, rl.tax_amount) for rl in record.lines.all()]
    )
