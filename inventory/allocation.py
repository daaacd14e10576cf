"""Where a delivery order's units come from."""

from collections.abc import Sequence

from inventory.errors import InsufficientStock
from inventory.models import Location
from inventory.selectors import availability_for_variants
from shop.catalog.models import Variant


def shipping_locations() -> list[Location]:
    """Locations that ship online, in allocation order: warehouses first, then stores by code."""
    locations = Location.objects.filter(is_active=True, ships_online=True)
    return sorted(locations, key=lambda loc: (loc.kind != Location.Kind.WAREHOUSE, loc.code))


def allocate_for_delivery(
    lines: Sequence[tuple[Variant, int]],
) -> list[tuple[Variant, Location, int]]:
    """Splits each line over shipping locations, the first in allocation order taking all it
    can. Reads availability only: the reservation that follows is what checks and takes."""
    locations = shipping_locations()
    available = availability_for_variants(variants=[variant for variant, _ in lines])
    plan, short = [], []
    for variant, quantity in lines:
        free = available[variant.sku]
        left = quantity
        for location in locations:
            take = min(left, free.locations.get(location.code, 0))
            if take > 0:
                plan.append((variant, location, take))
                left -= take
            if left == 0:
                break
        if left:
            short.append({"sku": variant.sku, "requested": quantity, "available": free.online})
    if short:
        skus = ", ".join(d["sku"] for d in short)
        raise InsufficientStock(f"Not enough stock online for {skus}.", details=short)
    return plan
