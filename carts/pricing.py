"""The one function that prices a cart: the cart page, the API, checkout and the till use it,
so a promotion gives the same price on every channel.

Rules, in order:
1. A line's subtotal is unit price × quantity (the variant's current price).
2. Promotions apply one after another (automatic ones, then codes, each in id order), each on
   what its eligible lines still cost after the promotions before it. A promotion applies only
   if the cart's subtotal reaches its minimum, a first-order-only promotion only for a
   customer without a placed order, and one bound to an email only for that email.
3. A percentage takes that share of the eligible amount; a fixed amount takes at most the
   eligible amount. Each discount is rounded to the cent (half up) and spread over the eligible
   lines in proportion to what they still cost, the rounding remainder on the last (largest)
   line and what it cannot take on the next largest, so line discounts always add up to the
   cart discount and no line goes below zero.
4. Delivery, when a method is chosen, is a charge of its own beside the lines (`shipping`),
   priced by `shop.shipping.rates` on what the goods cost after promotions and weigh; the
   cart's total includes it.
5. VAT on what the lines cost after promotions (`carts.taxes`): each line's rate, net and
   tax, and the breakdown per rate that adds up to the lines' total. Delivery is taxed at the
   shop country's standard rate and enters the breakdown, which then adds up to the cart's
   total (`carts.taxes.shipping_taxes_apply`).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from carts.models import Promotion
from carts.taxes import cart_taxes_apply, shipping_taxes_apply
from shop.catalog.models import Variant
from shop.shipping.errors import ShippingMethodUnavailable
from shop.shipping.models import ShippingMethod
from shop.shipping.rates import shipping_rate

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def money(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class PricedLine:
    variant: Variant
    quantity: int
    unit_price: Decimal
    discount: Decimal = ZERO
    #: The cart line's id when priced from a cart.
    line_id: int | None = None
    #: VAT (set by `carts.taxes`): the rate in percent, the line's net and its tax.
    tax_rate: Decimal = ZERO
    net: Decimal = ZERO
    tax: Decimal = ZERO

    @property
    def subtotal(self) -> Decimal:
        return money(self.unit_price * self.quantity)

    @property
    def total(self) -> Decimal:
        return self.subtotal - self.discount


@dataclass
class AppliedPromotion:
    promotion: Promotion
    amount: Decimal


@dataclass
class ShippingCharge:
    """Delivery priced like a line: its amount as the rate prices it (with VAT when prices
    include it, without otherwise), and its VAT (set by `carts.taxes`)."""

    method: ShippingMethod
    amount: Decimal
    tax_rate: Decimal = ZERO
    tax: Decimal = ZERO
    included: bool = True

    @property
    def gross(self) -> Decimal:
        """What the customer pays for delivery, VAT included."""
        return self.amount if self.included else self.amount + self.tax

    @property
    def net(self) -> Decimal:
        return self.gross - self.tax


@dataclass
class PricedCart:
    lines: list[PricedLine]
    applied: list[AppliedPromotion] = field(default_factory=list)
    #: The VAT breakdown per rate (`shop.catalog.taxes.TaxLine`).
    tax_lines: list = field(default_factory=list)
    #: VAT added on top of the lines when prices are net of it (zero when they include it).
    tax_added: Decimal = ZERO
    shipping: ShippingCharge | None = None

    @property
    def subtotal(self) -> Decimal:
        return sum((line.subtotal for line in self.lines), ZERO)

    @property
    def discount(self) -> Decimal:
        return sum((line.discount for line in self.lines), ZERO)

    @property
    def goods_total(self) -> Decimal:
        return self.subtotal - self.discount + self.tax_added

    @property
    def tax(self) -> Decimal:
        return sum((t.tax for t in self.tax_lines), ZERO)

    @property
    def shipping_amount(self) -> Decimal:
        return self.shipping.gross if self.shipping else ZERO

    @property
    def weight_grams(self) -> int:
        return sum(line.variant.weight_grams * line.quantity for line in self.lines)

    @property
    def total(self) -> Decimal:
        return self.goods_total + self.shipping_amount


@dataclass(frozen=True)
class PromotionScope:
    """What a promotion covers, loaded once (ids of its categories and variants)."""

    promotion: Promotion
    category_ids: frozenset[int]
    variant_ids: frozenset[int]

    def covers(self, variant: Variant) -> bool:
        if not self.category_ids and not self.variant_ids:
            return True
        return variant.pk in self.variant_ids or variant.product.category_id in self.category_ids


def _ids(joined: str | None) -> frozenset[int]:
    return frozenset(int(part) for part in (joined or "").split(",") if part)


def scopes_for(promotions: Iterable[Promotion]) -> list[PromotionScope]:
    """Expects promotions annotated with `category_ids` and `variant_ids` (comma-joined), as
    `carts.services.promotions_in_force` loads them."""
    ordered = sorted(promotions, key=lambda p: (p.code != "", p.pk))
    return [
        PromotionScope(
            promotion=p, category_ids=_ids(p.category_ids), variant_ids=_ids(p.variant_ids)
        )
        for p in ordered
    ]


def _spread(amount: Decimal, lines: Sequence[PricedLine]) -> None:
    base = sum((line.total for line in lines), ZERO)
    remaining = amount
    for index, line in enumerate(lines):
        if index == len(lines) - 1:
            share = min(remaining, line.total)
        else:
            share = min(money(amount * line.total / base), remaining, line.total)
        line.discount += share
        remaining -= share
    # Shares rounded down on many lines can leave more than the last line costs: the rest goes
    # to the lines that still cost something, largest first (`amount` never exceeds `base`).
    for line in reversed(lines):
        if remaining <= 0:
            break
        share = min(remaining, line.total)
        line.discount += share
        remaining -= share


def bound_to_other(promotion: Promotion, email: str | None) -> bool:
    """A promotion bound to an email that is not `email` (unknown email: not theirs)."""
    return bool(promotion.email) and (email or "").strip().lower() != promotion.email.lower()


def price(
    lines: Iterable[PricedLine],
    scopes: Sequence[PromotionScope],
    *,
    first_order: bool,
    email: str | None = None,
) -> PricedCart:
    """Prices lines under the given promotions (already filtered to running ones), for the
    customer with `email` (None when not known yet)."""
    cart = PricedCart(lines=list(lines))
    subtotal = cart.subtotal
    for scope in scopes:
        promotion = scope.promotion
        if subtotal < promotion.min_subtotal or (promotion.first_order_only and not first_order):
            continue
        if bound_to_other(promotion, email):
            continue
        eligible = sorted(
            (line for line in cart.lines if scope.covers(line.variant) and line.total > 0),
            key=lambda line: line.total,
        )  # the largest line last: it takes the rounding remainder
        base = sum((line.total for line in eligible), ZERO)
        if base <= 0:
            continue
        if promotion.kind == Promotion.Kind.PERCENTAGE:
            amount = money(base * promotion.value / 100)
        else:
            amount = min(money(promotion.value), base)
        if amount <= 0:
            continue
        _spread(amount, eligible)
        cart.applied.append(AppliedPromotion(promotion, amount))
    return cart_taxes_apply(cart)


def price_shipping(cart: PricedCart, method: ShippingMethod, *, country: str) -> PricedCart:
    """Adds delivery by `method` to `country` to a priced cart (rule 4). Raises
    `ShippingMethodUnavailable` when the method does not serve the country or cannot carry the
    parcel."""
    amount = (
        shipping_rate(method, goods=cart.goods_total, weight_grams=cart.weight_grams)
        if method.serves(country)
        else None
    )
    if amount is None:
        raise ShippingMethodUnavailable(
            _("%(method)s does not deliver this cart to %(country)s.")
            % {"method": method.name, "country": country.upper()},
            details=["shipping_method"],
        )
    cart.shipping = ShippingCharge(method=method, amount=money(amount))
    return shipping_taxes_apply(cart)
