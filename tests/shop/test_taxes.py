"""VAT rules (shop.catalog.taxes) and their place in the one pricing function."""

from decimal import Decimal

import pytest
from django.test import override_settings
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from carts.models import Promotion
from carts.pricing import PricedLine, PromotionScope, price, price_shipping
from shop.catalog.models import Category, Product, Variant
from shop.catalog.taxes import TaxClass, rate_tax, tax_rate, taxes_compute
from shop.shipping.models import ShippingMethod, ShippingZone

D = Decimal
CLASSES = [c.value for c in TaxClass]


def test_rates_of_the_shops_country(settings):
    settings.SHOP_COUNTRY = "FR"
    assert [tax_rate(c) for c in CLASSES] == [
        D("20.00"),
        D("10.00"),
        D("5.50"),
        D("2.10"),
        D("0.00"),
    ]
    assert tax_rate(TaxClass.STANDARD, "DE") == D("19.00")


def test_a_rate_is_applied_to_the_sum_of_its_lines_not_line_by_line():
    # Three lines at 1.00 TTC: 0.1667 of VAT each; per line rounded it would be 0.51, on the sum
    # it is round(3.00 / 6) = 0.50.
    lines, breakdown = taxes_compute([(D("1.00"), D("20.00"))] * 3, included=True)
    assert [(t.rate, t.net, t.tax, t.gross) for t in breakdown] == [
        (D("20.00"), D("2.50"), D("0.50"), D("3.00"))
    ]
    assert sorted(line.tax for line in lines) == [D("0.16"), D("0.17"), D("0.17")]


def test_prices_without_vat_get_it_added():
    lines, breakdown = taxes_compute(
        [(D("10.00"), D("20.00")), (D("3.33"), D("5.50"))], included=False
    )
    assert [(t.rate, t.net, t.tax, t.gross) for t in breakdown] == [
        (D("5.50"), D("3.33"), D("0.18"), D("3.51")),
        (D("20.00"), D("10.00"), D("2.00"), D("12.00")),
    ]
    assert [line.net for line in lines] == [D("10.00"), D("3.33")]


def test_rate_tax_included_and_excluded():
    assert rate_tax(D("120.00"), D("20.00"), included=True) == D("20.00")
    assert rate_tax(D("105.50"), D("5.50"), included=True) == D("5.50")
    assert rate_tax(D("100.00"), D("2.10"), included=False) == D("2.10")


# --- the invariant, over random carts under promotions -----------------------------------------

cents = st.integers(min_value=0, max_value=50_000).map(lambda c: D(c) / 100)


def _variant(pk: int, price_: Decimal, tax_class: str) -> Variant:
    product = Product(pk=pk, name=f"P{pk}", category=Category(pk=pk % 3 + 1), tax_class=tax_class)
    product.category_id = pk % 3 + 1
    return Variant(pk=pk, product=product, sku=f"S{pk}", price=price_)


cart_lines = st.lists(
    st.tuples(cents, st.integers(min_value=1, max_value=7), st.sampled_from(CLASSES)),
    min_size=1,
    max_size=12,
)
promotions = st.lists(
    st.tuples(
        st.sampled_from([Promotion.Kind.PERCENTAGE, Promotion.Kind.FIXED]),
        st.integers(min_value=1, max_value=100),
        st.sets(st.integers(min_value=1, max_value=3), max_size=2),
    ),
    max_size=3,
)


def _scopes(specs) -> list[PromotionScope]:
    scopes = []
    for pk, (kind, value, categories) in enumerate(specs, start=1):
        promo = Promotion(pk=pk, kind=kind, value=D(value), min_subtotal=D("0"), code="")
        scopes.append(PromotionScope(promo, frozenset(categories), frozenset()))
    return scopes


def _price(lines, specs):
    return price(
        [
            PricedLine(variant=_variant(i, unit, tc), quantity=q, unit_price=unit)
            for i, (unit, q, tc) in enumerate(lines, start=1)
        ],
        _scopes(specs),
        first_order=True,
    )


