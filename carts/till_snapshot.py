"""What a till keeps on the device to sell without the network: the catalogue with barcodes,
each variant's till price and the store's stock.

The till price of a variant is what `carts.pricing.price` makes of one unit sold at the till
now, with the automatic promotions running (a walk-in customer; codes need the network). The
items carry a version: a hash of their content, so a till that has them already is sent only
the stock. Items are cached under the catalogue version and the promotions in force.
"""

import hashlib
import json
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from carts.pricing import PricedLine, price, scopes_for
from carts.services import promotions_in_force
from inventory.models import Location
from inventory.selectors import availability_at
from shop.catalog.cache import catalogue_cached
from shop.catalog.models import Variant
from shop.orders.selectors import customer_has_orders


@dataclass(frozen=True)
class TillSnapshot:
    version: str
    #: None when the till already has this version.
    items: list[dict] | None
    #: SKU → units the till may sell at this store now.
    stock: dict[str, int]
    currency: str
    generated_at: str


def _promotions_fingerprint(promotions) -> str:
    fields = (
        (p.pk, p.kind, str(p.value), str(p.min_subtotal), p.category_ids, p.variant_ids)
        for p in promotions
    )
    return hashlib.sha256(repr(sorted(fields)).encode()).hexdigest()[:16]


def _items(promotions) -> dict:
    scopes = scopes_for(promotions)
    first_order = not customer_has_orders(None)
    variants = (
        Variant.objects.filter(is_active=True, product__is_active=True)
        .select_related("product")
        .order_by("product__name", "sku")
    )
    items = []
    for variant in variants:
        one = price([PricedLine(variant, 1, variant.price)], scopes, first_order=first_order)
        items.append(
            {
                "id": variant.pk,
                "sku": variant.sku,
                "barcode": variant.barcode or "",
                "name": variant.display_name,
                "product": variant.product.name,
                "price": str(variant.price),
                "till_price": str(one.total),
            }
        )
    version = hashlib.sha256(json.dumps(items, sort_keys=True).encode()).hexdigest()[:16]
    return {"version": version, "items": items}


def till_snapshot(*, store: Location, have_version: str = "") -> TillSnapshot:
    promotions = promotions_in_force()
    catalogue = catalogue_cached(
        "till-snapshot", (_promotions_fingerprint(promotions),), lambda: _items(promotions)
    )
    variants = [Variant(pk=item["id"]) for item in catalogue["items"]]
    available = availability_at(location=store, variants=variants, for_sale=True)
    stock = {item["sku"]: available.get(item["id"], 0) for item in catalogue["items"]}
    unchanged = have_version == catalogue["version"]
    return TillSnapshot(
        version=catalogue["version"],
        items=None if unchanged else catalogue["items"],
        stock=stock,
        currency=settings.SHOP_CURRENCY,
        generated_at=timezone.now().isoformat(),
    )
