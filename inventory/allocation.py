"""Where a delivery order's units come from: the one rule, `allocate_for_delivery`.

1. As few shipments as possible: one location holding every line beats a split.
2. Then the nearest locations to the delivery address (postcode centroid, `inventory.geo`).
3. Then warehouses before stores, then location codes (so the answer is always the same).
A store's safety stock is never promised: only available units count (on hand − reserved −
safety stock, `inventory.selectors`).
"""

import itertools
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext

from inventory.errors import InsufficientStock
from inventory.geo import Point, address_point, distance_between
from inventory.models import Location
from inventory.selectors import availability_for_variants
from shop.catalog.models import Variant

#: Sets of up to this many locations are searched exhaustively for the fewest shipments;
#: past it (a split over more locations) locations are added greedily.
EXHAUSTIVE_SET_SIZE = 3
#: The distance counted for a location without coordinates (or an unknown address): after
#: every location whose distance is known.
UNKNOWN_DISTANCE_KM = 100_000.0

Plan = list[tuple[Variant, Location, int]]


def shipping_locations() -> list[Location]:
    """Active locations that ship online, warehouses first, then stores by code."""
    locations = Location.objects.filter(is_active=True, ships_online=True)
    return sorted(locations, key=lambda loc: (loc.kind != Location.Kind.WAREHOUSE, loc.code))


@dataclass(frozen=True)
class _Candidate:
    location: Location
    distance: float
    #: variant pk → units it may ship
    free: dict[int, int]

    @property
    def rank(self) -> tuple:
        return (self.distance, self.location.kind != Location.Kind.WAREHOUSE, self.location.code)


def _covers(group: Sequence[_Candidate], wanted: dict[int, int]) -> bool:
    return all(sum(c.free.get(v, 0) for c in group) >= q for v, q in wanted.items())


def _group_key(group: Sequence[_Candidate]) -> tuple:
    stores = sum(c.location.kind != Location.Kind.WAREHOUSE for c in group)
    return (sum(c.distance for c in group), stores, sorted(c.location.code for c in group))


def _fewest_locations(candidates: list[_Candidate], wanted: dict[int, int]) -> list[_Candidate]:
    """The smallest set of candidates that holds every wanted unit, nearest first on ties."""
    for size in range(1, min(EXHAUSTIVE_SET_SIZE, len(candidates)) + 1):
        groups = [g for g in itertools.combinations(candidates, size) if _covers(g, wanted)]
        if groups:
            return list(min(groups, key=_group_key))
    # A split over many locations: each step adds the location that ships most of what is left.
    chosen: list[_Candidate] = []
    left = dict(wanted)
    pool = sorted(candidates, key=lambda c: c.rank)
    while any(left.values()):
        best = max(pool, key=lambda c: sum(min(c.free.get(v, 0), q) for v, q in left.items()))
        pool.remove(best)
        chosen.append(best)
        for variant_id in left:
            left[variant_id] -= min(best.free.get(variant_id, 0), left[variant_id])
    return chosen


def allocate_for_delivery(
    lines: Sequence[tuple[Variant, int]],
    *,
    shipping_address: dict[str, Any] | None = None,
    destination: Point | None = None,
) -> Plan:
    """Plans which shipping location sends how many units of each line (see the module's rules).

    Reads availability only: the reservation that follows is what checks and takes.
    `destination` (or the centroid of `shipping_address`'s postcode) orders by distance.
    """
    wanted: dict[int, int] = defaultdict(int)
    variants: dict[int, Variant] = {}
    for variant, quantity in lines:
        wanted[variant.pk] += quantity
        variants[variant.pk] = variant
    if destination is None:
        destination = address_point(shipping_address)
    locations = shipping_locations()
    available = availability_for_variants(variants=list(variants.values()))
    short = []
    for variant_id, quantity in wanted.items():
        online = sum(
            available[variants[variant_id].sku].locations.get(loc.code, 0) for loc in locations
        )
        if online < quantity:
            short.append(
                {"sku": variants[variant_id].sku, "requested": quantity, "available": online}
            )
    if short:
        skus = ", ".join(d["sku"] for d in short)
        raise InsufficientStock(
            gettext("Not enough stock online for %(skus)s.") % {"skus": skus}, details=short
        )

    candidates = []
    for location in locations:
        free = {
            v: available[variants[v].sku].locations.get(location.code, 0)
            for v in wanted
            if available[variants[v].sku].locations.get(location.code, 0) > 0
        }
        if free:
            distance = distance_between(location, destination)
            candidates.append(
                _Candidate(location, UNKNOWN_DISTANCE_KM if distance is None else distance, free)
            )
    chosen = sorted(_fewest_locations(candidates, dict(wanted)), key=lambda c: c.rank)
    plan: Plan = []
    for variant_id, quantity in wanted.items():
        left = quantity
        for candidate in chosen:
            take = min(left, candidate.free.get(variant_id, 0))
            if take:
                plan.append((variants[variant_id], candidate.location, take))
                left -= take
            if not left:
                break
    return plan
