"""Pricing of a cart under promotions (carts.pricing and the service that feeds it)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from hypothesis import example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from carts.errors import InvalidPromotionCode
from carts.models import Cart, Promotion
from carts.pricing import PricedLine, PromotionScope, money, price
from carts.services import (
    cart_anonymous_new,
    cart_for_customer,
    cart_line_add,
    cart_price,
    cart_promotion_code_apply,
    cart_promotion_code_remove,
    cart_with_lines,
)
from shop.catalog.models import Product, Variant
from shop.orders.models import Order
from tests import factories
from tests.carts.support import promotion

PERCENTAGE = Promotion.Kind.PERCENTAGE
FIXED = Promotion.Kind.FIXED
D = Decimal


def make_cart(lines, customer=None):
    """A cart holding `lines` [(variant, quantity)], through the cart service."""
    cart = cart_for_customer(customer=customer) if customer else cart_anonymous_new()
    for variant, quantity in lines:
        cart_line_add(cart=cart, sku=variant.sku, quantity=quantity, channel="web")
    return cart


def priced(cart, customer=None):
    return cart_price(cart_with_lines(cart.pk), customer=customer)


def by_sku(priced_cart) -> dict[str, tuple[Decimal, Decimal]]:
    """{sku: (line discount, line total)}."""
    return {line.variant.sku: (line.discount, line.total) for line in priced_cart.lines}


def assert_two_places(*amounts: Decimal) -> None:
    for amount in amounts:
        assert isinstance(amount, Decimal)
        assert amount.as_tuple().exponent == -2, amount


# --- the rules, through the cart service ------------------------------------------------------


class TestKinds:
    def test_percentage_takes_its_share_of_the_cart(self, tee, mug):
        promotion(kind=PERCENTAGE, value="10")
        cart = make_cart([(tee, 2), (mug, 1)])  # 39.80 + 7.50

        result = priced(cart)

        assert (result.subtotal, result.discount, result.total) == (
            D("47.30"),
            D("4.73"),
            D("42.57"),
        )
        assert by_sku(result) == {
            "TEE-M": (D("3.98"), D("35.82")),
            "MUG-1": (D("0.75"), D("6.75")),
        }

    def test_percentage_rounds_half_up_to_the_cent(self, mug):
        promotion(kind=PERCENTAGE, value="15")
        cart = make_cart([(mug, 1)])  # 15 % of 7.50 = 1.125

        assert priced(cart).discount == D("1.13")

    def test_fixed_amount_is_spread_in_proportion(self, tee, mug):
        promotion(kind=FIXED, value="5.00")
        cart = make_cart([(tee, 2), (mug, 1)])

        result = priced(cart)

        assert (result.discount, result.total) == (D("5.00"), D("42.30"))
        # 5.00 × 7.50 / 47.30 = 0.79; the largest line takes the rest.
        assert by_sku(result) == {
            "MUG-1": (D("0.79"), D("6.71")),
            "TEE-M": (D("4.21"), D("35.59")),
        }

    def test_no_promotion_no_discount(self, tee):
        result = priced(make_cart([(tee, 3)]))

        assert (result.subtotal, result.discount, result.total) == (
            D("59.70"),
            D("0.00"),
            D("59.70"),
        )
        assert result.applied == []


class TestAutomaticAndCode:
    def test_automatic_promotion_needs_no_code(self, tee):
        auto = promotion(kind=FIXED, value="2.00")

        result = priced(make_cart([(tee, 1)]))

        assert result.discount == D("2.00")
        assert [(a.promotion, a.amount) for a in result.applied] == [(auto, D("2.00"))]

    def test_code_promotion_applies_only_once_entered(self, tee):
        promotion(kind=FIXED, value="3.00", code="SAVE3")
        cart = make_cart([(tee, 1)])
        assert priced(cart).discount == D("0.00")

        cart_promotion_code_apply(cart=cart, code=" save3 ")

        result = priced(cart)
        assert result.discount == D("3.00")
        assert result.total == D("16.90")

    def test_removed_code_no_longer_applies(self, tee):
        promotion(kind=FIXED, value="3.00", code="SAVE3")
        cart = make_cart([(tee, 1)])
        cart_promotion_code_apply(cart=cart, code="SAVE3")
        touched = Cart.objects.get(pk=cart.pk).updated_at

        cart_promotion_code_remove(cart=cart, code="save3")

        assert priced(cart).discount == D("0.00")
        assert not cart.promotions.exists()
        assert (
            Cart.objects.get(pk=cart.pk).updated_at > touched
        )  # a checkout priced before: refused

    def test_inactive_automatic_promotion_does_not_apply(self, tee):
        promotion(kind=FIXED, value="2.00", is_active=False)

        assert priced(make_cart([(tee, 1)])).discount == D("0.00")


class TestScope:
    def test_category_scope_discounts_only_that_category(self, tee, cap, mug, clothes):
        promotion(kind=PERCENTAGE, value="50", categories=[clothes])
        cart = make_cart([(tee, 1), (cap, 1), (mug, 2)])

        result = priced(cart)

        assert by_sku(result) == {
            "TEE-M": (D("9.95"), D("9.95")),
            "CAP-1": (D("6.00"), D("6.00")),
            "MUG-1": (D("0.00"), D("15.00")),
        }
        assert result.discount == D("15.95")

    def test_variant_scope_discounts_only_that_variant(self, tee, cap, mug):
        promotion(kind=FIXED, value="1.00", variants=[cap])
        cart = make_cart([(tee, 1), (cap, 2), (mug, 1)])

        result = priced(cart)

        assert by_sku(result) == {
            "TEE-M": (D("0.00"), D("19.90")),
            "CAP-1": (D("1.00"), D("23.00")),
            "MUG-1": (D("0.00"), D("7.50")),
        }

    def test_categories_and_variants_together_cover_either(self, tee, cap, mug, kitchen):
        promotion(kind=PERCENTAGE, value="10", categories=[kitchen], variants=[cap])
        cart = make_cart([(tee, 1), (cap, 1), (mug, 1)])

        assert by_sku(priced(cart)) == {
            "TEE-M": (D("0.00"), D("19.90")),
            "CAP-1": (D("1.20"), D("10.80")),
            "MUG-1": (D("0.75"), D("6.75")),
        }

    def test_scope_outside_the_cart_gives_nothing(self, tee, kitchen):
        promotion(kind=FIXED, value="5.00", categories=[kitchen])

        result = priced(make_cart([(tee, 1)]))

        assert result.discount == D("0.00")
        assert result.applied == []


class TestDates:
    @pytest.mark.parametrize(
        ("starts", "ends", "applies"),
        [
            (None, None, True),
            (-1, None, True),
            (None, 1, True),
            (-1, 1, True),
            (1, None, False),  # not started yet
            (None, -1, False),  # over
            (-2, -1, False),
        ],
    )
    def test_only_a_running_promotion_applies(self, tee, starts, ends, applies):
        now = timezone.now()
        promotion(
            kind=FIXED,
            value="2.00",
            starts_at=now + timedelta(hours=starts) if starts is not None else None,
            ends_at=now + timedelta(hours=ends) if ends is not None else None,
        )

        assert priced(make_cart([(tee, 1)])).discount == (D("2.00") if applies else D("0.00"))

    def test_code_entered_while_running_stops_when_it_ends(self, tee):
        code = promotion(kind=FIXED, value="2.00", code="SOON-OVER")
        cart = make_cart([(tee, 1)])
        cart_promotion_code_apply(cart=cart, code="SOON-OVER")
        assert priced(cart).discount == D("2.00")

        Promotion.objects.filter(pk=code.pk).update(ends_at=timezone.now() - timedelta(seconds=1))

        assert priced(cart).discount == D("0.00")

    @pytest.mark.parametrize(
        "fields",
        [
            {"ends_at": -1},
            {"starts_at": 1},
            {"is_active": False},
        ],
    )
    def test_code_not_running_cannot_be_entered(self, tee, fields):
        now = timezone.now()
        dated = {
            name: now + timedelta(hours=value) if name.endswith("_at") else value
            for name, value in fields.items()
        }
        promotion(kind=FIXED, value="2.00", code="NOPE", **dated)
        cart = make_cart([(tee, 1)])

        with pytest.raises(InvalidPromotionCode):
            cart_promotion_code_apply(cart=cart, code="NOPE")

        assert list(cart.promotions.all()) == []


class TestMinimumSubtotal:
    @pytest.mark.parametrize(
        ("minimum", "discount"),
        [("39.80", D("4.00")), ("39.79", D("4.00")), ("39.81", D("0.00"))],
    )
    def test_applies_from_the_minimum_on(self, tee, minimum, discount):
        promotion(kind=FIXED, value="4.00", min_subtotal=D(minimum))

        assert priced(make_cart([(tee, 2)])).discount == discount

    def test_minimum_is_the_whole_cart_subtotal_not_the_scope(self, tee, mug, kitchen):
        promotion(kind=FIXED, value="1.00", categories=[kitchen], min_subtotal=D("20.00"))

        result = priced(make_cart([(tee, 1), (mug, 1)]))  # 27.40 in all, 7.50 of kitchen

        assert by_sku(result)["MUG-1"] == (D("1.00"), D("6.50"))


class TestUsageLimit:
    def test_code_used_up_cannot_be_entered(self, tee):
        promotion(kind=FIXED, value="2.00", code="ONCE", usage_limit=1, times_used=1)
        cart = make_cart([(tee, 1)])

        with pytest.raises(InvalidPromotionCode):
            cart_promotion_code_apply(cart=cart, code="ONCE")

    def test_code_with_uses_left_applies(self, tee):
        promotion(kind=FIXED, value="2.00", code="TWICE", usage_limit=2, times_used=1)
        cart = make_cart([(tee, 1)])
        cart_promotion_code_apply(cart=cart, code="TWICE")

        assert priced(cart).discount == D("2.00")

    def test_code_in_the_cart_stops_pricing_once_used_up(self, tee):
        code = promotion(kind=FIXED, value="2.00", code="LAST", usage_limit=1)
        cart = make_cart([(tee, 1)])
        cart_promotion_code_apply(cart=cart, code="LAST")
        assert priced(cart).discount == D("2.00")

        Promotion.objects.filter(pk=code.pk).update(times_used=1)  # another order took it

        assert priced(cart).discount == D("0.00")

    def test_automatic_promotion_used_up_no_longer_applies(self, tee):
        promotion(kind=FIXED, value="2.00", usage_limit=3, times_used=3)

        result = priced(make_cart([(tee, 1)]))

        assert result.discount == D("0.00")
        assert result.applied == []


class TestFirstOrderOnly:
    @pytest.fixture
    def welcome(self, db):
        return promotion(kind=PERCENTAGE, value="20", first_order_only=True)

    def test_customer_without_an_order_gets_it(self, welcome, tee):
        customer = factories.CustomerFactory()

        assert priced(make_cart([(tee, 1)], customer)).discount == D("3.98")

    def test_customer_with_a_placed_order_does_not(self, welcome, tee):
        customer = factories.CustomerFactory()
        factories.OrderFactory(customer=customer, status=Order.Status.PLACED)

        assert priced(make_cart([(tee, 1)], customer)).discount == D("0.00")

    @pytest.mark.parametrize("status", [Order.Status.PENDING_PAYMENT, Order.Status.PAYMENT_FAILED])
    def test_checkout_attempts_that_never_placed_do_not_count(self, welcome, tee, status):
        customer = factories.CustomerFactory()
        factories.OrderFactory(customer=customer, status=status)

        assert priced(make_cart([(tee, 1)], customer)).discount == D("3.98")

    def test_anonymous_cart_gets_it(self, welcome, tee):
        assert priced(make_cart([(tee, 1)])).discount == D("3.98")

    def test_priced_for_the_customer_given_at_checkout(self, welcome, tee):
        """An anonymous cart priced for the customer known by the checkout email."""
        returning = factories.CustomerFactory()
        factories.OrderFactory(customer=returning, status=Order.Status.COLLECTED)
        cart = make_cart([(tee, 1)])

        assert priced(cart, customer=returning).discount == D("0.00")


class TestStacking:
    def test_automatic_before_code_whatever_the_ids(self, tee, mug):
        code = promotion(kind=FIXED, value="10.00", code="TEN")  # the lower id
        auto = promotion(kind=PERCENTAGE, value="50")
        cart = make_cart([(tee, 5), (mug, 1)])  # 99.50 + 7.50 = 107.00
        cart_promotion_code_apply(cart=cart, code="TEN")

        result = priced(cart)

        # 50 % of 107.00 = 53.50, then 10.00 off the 53.50 left (code first would give 58.50).
        assert [(a.promotion, a.amount) for a in result.applied] == [
            (auto, D("53.50")),
            (code, D("10.00")),
        ]
        assert (result.discount, result.total) == (D("63.50"), D("43.50"))

    def test_automatic_ones_in_id_order_each_on_what_is_left(self, tee):
        first = promotion(kind=FIXED, value="10.00")
        second = promotion(kind=PERCENTAGE, value="50")
        cart = make_cart([(tee, 5)])  # 99.50

        result = priced(cart)

        # 10.00, then half of 89.50 (the other way round: 49.75 + 10.00).
        assert [(a.promotion, a.amount) for a in result.applied] == [
            (first, D("10.00")),
            (second, D("44.75")),
        ]
        assert result.total == D("44.75")

    def test_codes_in_id_order(self, tee):
        first = promotion(kind=PERCENTAGE, value="10", code="TENPC")
        second = promotion(kind=FIXED, value="5.00", code="FIVE")
        cart = make_cart([(tee, 5)])
        cart_promotion_code_apply(cart=cart, code="FIVE")  # entered first, applied second
        cart_promotion_code_apply(cart=cart, code="TENPC")

        result = priced(cart)

        assert [(a.promotion, a.amount) for a in result.applied] == [
            (first, D("9.95")),
            (second, D("5.00")),
        ]

    def test_second_promotion_sees_the_line_the_first_reduced(self, tee, mug):
        promotion(kind=PERCENTAGE, value="100", variants=[mug])
        later = promotion(kind=FIXED, value="30.00")
        cart = make_cart([(tee, 1), (mug, 1)])

        result = priced(cart)

        # The mug is free already, so the 30.00 can only take the tee's 19.90.
        assert by_sku(result) == {"TEE-M": (D("19.90"), D("0.00")), "MUG-1": (D("7.50"), D("0.00"))}
        assert result.applied[-1].promotion == later
        assert result.applied[-1].amount == D("19.90")
        assert result.total == D("0.00")


class TestFixedNeverExceedsEligible:
    def test_capped_at_the_scoped_lines(self, tee, mug):
        promotion(kind=FIXED, value="50.00", variants=[mug])
        cart = make_cart([(tee, 2), (mug, 1)])

        result = priced(cart)

        assert result.discount == D("7.50")
        assert by_sku(result) == {"TEE-M": (D("0.00"), D("39.80")), "MUG-1": (D("7.50"), D("0.00"))}
        assert result.applied[0].amount == D("7.50")

    def test_capped_at_the_whole_cart(self, tee, mug):
        promotion(kind=FIXED, value="1000.00")

        result = priced(make_cart([(tee, 2), (mug, 1)]))

        assert (result.subtotal, result.discount, result.total) == (
            D("47.30"),
            D("47.30"),
            D("0.00"),
        )
        assert all(line.total == D("0.00") for line in result.lines)


# --- rounding, on the pure pricing function ----------------------------------------------------


def _variant(pk: int, category: int = 1, unit_price: str = "10.00") -> Variant:
    return Variant(
        pk=pk, sku=f"V{pk}", price=D(unit_price), product=Product(pk=pk, category_id=category)
    )


def _line(pk: int, unit_price: str, quantity: int = 1, category: int = 1) -> PricedLine:
    return PricedLine(
        variant=_variant(pk, category, unit_price), quantity=quantity, unit_price=D(unit_price)
    )


def _scope(pk: int, kind: str, value: str, *, categories=(), variants=(), **fields):
    fields.setdefault("min_subtotal", D("0"))
    return PromotionScope(
        promotion=Promotion(pk=pk, name=f"P{pk}", kind=kind, value=D(value), **fields),
        category_ids=frozenset(categories),
        variant_ids=frozenset(variants),
    )


class TestRounding:
    def test_three_dimes_at_33_percent(self):
        lines = [_line(pk, "0.10") for pk in (1, 2, 3)]

        cart = price(lines, [_scope(1, PERCENTAGE, "33")], first_order=True)

        assert cart.discount == D("0.10")  # 33 % of 0.30 = 0.099
        assert [line.discount for line in cart.lines] == [D("0.03"), D("0.03"), D("0.04")]
        assert [line.total for line in cart.lines] == [D("0.07"), D("0.07"), D("0.06")]
        assert cart.total == D("0.20")

    def test_one_cent_off_three_equal_lines(self):
        lines = [_line(pk, "1.00") for pk in (1, 2, 3)]

        cart = price(lines, [_scope(1, FIXED, "0.01")], first_order=True)

        assert sorted(line.discount for line in cart.lines) == [D("0.00"), D("0.00"), D("0.01")]
        assert cart.total == D("2.99")

    def test_many_lines_rounded_down_never_push_the_last_below_zero(self):
        """90 % of ten 0.06 lines is 0.54; each line's share 0.054 rounds to 0.05, so the last
        line cannot take the whole 0.09 remainder (it only costs 0.06)."""
        lines = [_line(pk, "0.06") for pk in range(1, 11)]

        cart = price(lines, [_scope(1, PERCENTAGE, "90")], first_order=True)

        assert cart.discount == D("0.54")
        assert sum(line.discount for line in cart.lines) == D("0.54")
        assert min(line.total for line in cart.lines) >= D("0.00")
        assert cart.total == D("0.06")

    def test_promotion_below_its_minimum_is_skipped(self):
        lines = [_line(1, "5.00")]

        cart = price(lines, [_scope(1, FIXED, "1.00", min_subtotal=D("5.01"))], first_order=True)

        assert cart.discount == D("0.00")

    def test_first_order_only_needs_a_first_order(self):
        scope = _scope(1, FIXED, "1.00", first_order_only=True)

        assert price([_line(1, "5.00")], [scope], first_order=False).discount == D("0.00")
        assert price([_line(1, "5.00")], [scope], first_order=True).discount == D("1.00")


def cents(value: int) -> Decimal:
    return D(value).scaleb(-2)


CENTS = st.integers(0, 100_000).map(cents)


@st.composite
def cart_lines(draw) -> list[tuple[Decimal, int, int]]:
    """[(unit price, quantity, category)]. Each cart draws its own scale, so carts made only of
    lines of a few cents (where rounding bites hardest) come up as often as mixed ones."""
    top = draw(st.sampled_from([10, 30, 200, 100_000]))
    most = draw(st.sampled_from([1, 3, 50]))
    return draw(
        st.lists(
            st.tuples(st.integers(0, top).map(cents), st.integers(1, most), st.integers(1, 3)),
            min_size=1,
            max_size=20,
        )
    )


LINES = cart_lines()
PROMOTIONS = st.lists(
    st.tuples(
        st.sampled_from([PERCENTAGE, FIXED]),
        st.one_of(st.integers(1, 100), st.integers(8_000, 10_000), st.integers(1, 100_000)).map(
            lambda c: D(c).scaleb(-2)
        ),
        st.sets(st.integers(1, 3), max_size=2),  # categories in scope
        st.sets(st.integers(1, 15), max_size=3),  # variants in scope
        st.sampled_from([D("0"), D("10.00"), D("100.00")]),  # minimum subtotal
    ),
    max_size=4,
)


def _build(lines_spec, promotions_spec):
    lines = [
        PricedLine(variant=_variant(pk, category, str(unit)), quantity=quantity, unit_price=unit)
        for pk, (unit, quantity, category) in enumerate(lines_spec, start=1)
    ]
    scopes = []
    for pk, (kind, value, categories, variants, minimum) in enumerate(promotions_spec, start=1):
        if kind == PERCENTAGE:
            value = min(value, D("100.00"))
        scopes.append(
            _scope(
                pk, kind, str(value), categories=categories, variants=variants, min_subtotal=minimum
            )
        )
    return lines, scopes


class TestPricingProperties:
    @hypothesis_settings(max_examples=400, deadline=None)
    @given(lines_spec=LINES, promotions_spec=PROMOTIONS)
    @example(
        lines_spec=[(D("0.06"), 1, 1)] * 10,
        promotions_spec=[(PERCENTAGE, D("90"), set(), set(), D("0"))],
    )
    @example(
        lines_spec=[(D("0.10"), 1, 1)] * 3,
        promotions_spec=[(PERCENTAGE, D("33"), set(), set(), D("0"))],
    )
    def test_line_discounts_add_up_and_no_line_goes_below_zero(self, lines_spec, promotions_spec):
        lines, scopes = _build(lines_spec, promotions_spec)

        cart = price(lines, scopes, first_order=True)

        for line in cart.lines:
            assert_two_places(line.subtotal, line.discount, line.total)
            assert line.discount >= 0
            assert line.total >= 0
            assert line.total == line.subtotal - line.discount
        assert_two_places(cart.subtotal, cart.discount, cart.total)
        assert cart.subtotal == sum((money(u * q) for u, q, _ in lines_spec), D("0.00"))
        assert cart.discount == sum((line.discount for line in cart.lines), D("0.00"))
        assert cart.discount == sum((a.amount for a in cart.applied), D("0.00"))
        assert cart.total == cart.subtotal - cart.discount
        assert D("0.00") <= cart.total <= cart.subtotal
        for applied in cart.applied:
            assert_two_places(applied.amount)
            assert applied.amount > 0

    @hypothesis_settings(max_examples=300, deadline=None)
    @given(
        unit=st.integers(1, 10).map(cents),
        count=st.integers(2, 30),
        kind=st.sampled_from([PERCENTAGE, FIXED]),
        depth=st.integers(1, 9_999).map(cents),
    )
    def test_many_equal_lines_of_a_few_cents(self, unit, count, kind, depth):
        """Where rounding bites hardest: every line's share rounds the same way."""
        lines_spec = [(unit, 1, 1)] * count
        lines, _ = _build(lines_spec, [])
        subtotal = sum((line.subtotal for line in lines), D("0.00"))
        value = depth if kind == PERCENTAGE else max(money(subtotal * depth / 100), D("0.01"))

        cart = price(lines, [_scope(1, kind, str(value))], first_order=True)

        expected = money(subtotal * value / 100) if kind == PERCENTAGE else min(value, subtotal)
        assert cart.discount == expected
        assert [a.amount for a in cart.applied] == ([expected] if expected else [])
        assert sum((line.discount for line in cart.lines), D("0.00")) == cart.discount
        assert [line for line in cart.lines if line.total < 0] == []
        assert [line for line in cart.lines if line.discount < 0] == []
        assert cart.total == cart.subtotal - cart.discount

    @hypothesis_settings(max_examples=200, deadline=None)
    @given(
        lines_spec=LINES,
        percent=st.integers(min_value=1, max_value=10_000).map(lambda c: D(c).scaleb(-2)),
    )
    def test_one_whole_cart_percentage_is_that_share_of_the_subtotal(self, lines_spec, percent):
        lines, _ = _build(lines_spec, [])
        scope = _scope(1, PERCENTAGE, str(percent))

        cart = price(lines, [scope], first_order=True)

        assert cart.discount == money(cart.subtotal * percent / 100)
        assert cart.total == cart.subtotal - cart.discount
        assert all(line.total >= 0 for line in cart.lines)

    @hypothesis_settings(max_examples=200, deadline=None)
    @given(lines_spec=LINES, amount=CENTS)
    def test_one_fixed_amount_takes_at_most_the_subtotal(self, lines_spec, amount):
        lines, _ = _build(lines_spec, [])
        cart = price(lines, [_scope(1, FIXED, str(max(amount, D("0.01"))))], first_order=True)

        assert cart.discount == min(max(amount, D("0.01")), cart.subtotal)
        assert all(line.total >= 0 for line in cart.lines)
