"""Delivery prices through the one pricing function: per zone, per weight band, free above
the threshold, collection free."""

from decimal import Decimal

import pytest

from carts.pricing import PricedLine, price, price_shipping
from carts.shipping import shipping_options
from shop.shipping.errors import ShippingMethodUnavailable
from tests import factories
from tests.shipping.support import shipping_setup

pytestmark = pytest.mark.django_db


@pytest.fixture
def methods(settings):
    settings.SHIPPING_FREE_ABOVE = "60.00"
    return shipping_setup()


def cart_of(*items):
    lines = [
        PricedLine(
            variant=factories.VariantFactory(price=Decimal(unit), weight_grams=grams),
            quantity=quantity,
            unit_price=Decimal(unit),
        )
        for unit, grams, quantity in items
    ]
    return price(lines, [], first_order=False)


def test_flat_rate_enters_the_total(methods):
    cart = price_shipping(cart_of(("19.90", 300, 2)), methods["standard"], country="FR")
    assert cart.shipping.amount == Decimal("4.90")
    assert cart.goods_total == Decimal("39.80")
    assert cart.total == Decimal("44.70")


def test_weight_bands_pick_the_lightest_that_fits(methods):
    light = price_shipping(cart_of(("10.00", 400, 2)), methods["parcel"], country="FR")
    assert light.shipping.amount == Decimal("3.50")  # 800 g
    heavy = price_shipping(cart_of(("10.00", 400, 3)), methods["parcel"], country="FR")
    assert heavy.shipping.amount == Decimal("8.00")  # 1200 g
    with pytest.raises(ShippingMethodUnavailable):  # 6 kg: no band carries it
        price_shipping(cart_of(("10.00", 2000, 3)), methods["parcel"], country="FR")


def test_free_above_the_threshold_after_discounts(methods, settings):
    cart = price_shipping(cart_of(("30.00", 100, 2)), methods["standard"], country="FR")
    assert cart.shipping.amount == Decimal("0.00")
    assert cart.total == Decimal("60.00")
    # A method that opts out of the threshold keeps its price.
    express = price_shipping(cart_of(("30.00", 100, 2)), methods["express"], country="FR")
    assert express.shipping.amount == Decimal("12.00")
    settings.SHIPPING_FREE_ABOVE = ""
    paid = price_shipping(cart_of(("30.00", 100, 2)), methods["standard"], country="FR")
    assert paid.shipping.amount == Decimal("4.90")


def test_zone_decides_which_country_a_method_serves(methods):
    assert price_shipping(cart_of(("5.00", 0, 1)), methods["standard"], country="mc").shipping
    with pytest.raises(ShippingMethodUnavailable) as refused:
        price_shipping(cart_of(("5.00", 0, 1)), methods["standard"], country="BE")
    assert refused.value.code == "shipping_method_unavailable"
    benelux = price_shipping(cart_of(("5.00", 0, 1)), methods["benelux"], country="BE")
    assert benelux.shipping.amount == Decimal("9.90")


def test_options_list_what_serves_the_country_cheapest_first(methods):
    cart = cart_of(("10.00", 500, 1))
    options = shipping_options(cart, country="FR")
    assert [(o.method.code, o.price) for o in options] == [
        ("collect", Decimal("0.00")),
        ("fr-parcel", Decimal("3.50")),
        ("fr-standard", Decimal("4.90")),
        ("fr-express", Decimal("12.00")),
    ]
    assert [o.method.code for o in shipping_options(cart, country="LU")] == ["be-standard"]
    assert shipping_options(cart, country="US") == []
    assert cart.shipping is None  # listing prices copies, the cart is left as it was
