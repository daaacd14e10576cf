from collections.abc import Iterable

from django.db.models import Count, Max, Min, Prefetch, Q, QuerySet
from django.utils.translation import gettext

from shop.catalog.errors import UnknownSku, VariantNotFound
from shop.catalog.images import with_main_image
from shop.catalog.models import Category, Product, ProductImage, Variant


def variants_by_sku(*, skus: Iterable[str], active_only: bool = True) -> dict[str, Variant]:
    """Resolves SKUs in one query; raises `UnknownSku` naming every SKU it cannot sell."""
    wanted = set(skus)
    queryset = Variant.objects.filter(sku__in=wanted).select_related("product")
    if active_only:
        queryset = queryset.filter(is_active=True, product__is_active=True)
    found = {variant.sku: variant for variant in queryset}
    missing = sorted(wanted - found.keys())
    if missing:
        raise UnknownSku(
            gettext("Unknown or inactive SKU: %(join)s.") % {"join": ", ".join(missing)},
            details=missing,
        )
    return found


def variant_by_code(*, code: str) -> Variant:
    """The variant whose SKU or barcode is `code` (what a scanner reads)."""
    variant = (
        Variant.objects.select_related("product")
        .filter(Q(sku=code) | Q(barcode=code), is_active=True, product__is_active=True)
        .first()
    )
    if variant is None:
        raise VariantNotFound(
            gettext("No variant with SKU or barcode %(code)s.") % {"code": f"{code!r}"}
        )
    return variant


def product_list(*, query: str = "", category: str = ""):
    """Active products with their active variants, in a fixed number of queries."""
    products = (
        Product.objects.active()
        .select_related("category")
        .prefetch_related(
            Prefetch("variants", queryset=Variant.objects.filter(is_active=True).order_by("sku")),
            "images",
        )
    )
    if query:
        products = products.filter(
            Q(name__icontains=query)
            | Q(description__icontains=query)
            | Q(variants__sku__iexact=query)
        ).distinct()
    if category:
        products = products.filter(category__slug=category)
    return products.order_by("name", "id")


def products_listed(*, query: str = "", category: Category | None = None) -> QuerySet[Product]:
    """Active products matching `query` or in `category`, by name: bare rows, to count and to
    slice a page from (the (category, name) index serves a category). `product_cards` then
    prices only the page."""
    products = Product.objects.active()
    if query:
        by_sku = Variant.objects.filter(sku__iexact=query).values("product_id")
        products = products.filter(
            Q(name__icontains=query) | Q(description__icontains=query) | Q(pk__in=by_sku)
        )
    if category is not None:
        products = products.filter(category=category)
    return products.order_by("name", "id")


def product_cards(products: QuerySet[Product]) -> QuerySet[Product]:
    """`products` (a page, the newest few), in their order, with what a product card shows, in
    one query: `price_min`, `price_max` and `variant_count` of their active variants (None, None
    and 0 without any), and `main_image`/`main_image_alt` (their first picture). Only their own
    variants are aggregated, however big the catalogue."""
    active = Q(variants__is_active=True)
    return (
        with_main_image(Product.objects.filter(pk__in=products.values("pk")))
        .select_related("category")
        .annotate(
            price_min=Min("variants__price", filter=active),
            price_max=Max("variants__price", filter=active),
            variant_count=Count("variants", filter=active),
        )
        .order_by(*products.query.order_by)
    )


def newest_product_cards(*, limit: int) -> QuerySet[Product]:
    """The `limit` newest active products as cards, chosen first by the creation-date index."""
    return product_cards(Product.objects.active().order_by("-created_at", "-id")[:limit])


def product_detail(*, slug: str) -> tuple[Product, list[Variant]] | None:
    """An active product with its active variants (by SKU), in one query when it has any."""
    variants = list(
        Variant.objects.filter(product__slug=slug, product__is_active=True, is_active=True)
        .select_related("product__category")
        .order_by("sku")
    )
    if variants:
        product = variants[0].product
        for variant in variants:
            variant.product = product  # one object, as with a prefetch
        return product, variants
    product = Product.objects.active().select_related("category").filter(slug=slug).first()
    return (product, []) if product is not None else None


def product_images(*, product: Product) -> list[ProductImage]:
    """A product's pictures in display order (one query)."""
    return list(ProductImage.objects.filter(product=product).order_by("position", "id"))
