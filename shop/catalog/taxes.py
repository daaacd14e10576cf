"""VAT: tax classes, their rates for the shop's country, and the split of amounts into net and
tax so that a cart's breakdown adds up to its total to the cent.

Rules:
1. Each rate is applied once to the sum of the lines at that rate (not line by line), rounded
   half up to the cent: that is what the receipt's breakdown shows.
2. Prices include VAT (`PRICES_INCLUDE_TAX`, the B2C default): a rate's gross is the sum of its
   lines' totals, its tax is gross × rate / (100 + rate) and its net the rest. Prices without
   VAT: its net is the sum of the lines' totals and its tax net × rate / 100 is added.
3. A rate's tax is spread over its lines in proportion to their totals (largest remainder), so
   line taxes add up to the rate's tax and none is negative.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


class TaxClass(models.TextChoices):
    STANDARD = "standard", _("Standard rate")
    INTERMEDIATE = "intermediate", _("Intermediate rate")
    REDUCED = "reduced", _("Reduced rate")
    SUPER_REDUCED = "super_reduced", _("Super-reduced rate")
    ZERO = "zero", _("Zero rate")


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def rate_label(rate) -> str:
    """A rate as people write it: 20, 5.5, 2.1 (from 20.00, "5.50", 2.10)."""
    text = str(rate)
    return text.rstrip("0").rstrip(".") if "." in text else text


def tax_rate(tax_class: str, country: str | None = None) -> Decimal:
    """The VAT rate (percent) of a tax class in a country (the shop's by default)."""
    rates = settings.VAT_RATES[country or settings.SHOP_COUNTRY]
    return Decimal(str(rates.get(tax_class, rates[TaxClass.STANDARD]))).quantize(CENT)


@dataclass(frozen=True)
class TaxLine:
    """One rate of a breakdown: net + tax = gross."""

    rate: Decimal
    net: Decimal
    tax: Decimal
    gross: Decimal

    def as_dict(self) -> dict[str, str]:
        return {k: str(getattr(self, k)) for k in ("rate", "net", "tax", "gross")}


@dataclass(frozen=True)
class LineTax:
    """A line's share of its rate: its net and tax (net + tax = gross)."""

    rate: Decimal
    net: Decimal
    tax: Decimal


def rate_tax(amount: Decimal, rate: Decimal, *, included: bool) -> Decimal:
    """The tax of `amount` (all lines at one rate), rounded to the cent."""
    if included:
        return _cents(amount * rate / (100 + rate))
    return _cents(amount * rate / 100)


def _spread(tax: Decimal, amounts: Sequence[Decimal]) -> list[Decimal]:
    """`tax` shared over amounts in proportion, by largest remainder: every share is rounded
    down to the cent, then the cents left go one each to the largest fractions (ties to the
    larger amount). Shares are never negative and always add up to `tax`."""
    base = sum(amounts, ZERO)
    if not base:
        return [ZERO] * len(amounts)
    exact = [tax * a / base for a in amounts]
    shares = [e.quantize(CENT, rounding=ROUND_DOWN) for e in exact]
    left = int((tax - sum(shares, ZERO)) / CENT)
    order = sorted(
        range(len(amounts)), key=lambda i: (exact[i] - shares[i], amounts[i]), reverse=True
    )
    for i in order[:left]:
        shares[i] += CENT
    return shares


def taxes_compute(
    lines: Sequence[tuple[Decimal, Decimal]], *, included: bool
) -> tuple[list[LineTax], list[TaxLine]]:
    """Lines given as (line total, rate): each line's net and tax, and the breakdown per rate
    (rates ascending). With `included` the line totals are gross, otherwise net."""
    by_rate: dict[Decimal, list[int]] = {}
    for index, (_amount, rate) in enumerate(lines):
        by_rate.setdefault(rate, []).append(index)
    line_taxes: list[LineTax | None] = [None] * len(lines)
    breakdown = []
    for rate in sorted(by_rate):
        indexes = by_rate[rate]
        amounts = [lines[i][0] for i in indexes]
        amount = sum(amounts, ZERO)
        tax = rate_tax(amount, rate, included=included)
        for i, line_tax in zip(indexes, _spread(tax, amounts), strict=True):
            net = lines[i][0] - line_tax if included else lines[i][0]
            line_taxes[i] = LineTax(rate=rate, net=net, tax=line_tax)
        net = amount - tax if included else amount
        breakdown.append(TaxLine(rate=rate, net=net, tax=tax, gross=net + tax))
    return line_taxes, breakdown


def tax_lines_of(lines: Sequence[tuple[Decimal, Decimal, Decimal]]) -> list[TaxLine]:
    """The breakdown of stored lines given as (rate, net, tax): what an order's receipt shows."""
    sums: dict[Decimal, list[Decimal]] = {}
    for rate, net, tax in lines:
        total = sums.setdefault(rate, [ZERO, ZERO])
        total[0] += net
        total[1] += tax
    return [
        TaxLine(rate=rate, net=net, tax=tax, gross=net + tax)
        for rate, (net, tax) in sorted(sums.items())
    ]
