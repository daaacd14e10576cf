import secrets
from collections.abc import Sequence
from decimal import Decimal
from typing import TypedDict

from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext

from shop.catalog.cache import catalogue_changed
from shop.catalog.gtin import gtin_is_valid
from shop.catalog.models import Category, Product, Variant
from shop.errors import Conflict, InvalidInput


class VariantData(TypedDict, total=False):
    sku: str
    barcode: str | None
    name: str
    price: Decimal
    gtin: str
    brand: str
    mpn: str


@transaction.atomic
def product_create(
    *,
    name: str,
    category: Category,
    variants: Sequence[VariantData],
    description: str = "",
    slug: str = "",
) -> Product:
    """Creates a product with its variants; SKUs and barcodes must be new."""
    if not variants:
        raise InvalidInput(gettext("A product needs at least one variant."))
    skus = [v["sku"] for v in variants]
    barcodes = [v["barcode"] for v in variants if v.get("barcode")]
    if len(set(skus)) != len(skus) or len(set(barcodes)) != len(barcodes):
        raise InvalidInput(gettext("SKUs and barcodes must be distinct."))
    bad_gtins = [v["gtin"] for v in variants if v.get("gtin") and not gtin_is_valid(v["gtin"])]
    if bad_gtins:
        raise InvalidInput(
            gettext("Invalid GTIN: %(join)s.") % {"join": ", ".join(bad_gtins)}, details=bad_gtins
        )
    taken = list(Variant.objects.filter(sku__in=skus).values_list("sku", flat=True))
    taken += list(Variant.objects.filter(barcode__in=barcodes).values_list("barcode", flat=True))
    if taken:
        raise Conflict(
            gettext("Already in the catalog: %(join)s.") % {"join": ", ".join(taken)}, details=taken
        )
    slug = slug or slugify(name) or f"product-{secrets.token_hex(4)}"
    if Product.objects.filter(slug=slug).exists():
        raise Conflict(
            gettext("A product with slug %(slug)s exists.") % {"slug": f"{slug!r}"}, details=[slug]
        )
    try:
        with transaction.atomic():
            product = Product.objects.create(
                name=name, slug=slug, description=description, category=category
            )
            Variant.objects.bulk_create(
                Variant(
                    product=product,
                    sku=v["sku"],
                    barcode=v.get("barcode") or None,
                    name=v.get("name", ""),
                    price=v["price"],
                    gtin=v.get("gtin", ""),
                    brand=v.get("brand", ""),
                    mpn=v.get("mpn", ""),
                )
                for v in variants
            )
    except IntegrityError as exc:  # a concurrent request took the same SKU or slug
        raise Conflict(gettext("The product or one of its SKUs was created meanwhile.")) from exc
    catalogue_changed()  # bulk_create sends no post_save for the variants
    return product
