"""What every product feed lists: active variants with their product, pictures and
availability, read in batches so a feed of any size costs a few queries per thousand items.

Availability comes from `inventory.selectors.availability_for_variants`, the function the
product page uses, so a feed never says "in stock" where the page says otherwise."""

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urljoin

from django.conf import settings

from inventory.models import Location
from inventory.selectors import availability_for_variants
from shop.catalog.images import image_url
from shop.catalog.models import ProductImage, Variant

BATCH = 1000
TITLE_MAX = 150
DESCRIPTION_MAX = 5000


def absolute(url: str) -> str:
    """`url` on the shop's public address (SHOP_BASE_URL) unless it is absolute already (S3)."""
    return urljoin(settings.SHOP_BASE_URL.rstrip("/") + "/", url)


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@dataclass
class FeedItem:
    variant: Variant
    online: int
    #: location code → units available there.
    locations: dict[str, int]
    #: Image names, main picture first.
    images: list[str] = field(default_factory=list)
    #: What the feed had to change or leave out about this item.
    problems: list[str] = field(default_factory=list)

    @property
    def sku(self) -> str:
        return self.variant.sku

    @property
    def title(self) -> str:
        product = self.variant.product
        full = f"{product.name} — {self.variant.name}" if self.variant.name else product.name
        if len(full) > TITLE_MAX:
            self.problems.append(f"title shortened to {TITLE_MAX} characters")
        return clip(full, TITLE_MAX)

    @property
    def description(self) -> str:
        text = self.variant.product.description.strip() or self.variant.product.name
        if len(text) > DESCRIPTION_MAX:
            self.problems.append(f"description shortened to {DESCRIPTION_MAX} characters")
        return clip(text, DESCRIPTION_MAX)

    @property
    def link(self) -> str:
        return absolute(f"{self.variant.product.get_absolute_url()}?sku={self.variant.sku}")

    @property
    def image_links(self) -> list[str]:
        return [absolute(image_url(name, "large")) for name in self.images]

    @property
    def price(self) -> str:
        return f"{self.variant.price:.2f} {settings.SHOP_CURRENCY}"

    @property
    def in_stock(self) -> bool:
        return self.online > 0


def feed_locations() -> list[Location]:
    return list(Location.objects.filter(is_active=True).order_by("code"))


def feed_items(*, locations: list[Location]) -> Iterator[FeedItem]:
    """Every active variant of an active product, by primary key, with its availability."""
    variants = (
        Variant.objects.filter(is_active=True, product__is_active=True)
        .select_related("product__category")
        .order_by("pk")
    )
    last = 0
    while True:
        batch = list(variants.filter(pk__gt=last)[:BATCH])
        if not batch:
            return
        last = batch[-1].pk
        images = defaultdict(list)
        pictures = ProductImage.objects.filter(product__in={v.product_id for v in batch})
        for product_id, name in pictures.order_by("position", "id").values_list(
            "product_id", "image"
        ):
            images[product_id].append(name)
        available = availability_for_variants(variants=batch, locations=locations)
        for variant in batch:
            stock = available[variant.sku]
            yield FeedItem(
                variant=variant,
                online=stock.online,
                locations=stock.locations,
                images=images[variant.product_id],
            )
