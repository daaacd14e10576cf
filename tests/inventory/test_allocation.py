"""Delivery allocation on planted stock layouts: fewest shipments, then distance, then the
warehouse before stores, never a store's safety stock."""

from decimal import Decimal

import pytest

from inventory import services
from inventory.allocation import allocate_for_delivery
from inventory.errors import InsufficientStock
from inventory.geo import Point, distance_km, postcode_point
from inventory.models import Location, PostcodeCentroid, Stock
from tests import factories

pytestmark = pytest.mark.django_db

# Real places, so the distances are what a map says.
PARIS = (Decimal("48.85661"), Decimal("2.35222"))
LYON = (Decimal("45.76404"), Decimal("4.83566"))
LILLE = (Decimal("50.62925"), Decimal("3.05726"))
MARSEILLE = (Decimal("43.29648"), Decimal("5.36978"))


def place(code, where, *, kind="store"):
    return factories.LocationFactory(
        code=code,
        name=code.title(),
        kind=kind,
        ships_online=True,
        latitude=where[0] if where else None,
        longitude=where[1] if where else None,
    )


def plant(location, **units):
    """units: sku → quantity on hand."""
    for sku, quantity in units.items():
        variant = factories.VariantFactory(sku=sku) if not _variant(sku) else _variant(sku)
        services.stock_receive(location=location, lines=[services.StockLine(variant, quantity)])


def _variant(sku):
    from shop.catalog.models import Variant

    return Variant.objects.filter(sku=sku).first()


def plan_of(lines, **kwargs):
    """{(sku, location code): units} of the plan for lines [(sku, quantity)]."""
    plan = allocate_for_delivery([(_variant(sku), q) for sku, q in lines], **kwargs)
    return {(v.sku, loc.code): q for v, loc, q in plan}


class TestFewestShipments:
    def test_one_location_holding_every_line_beats_a_nearer_split(self):
        near_a = place("near-a", LILLE)
        near_b = place("near-b", LILLE)
        far = place("far", MARSEILLE)
        plant(near_a, A=5)
        plant(near_b, B=5)
        plant(far, A=1, B=1)
        lille = Point(50.6, 3.0)
        assert plan_of([("A", 1), ("B", 1)], destination=lille) == {
            ("A", "far"): 1,
            ("B", "far"): 1,
        }

    def test_splits_over_as_few_locations_as_needed(self):
        one = place("one", PARIS)
        two = place("two", LYON)
        three = place("three", LILLE)
        plant(one, A=2)
        plant(two, A=1, B=3)
        plant(three, C=2, A=1)
        # {two, three} holds A×2, B, C; any pair with `one` lacks B or C: two shipments.
        assert plan_of([("A", 2), ("B", 1), ("C", 1)]) == {
            ("A", "three"): 1,
            ("A", "two"): 1,
            ("B", "two"): 1,
            ("C", "three"): 1,
        }

    def test_a_line_split_when_no_location_has_it_all(self):
        wh = place("wh", PARIS, kind="warehouse")
        st = place("st", LYON)
        plant(wh, A=2)
        plant(st, A=3)
        assert plan_of([("A", 4)]) == {("A", "wh"): 2, ("A", "st"): 2}


class TestDistance:
    def test_the_nearest_of_several_complete_locations(self):
        lyon = place("lyon", LYON)
        lille = place("lille", LILLE)
        plant(lyon, A=3)
        plant(lille, A=3)
        assert plan_of([("A", 1)], destination=Point(45.7, 4.9)) == {("A", "lyon"): 1}
        assert plan_of([("A", 1)], destination=Point(50.6, 3.1)) == {("A", "lille"): 1}

    def test_the_shipping_postcode_centroid_places_the_address(self):
        lyon = place("lyon", LYON)
        lille = place("lille", LILLE)
        plant(lyon, A=3)
        plant(lille, A=3)
        PostcodeCentroid.objects.create(
            country="FR", prefix="69", latitude=Decimal("45.75"), longitude=Decimal("4.85")
        )
        address = {"postcode": "69 003", "country": "fr", "city": "Lyon"}
        assert plan_of([("A", 1)], shipping_address=address) == {("A", "lyon"): 1}

    def test_a_location_without_coordinates_comes_after_those_with(self):
        nowhere = place("aaa-nowhere", None)
        far = place("far", MARSEILLE)
        plant(nowhere, A=3)
        plant(far, A=3)
        assert plan_of([("A", 1)], destination=Point(50.6, 3.1)) == {("A", "far"): 1}


class TestWarehouseFirstAndSafetyStock:
    def test_the_warehouse_before_a_store_at_the_same_distance(self):
        store = place("a-store", PARIS)
        wh = place("z-wh", PARIS, kind="warehouse")
        plant(store, A=3)
        plant(wh, A=3)
        assert plan_of([("A", 2)], destination=Point(48.8, 2.3)) == {("A", "z-wh"): 2}

    def test_without_any_address_the_warehouse_first(self):
        store = place("a-store", None)
        wh = place("z-wh", None, kind="warehouse")
        plant(store, A=3)
        plant(wh, A=3)
        assert plan_of([("A", 1)]) == {("A", "z-wh"): 1}

    def test_never_promises_a_stores_safety_stock(self):
        near = place("near", PARIS)
        far = place("far", MARSEILLE)
        plant(near, A=3)
        plant(far, A=3)
        Stock.objects.filter(location=near).update(safety_stock=2)
        # near may promise 1 unit only: two units come from far, in one shipment.
        assert plan_of([("A", 2)], destination=Point(48.8, 2.3)) == {("A", "far"): 2}
        with pytest.raises(InsufficientStock) as caught:
            plan_of([("A", 5)], destination=Point(48.8, 2.3))
        assert caught.value.details == [{"sku": "A", "requested": 5, "available": 4}]

    def test_locations_that_do_not_ship_online_are_left_out(self):
        shop_only = place("shop-only", PARIS)
        Location.objects.filter(pk=shop_only.pk).update(ships_online=False)
        plant(shop_only, A=3)
        with pytest.raises(InsufficientStock):
            plan_of([("A", 1)])


class TestGeo:
    def test_distance_paris_lyon(self):
        km = distance_km(Point(*map(float, PARIS)), Point(*map(float, LYON)))
        assert 385 < km < 400

    def test_longest_known_prefix_wins(self):
        PostcodeCentroid.objects.create(
            country="GB", prefix="SW", latitude=Decimal("51.4"), longitude=Decimal("-0.2")
        )
        PostcodeCentroid.objects.create(
            country="GB", prefix="SW1A", latitude=Decimal("51.501"), longitude=Decimal("-0.141")
        )
        assert postcode_point(country="GB", postcode="sw1a 1aa") == Point(51.501, -0.141)
        assert postcode_point(country="GB", postcode="SW9 8AA") == Point(51.4, -0.2)
        assert postcode_point(country="GB", postcode="E1 6AN") is None


def test_the_demo_shop_allocates_by_distance():
    import io

    from django.core.management import call_command

    call_command("load_demo", stdout=io.StringIO())
    assert not Location.objects.filter(latitude__isnull=True).exists()
    lyon_address = postcode_point(country="FR", postcode="69002")
    assert lyon_address is not None
    lyon = Location.objects.get(code="lyon")
    assert distance_km(lyon_address, Point(float(lyon.latitude), float(lyon.longitude))) < 5
