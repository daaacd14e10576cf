"""What a shipping method costs for a parcel: flat, by weight band, free above the shop's
threshold, and collection in store always free. Pure functions over loaded rows: carts pricing
calls them, so a delivery price is computed in the same place as every other amount."""

from decimal import Decimal

from django.conf import settings

from shop.shipping.models import ShippingMethod

ZERO = Decimal("0.00")


def free_above() -> Decimal | None:
    """The goods total from which delivery is free (SHIPPING_FREE_ABOVE); None: never."""
    threshold = settings.SHIPPING_FREE_ABOVE
    return Decimal(str(threshold)) if threshold not in (None, "") else None


def shipping_rate(method: ShippingMethod, *, goods: Decimal, weight_grams: int) -> Decimal | None:
    """The price of sending goods worth `goods` (after discounts) weighing `weight_grams` by
    `method`; None when the method cannot carry it (heavier than its heaviest band). Expects
    the method's `bands` prefetched."""
    if method.kind == ShippingMethod.Kind.COLLECT:
        return ZERO
    if method.kind == ShippingMethod.Kind.WEIGHT:
        fitting = [band for band in method.bands.all() if band.up_to_grams >= weight_grams]
        if not fitting:
            return None
        rate = min(fitting, key=lambda band: band.up_to_grams).price
    else:
        rate = method.price
    threshold = free_above()
    if method.free_above_threshold and threshold is not None and goods >= threshold:
        return ZERO
    return rate
