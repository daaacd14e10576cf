"""`manage.py load_demo` builds a believable demo shop, keeps the ledger whole, and is
idempotent: a second run creates nothing."""

from decimal import Decimal
from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.db.models import Count, Sum

from channels_app.management.commands.load_demo import ean13
from inventory.models import Location, Stock, StockMovement
from inventory.selectors import availability_for_variants
from shop.catalog.gtin import gtin_is_valid
from shop.catalog.models import Category, Product, ProductImage, Variant
from shop.customers.models import Customer
from shop.staff.models import StaffProfile

pytestmark = pytest.mark.django_db


def _load() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def _counts() -> dict[str, int]:
    models = (
        Location,
        Category,
        Product,
        Variant,
        Stock,
        StockMovement,
        get_user_model(),
        StaffProfile,
        Customer,
        EmailAddress,
    )
    return {model.__name__: model.objects.count() for model in models}


@pytest.fixture
def demo() -> dict[str, int]:
    """Loads the demo twice; returns the counts after the first run."""
    _load()
    first = _counts()
    second_output = _load()
    assert "nothing to do" in second_output
    return first


def test_second_run_creates_nothing(demo):
    assert _counts() == demo
    assert demo["Product"] >= 40


def test_locations():
    _load()
    stores = Location.objects.filter(kind=Location.Kind.STORE)
    assert stores.count() >= 3
    assert stores.filter(click_and_collect=True).count() >= 2
    assert stores.filter(ships_online=True).count() >= 1
    warehouse = Location.objects.get(code="warehouse")
    assert warehouse.kind == Location.Kind.WAREHOUSE
    assert warehouse.ships_online
    assert not warehouse.click_and_collect
    assert set(stores.values_list("code", flat=True)) >= {"paris", "lyon", "lille"}
    assert all(location.address for location in Location.objects.all())


def test_catalog():
    _load()
    assert Category.objects.count() >= 6
    assert Product.objects.count() >= 40
    per_product = Product.objects.annotate(n=Count("variants")).values_list("n", flat=True)
    assert all(1 <= n <= 5 for n in per_product)
    for variant in Variant.objects.all():
        assert isinstance(variant.price, Decimal)
        assert variant.price > 0
        assert len(variant.barcode) == 13
        assert ean13(variant.barcode[:12]) == variant.barcode
    assert Variant.objects.filter(sku="TEE-ORG-WHT-M").exists()


def test_on_hand_is_the_sum_of_the_ledger(demo):
    ledger = {
        (row["location"], row["variant"]): row["total"]
        for row in StockMovement.objects.values("location", "variant").annotate(
            total=Sum("quantity")
        )
    }
    rows = list(Stock.objects.values("location", "variant", "on_hand", "reserved"))
    assert rows
    for row in rows:
        assert row["on_hand"] == ledger[(row["location"], row["variant"])]
        assert row["reserved"] == 0
    assert set(StockMovement.objects.values_list("kind", "reference").distinct()) == {
        (StockMovement.Kind.RECEIPT, "demo data")
    }
    assert Stock.objects.filter(safety_stock__gt=0).exists()
    assert not Stock.objects.filter(safety_stock__gt=2).exists()


def test_stock_is_uneven():
    _load()
    availability = availability_for_variants(variants=list(Variant.objects.all()))
    stores = list(Location.objects.filter(kind=Location.Kind.STORE).values_list("code", flat=True))
    gaps = [
        (sku, store)
        for sku, entry in availability.items()
        for store in stores
        if entry.locations[store] == 0 and entry.locations["warehouse"] > 0
    ]
    assert gaps
    warehouse_units = Stock.objects.filter(location__code="warehouse").aggregate(
        total=Sum("on_hand")
    )["total"]
    store_units = Stock.objects.filter(location__code__in=stores).aggregate(total=Sum("on_hand"))[
        "total"
    ]
    assert warehouse_units > store_units


def test_logins(demo):
    manager = authenticate(username="manager", password="omnistore-manager")
    assert manager is not None
    assert manager.is_staff
    assert manager.staff_profile.role == StaffProfile.Role.MANAGER
    for store in Location.objects.filter(kind=Location.Kind.STORE):
        clerk = authenticate(username=f"clerk-{store.code}", password="omnistore-clerk")
        assert clerk is not None
        assert not clerk.is_staff
        assert clerk.staff_profile.store == store
    shopper = authenticate(username="shopper", password="omnistore-shopper")
    assert shopper is not None
    # The README documents the email as the shopper's login (allauth accepts it).
    assert authenticate(username="shopper@example.com", password="omnistore-shopper") == shopper
    address = EmailAddress.objects.get(user=shopper)
    assert address.email == "shopper@example.com"
    assert address.verified
    assert address.primary
    assert shopper.customer.email == "shopper@example.com"
    assert shopper.customer.name
    assert shopper.customer.phone


def test_demo_products_have_pictures_and_valid_gtins(demo):
    assert ProductImage.objects.values("product").distinct().count() == demo["Product"]
    assert all(image.alt for image in ProductImage.objects.all())
    gtins = list(Variant.objects.values_list("gtin", flat=True))
    assert gtins
    assert all(gtin_is_valid(gtin) for gtin in gtins)