@pytest.mark.parametrize("included", [True, False])
@hypothesis_settings(max_examples=300, deadline=None)
@given(lines=cart_lines, specs=promotions)
def test_breakdown_adds_up_to_the_total_to_the_cent(included, lines, specs):
    with override_settings(PRICES_INCLUDE_TAX=included):
        priced = _price(lines, specs)

    breakdown = priced.tax_lines
    # The breakdown adds up to what the customer pays, per rate and in all.
    assert sum((t.gross for t in breakdown), D("0")) == priced.total
    assert len({t.rate for t in breakdown}) == len(breakdown)
    for t in breakdown:
        assert t.net + t.tax == t.gross
        for amount in (t.net, t.tax, t.gross):
            assert amount.as_tuple().exponent == -2
            assert amount >= 0
        at_rate = [line for line in priced.lines if line.tax_rate == t.rate]
        # Line taxes and nets add up to their rate's, and the rate's tax is its exact VAT
        # rounded once.
        assert sum((line.tax for line in at_rate), D("0")) == t.tax
        assert sum((line.net for line in at_rate), D("0")) == t.net
        exact = t.gross * t.rate / (100 + t.rate) if included else t.net * t.rate / 100
        assert abs(t.tax - exact) <= D("0.005")
    for line in priced.lines:
        assert line.tax >= 0
        assert line.net + line.tax == (line.total if included else line.total + line.tax)
    if included:
        assert priced.total == priced.subtotal - priced.discount


# --- delivery: taxed at the standard rate, inside the breakdown -------------------------------


def _method(amount: Decimal) -> ShippingMethod:
    zone = ShippingZone(name="France", countries="FR")
    return ShippingMethod(
        zone=zone, code="std", name="Standard", price=amount, free_above_threshold=False
    )


@pytest.mark.parametrize("included", [True, False])
@hypothesis_settings(max_examples=300, deadline=None)
@given(lines=cart_lines, specs=promotions, delivery=cents)
def test_breakdown_with_delivery_adds_up_to_the_total_to_the_cent(included, lines, specs, delivery):
    with override_settings(PRICES_INCLUDE_TAX=included, SHOP_COUNTRY="FR"):
        priced = price_shipping(_price(lines, specs), _method(delivery), country="fr")

    charge = priced.shipping
    breakdown = priced.tax_lines
    assert sum((t.gross for t in breakdown), D("0")) == priced.total
    assert len({t.rate for t in breakdown}) == len(breakdown)
    assert priced.total == priced.goods_total + charge.gross
    # Delivery at the standard rate, its own VAT rounded once.
    assert charge.tax_rate == D("20.00")
    assert charge.net + charge.tax == charge.gross
    exact = charge.amount * 20 / 120 if included else charge.amount * 20 / 100
    assert abs(charge.tax - exact) <= D("0.005")
    assert charge.gross == (delivery if included else delivery + charge.tax)
    for t in breakdown:
        assert t.net + t.tax == t.gross
        for amount in (t.net, t.tax, t.gross):
            assert amount.as_tuple().exponent == -2
            assert amount >= 0
        # Each rate is its lines plus, at the standard rate, the delivery charge.
        at_rate = [(line.net, line.tax) for line in priced.lines if line.tax_rate == t.rate]
        if delivery and t.rate == charge.tax_rate:
            at_rate.append((charge.net, charge.tax))
        assert sum((tax for _, tax in at_rate), D("0")) == t.tax
        assert sum((net for net, _ in at_rate), D("0")) == t.net


def test_delivery_on_reduced_rate_goods_adds_a_standard_rate_line(settings):
    settings.PRICES_INCLUDE_TAX = True
    settings.SHOP_COUNTRY = "FR"
    books = [(D("21.10"), 1, TaxClass.REDUCED)]
    priced = price_shipping(_price(books, []), _method(D("6.00")), country="FR")
    assert [(t.rate, t.net, t.tax, t.gross) for t in priced.tax_lines] == [
        (D("5.50"), D("20.00"), D("1.10"), D("21.10")),
        (D("20.00"), D("5.00"), D("1.00"), D("6.00")),
    ]
    assert priced.total == D("27.10")
    # Priced again with another method (as the checkout does after listing the options), the
    # breakdown holds the new charge only.
    priced = price_shipping(priced, _method(D("12.00")), country="FR")
    assert [t.gross for t in priced.tax_lines] == [D("21.10"), D("12.00")]
    assert priced.tax_lines[1].tax == D("2.00")


def test_delivery_follows_the_shops_country(settings):
    settings.SHOP_COUNTRY = "DE"
    settings.PRICES_INCLUDE_TAX = True
    priced = price_shipping(
        _price([(D("10.00"), 1, TaxClass.STANDARD)], []), _method(D("5.95")), country="FR"
    )
    assert priced.shipping.tax_rate == D("19.00")
    assert priced.shipping.tax == D("0.95")
