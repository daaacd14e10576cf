"""Product pictures: adding one (and making its thumbnails at once), and the URL of a
thumbnail from an image name alone, so a list of product cards costs no query per card."""

from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import urljoin

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.signals import setting_changed
from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery

from shop.catalog.models import Product, ProductImage

SPECS = ("thumbnail", "large")


@transaction.atomic
def product_image_add(
    *, product: Product, content: bytes, filename: str, alt: str, position: int | None = None
) -> ProductImage:
    """Stores a picture through the default storage (local files or S3) and makes its
    thumbnails now, not on the first page view."""
    if position is None:
        last = product.images.order_by("-position").values_list("position", flat=True).first()
        position = 0 if last is None else last + 1
    image = ProductImage(product=product, alt=alt, position=position)
    image.image.save(filename, ContentFile(content), save=False)
    image.save()  # imagekit makes the thumbnails on this save; the receiver bumps the version
    return image


def image_url(name: str, spec: str = "thumbnail") -> str:
    """The URL of `spec` ("thumbnail", "large" or "original") of the stored image `name`,
    computed without touching the database or the storage, and remembered: a stored name
    never changes its pictures (a new upload gets a new name)."""
    if not name:
        return ""
    return _image_url(name, spec)


@lru_cache(maxsize=8192)
def _image_url(name: str, spec: str) -> str:
    image = ProductImage(image=name)
    if spec == "original":
        return image.image.url
    if spec not in SPECS:
        raise ValueError(f"Unknown image size {spec!r}.")
    return getattr(image, spec).url


def image_absolute_url(name: str, spec: str = "thumbnail") -> str:
    """`image_url` on the shop's public address (SHOP_BASE_URL), for emails and feeds; a
    storage that gives absolute URLs already (S3) keeps them."""
    url = image_url(name, spec)
    return urljoin(settings.SHOP_BASE_URL.rstrip("/") + "/", url) if url else ""


def main_image_of(product_path: str) -> Subquery:
    """Annotation: the file name of the first picture of the product at `product_path`."""
    return Subquery(
        ProductImage.objects.filter(product=OuterRef(product_path))
        .order_by("position", "id")
        .values("image")[:1]
    )


def with_main_image(products: QuerySet[Product]) -> QuerySet[Product]:
    """`products` annotated with `main_image` and `main_image_alt`, inside the same query."""
    first = ProductImage.objects.filter(product=OuterRef("pk")).order_by("position", "id")
    return products.annotate(
        main_image=Subquery(first.values("image")[:1]),
        main_image_alt=Subquery(first.values("alt")[:1]),
    )


def main_images(product_ids: Iterable[int]) -> dict[int, str]:
    """The file name of the first picture of each product in `product_ids` that has one, in
    one query (for pages whose lines come from several places, like the till)."""
    wanted = set(product_ids)
    if not wanted:
        return {}
    rows = (
        Product.objects.filter(pk__in=wanted)
        .annotate(main_image=main_image_of("pk"))
        .exclude(main_image=None)
        .values_list("pk", "main_image")
    )
    return dict(rows)


def _storage_changed(*, setting: str, **kwargs) -> None:
    if setting in ("STORAGES", "MEDIA_URL", "IMAGEKIT_DEFAULT_CACHEFILE_STRATEGY"):
        _image_url.cache_clear()


setting_changed.connect(_storage_changed)
