"""Where the demo locations are, and the centroids of a few French postcode areas, so the demo
shop allocates delivery orders and pick-failure transfers by distance."""

from decimal import Decimal

from inventory.models import Location, PostcodeCentroid

#: location code → (latitude, longitude)
LOCATION_POINTS = {
    "warehouse": ("47.94790", "1.87100"),  # Saran, by Orléans
    "paris": ("48.85780", "2.36040"),
    "lyon": ("45.76000", "4.83590"),
    "lille": ("50.64070", "3.06270"),
}

#: French département (first two postcode digits) → centroid of its main city
DEPARTMENT_POINTS = {
    "13": ("43.29650", "5.36980"),
    "31": ("43.60470", "1.44420"),
    "33": ("44.83780", "-0.57920"),
    "44": ("47.21840", "-1.55360"),
    "45": ("47.90290", "1.90930"),
    "59": ("50.62920", "3.05730"),
    "67": ("48.57340", "7.75210"),
    "69": ("45.76400", "4.83570"),
    "75": ("48.85660", "2.35220"),
    "92": ("48.89240", "2.23600"),
    "93": ("48.91380", "2.48450"),
    "94": ("48.79040", "2.45560"),
}


def ensure_demo_geo() -> None:
    """Fills coordinates the demo locations lack and the départements' centroids; run twice,
    changes nothing the second time (and never a manager's own coordinates)."""
    for code, (lat, lon) in LOCATION_POINTS.items():
        Location.objects.filter(code=code, latitude__isnull=True).update(
            latitude=Decimal(lat), longitude=Decimal(lon)
        )
    PostcodeCentroid.objects.bulk_create(
        [
            PostcodeCentroid(
                country="FR", prefix=prefix, latitude=Decimal(lat), longitude=Decimal(lon)
            )
            for prefix, (lat, lon) in DEPARTMENT_POINTS.items()
        ],
        ignore_conflicts=True,
    )
