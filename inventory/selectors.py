"""Stock reads. Availability = on hand − reserved − safety stock, never below zero, where
reservations past their expiry no longer count even if the sweeper has not released them."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import IntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from inventory.models import Location, Reservation, Stock
from shop.catalog.models import Variant


def _with_available(stocks):
    """Annotates `available` on a Stock queryset (one query, whatever the number of rows)."""
    lapsed = (
        Reservation.objects.filter(
            location=OuterRef("location_id"),
            variant=OuterRef("variant_id"),
            state=Reservation.State.ACTIVE,
            expires_at__lte=timezone.now(),
        )
        .order_by()
        .values("location", "variant")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    return stocks.annotate(
        lapsed=Coalesce(Subquery(lapsed, output_field=IntegerField()), Value(0)),
    )


def _available(row: dict) -> int:
    return max(row["on_hand"] - row["reserved"] + row["lapsed"] - row["safety_stock"], 0)


FIELDS = ("location_id", "variant_id", "on_hand", "reserved", "safety_stock", "lapsed")


def availability_at(*, location: Location, variants: Iterable[Variant]) -> dict[int, int]:
    """{variant pk: units available} at one location; variants with no stock row are absent."""
    rows = _with_available(
        Stock.objects.filter(location=location, variant__in=[v.pk for v in variants])
    ).values(*FIELDS)
    return {row["variant_id"]: _available(row) for row in rows}


@dataclass
class SkuAvailability:
    sku: str
    online: int = 0
    #: location code → available units, for every active location.
    locations: dict[str, int] = field(default_factory=dict)


def availability_for_variants(
    *, variants: Sequence[Variant], locations: Sequence[Location] | None = None
) -> dict[str, SkuAvailability]:
    """Availability of many variants at every active location, in two queries whatever their
    number; one when the caller passes the active locations it has already read."""
    if locations is None:
        locations = list(Location.objects.filter(is_active=True).order_by("kind", "code"))
    result = {
        v.sku: SkuAvailability(sku=v.sku, locations={loc.code: 0 for loc in locations})
        for v in variants
    }
    by_pk = {v.pk: v.sku for v in variants}
    by_location = {loc.pk: loc for loc in locations}
    rows = _with_available(
        Stock.objects.filter(variant__in=list(by_pk), location__in=list(by_location))
    ).values(*FIELDS)
    for row in rows:
        location = by_location[row["location_id"]]
        entry = result[by_pk[row["variant_id"]]]
        available = _available(row)
        entry.locations[location.code] = available
        if location.ships_online:
            entry.online += available
    return result
