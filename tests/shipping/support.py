"""Zones and methods for the shipping tests: France (flat and by weight), Belgium (flat),
and collection in French stores."""

from decimal import Decimal

from shop.shipping.models import ShippingMethod, ShippingZone, WeightBand


def shipping_setup() -> dict[str, ShippingMethod]:
    france = ShippingZone.objects.create(name="France", countries="fr, mc")
    belgium = ShippingZone.objects.create(name="Benelux", countries="BE,LU")
    standard = ShippingMethod.objects.create(
        zone=france, code="fr-standard", name="Standard", price=Decimal("4.90"), position=1
    )
    parcel = ShippingMethod.objects.create(
        zone=france, code="fr-parcel", name="Parcel by weight", kind=ShippingMethod.Kind.WEIGHT
    )
    WeightBand.objects.create(method=parcel, up_to_grams=1000, price=Decimal("3.50"))
    WeightBand.objects.create(method=parcel, up_to_grams=5000, price=Decimal("8.00"))
    express = ShippingMethod.objects.create(
        zone=france,
        code="fr-express",
        name="Express",
        price=Decimal("12.00"),
        free_above_threshold=False,
        position=2,
    )
    benelux = ShippingMethod.objects.create(
        zone=belgium, code="be-standard", name="Benelux standard", price=Decimal("9.90")
    )
    collect = ShippingMethod.objects.create(
        zone=france, code="collect", name="Collect in store", kind=ShippingMethod.Kind.COLLECT
    )
    return {
        "standard": standard,
        "parcel": parcel,
        "express": express,
        "benelux": benelux,
        "collect": collect,
    }
