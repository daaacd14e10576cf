"""Distances between locations and to delivery addresses, as the crow flies.

A delivery address is placed at the centroid of its postcode (or of the longest prefix of it
that is known, `PostcodeCentroid`), which is precise enough to choose the nearest location.
"""

import math
from dataclasses import dataclass
from typing import Any

from inventory.models import Location, PostcodeCentroid

EARTH_RADIUS_KM = 6371.0


@dataclass(frozen=True)
class Point:
    latitude: float
    longitude: float


def distance_km(a: Point, b: Point) -> float:
    """The great-circle (haversine) distance between two points."""
    lat1, lat2 = math.radians(a.latitude), math.radians(b.latitude)
    dlat = lat2 - lat1
    dlon = math.radians(b.longitude - a.longitude)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def location_point(location: Location) -> Point | None:
    if location.latitude is None or location.longitude is None:
        return None
    return Point(float(location.latitude), float(location.longitude))


def normalise_postcode(postcode: str) -> str:
    return "".join(postcode.split()).upper()


def postcode_point(*, country: str, postcode: str) -> Point | None:
    """The centroid of the longest known prefix of `postcode` (one query), None if unknown."""
    code = normalise_postcode(postcode)
    if not code or not country:
        return None
    prefixes = [code[:n] for n in range(len(code), 0, -1)]
    known = {
        row.prefix: row
        for row in PostcodeCentroid.objects.filter(country=country.upper(), prefix__in=prefixes)
    }
    for prefix in prefixes:
        if prefix in known:
            row = known[prefix]
            return Point(float(row.latitude), float(row.longitude))
    return None


def address_point(address: dict[str, Any] | None) -> Point | None:
    """Where a shipping address (`{"postcode", "country", ...}`) is, if its postcode is known."""
    if not address:
        return None
    return postcode_point(
        country=str(address.get("country") or ""), postcode=str(address.get("postcode") or "")
    )


def distance_between(location: Location, point: Point | None) -> float | None:
    """None when either end has no position."""
    here = location_point(location)
    if here is None or point is None:
        return None
    return distance_km(here, point)
