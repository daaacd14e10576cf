"""Recommendations from every channel's history.

The job (`recommendations_build`, on beat and `manage.py build_recommendations`) reads what
each customer showed interest in, on every channel: purchases on the web and at the till,
product views, cart adds, and returns against. Items two customers or more were both into are
similar, by co-occurrence over customers normalised by each item's popularity (cosine). It
writes the table `ProductSimilarity` and the best sellers `ProductPopularity`.

A request (`recommendations_for`) reads those tables only: the customer's history weighs the
similar items of what they were into, never what they bought or returned, never what no
location can sell; with no history (or no similar items) the best sellers of the product's
category, or of the categories of what the customer was into, fill in; the whole shop's only
when those have none.
"""

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import combinations

from django.conf import settings
from django.core.cache import cache
from django.db import connections, transaction
from django.db.models import F, Q, Sum, Value
from django.utils import timezone

from inventory.selectors import availability_for_variants
from shop.catalog.models import Product, Variant
from shop.customers.models import Customer, CustomerEvent
from shop.marketing.models import ProductPopularity, ProductSimilarity
from shop.orders.models import OrderLine
from shop.orders.selectors import NOT_BOUGHT

#: How much each kind of interest weighs; a returned unit counts against.
PURCHASE, CART_ADD, VIEW, RETURN = 3.0, 2.0, 1.0, -4.0
#: Similar items kept per item.
KEPT_PER_PRODUCT = 30
#: The interests of one customer that take part in pairs (the strongest).
MAX_ITEMS_PER_CUSTOMER = 60
HISTORY_DAYS = 730
#: A request weighs the customer's history by age: what they did this many days ago counts
#: half as much as what they did today.
RECENT_HALF_LIFE_DAYS = 60


class Reason:
    BOUGHT_TOGETHER = "bought_together"
    YOUR_HISTORY = "your_history"
    BEST_SELLER = "best_seller"


@dataclass
class Recommendation:
    product: Product
    score: float
    reason: str

    def as_dict(self) -> dict:
        return {
            "product": self.product.name,
            "slug": self.product.slug,
            "score": round(self.score, 4),
            "reason": self.reason,
        }

    def as_panel(self) -> dict:
        """What a page's panel shows: the API's fields and the lowest price on sale."""
        return {**self.as_dict(), "price": getattr(self.product, "from_price", None)}


# --- history -------------------------------------------------------------------------------


def _product_ids_by(field: str, keys: Iterable[str]) -> dict[str, int]:
    keys = set(keys)
    if not keys:
        return {}
    if field == "slug":
        return dict(Product.objects.filter(slug__in=keys).values_list("slug", "pk"))
    return dict(Variant.objects.filter(sku__in=keys).values_list("sku", "product_id"))


def interests(
    *,
    since: datetime,
    customer_ids: Iterable[int] | None = None,
    half_life_days: float | None = None,
) -> dict[int, dict[int, float]]:
    """{customer: {product: interest}} from every channel since `since` (of some customers
    only, if given): purchases (returned units against), cart adds and product views; with
    `half_life_days`, what is older counts less (halved every that many days). A fixed
    number of queries."""
    result: dict[int, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    now = timezone.now()

    def recent(at: datetime) -> float:
        if half_life_days is None:
            return 1.0
        return 0.5 ** (max((now - at).total_seconds(), 0) / 86400 / half_life_days)

    lines = OrderLine.objects.filter(
        order__customer__isnull=False, order__created_at__gte=since
    ).exclude(order__status__in=NOT_BOUGHT)
    events = CustomerEvent.objects.filter(
        customer__isnull=False,
        created_at__gte=since,
        kind__in=[CustomerEvent.Kind.PRODUCT_VIEWED, CustomerEvent.Kind.CART_LINE_ADDED],
    )
    if customer_ids is not None:
        lines = lines.filter(order__customer_id__in=customer_ids)
        events = events.filter(customer_id__in=customer_ids)
    for customer, product, quantity, returned, at in lines.values_list(
        "order__customer_id",
        "variant__product_id",
        "quantity",
        "returned_quantity",
        "order__created_at",
    ):
        weight = (PURCHASE * (quantity - returned) + RETURN * returned) / (quantity or 1)
        result[customer][product] += weight * recent(at)
    views, adds = [], []
    for customer, kind, slug, sku, at in events.values_list(
        "customer_id", "kind", "payload__product", "payload__sku", "created_at"
    ):
        viewed = kind == CustomerEvent.Kind.PRODUCT_VIEWED
        (views if viewed else adds).append((customer, slug if viewed else sku, recent(at)))
    by_slug = _product_ids_by("slug", (slug for _, slug, _ in views if slug))
    by_sku = _product_ids_by("sku", (sku for _, sku, _ in adds if sku))
    for customer, slug, weight in views:
        if slug in by_slug:
            result[customer][by_slug[slug]] += VIEW * weight
    for customer, sku, weight in adds:
        if sku in by_sku:
            result[customer][by_sku[sku]] += CART_ADD * weight
    return result


def bought_or_returned(customer: Customer) -> set[int]:
    """Products the customer bought on any channel, returned or not: never recommended."""
    return set(
        OrderLine.objects.filter(order__customer=customer)
        .exclude(order__status__in=NOT_BOUGHT)
        .values_list("variant__product_id", flat=True)
    )


# --- the job -------------------------------------------------------------------------------


@dataclass
class BuildResult:
    customers: int
    pairs: int
    products: int

    def __str__(self) -> str:
        return (
            f"{self.pairs} similar pairs of {self.products} products"
            f" from {self.customers} customers"
        )


def similarities_compute(
    history: dict[int, dict[int, float]], *, min_support: int
) -> dict[int, list[tuple[int, float, int]]]:
    """{product: [(similar, score, support)]}, best first: co-occurrence over customers of
    positive interest, divided by the square root of both items' customer counts."""
    counts: Counter = Counter()
    pairs: Counter = Counter()
    for items in history.values():
        liked = sorted((p for p, w in items.items() if w > 0), key=lambda p: -items[p])[
            :MAX_ITEMS_PER_CUSTOMER
        ]
        counts.update(liked)
        pairs.update(combinations(sorted(liked), 2))
    similar: dict[int, list[tuple[int, float, int]]] = defaultdict(list)
    for (a, b), support in pairs.items():
        if support < min_support:
            continue
        score = support / math.sqrt(counts[a] * counts[b])
        similar[a].append((b, score, support))
        similar[b].append((a, score, support))
    return {
        p: sorted(rows, key=lambda r: (-r[1], r[0]))[:KEPT_PER_PRODUCT]
        for p, rows in similar.items()
    }


def _popularity() -> list[ProductPopularity]:
    rows = (
        OrderLine.objects.exclude(order__status__in=NOT_BOUGHT)
        .values("variant__product_id", "variant__product__category_id")
        .annotate(units=Sum(F("quantity") - F("returned_quantity")))
    )
    return [
        ProductPopularity(
            product_id=row["variant__product_id"],
            category_id=row["variant__product__category_id"],
            units=row["units"],
        )
        for row in rows
    ]


def recommendations_build(*, now: datetime | None = None) -> BuildResult:
    """Recomputes both tables from the whole history, replacing them in one transaction (a
    request reads either the old tables or the new ones)."""
    now = now or timezone.now()
    history = interests(since=now - timedelta(days=HISTORY_DAYS))
    similar = similarities_compute(history, min_support=settings.RECOMMENDATION_MIN_SUPPORT)
    rows = [
        ProductSimilarity(product_id=p, similar_id=s, score=score, support=support)
        for p, found in similar.items()
        for s, score, support in found
    ]
    with transaction.atomic():
        ProductSimilarity.objects.all().delete()
        ProductSimilarity.objects.bulk_create(rows, batch_size=2000)
        ProductPopularity.objects.all().delete()
        ProductPopularity.objects.bulk_create(_popularity(), batch_size=2000)
        transaction.on_commit(_forget_cached)
    return BuildResult(customers=len(history), pairs=len(rows) // 2, products=len(similar))


# --- requests ------------------------------------------------------------------------------

CACHE_VERSION_KEY = "recommendations:version"


def _forget_cached() -> None:
    try:
        cache.incr(CACHE_VERSION_KEY)
    except ValueError:
        cache.set(CACHE_VERSION_KEY, 1, None)


def _sellable(product_ids: list[int]) -> dict[int, Product]:
    """Of these products, those some active location can sell now (an active variant with
    units available there): three queries whatever their number."""
    products = {
        p.pk: p
        for p in Product.objects.filter(pk__in=product_ids, is_active=True).select_related(
            "category"
        )
    }
    variants = list(Variant.objects.filter(product_id__in=products, is_active=True))
    available = availability_for_variants(variants=variants)
    prices: dict[int, list] = defaultdict(list)
    for v in variants:
        if any(n > 0 for n in available[v.sku].locations.values()):
            prices[v.product_id].append(v.price)
    for pk, found in prices.items():
        products[pk].from_price = min(found)  # shown on the panels
    return {pk: p for pk, p in products.items() if pk in prices}


def _best_sellers(
    categories: Q | None, exclude: set[int], limit: int
) -> tuple[list[int], list[int]]:
    """Best sellers, best first: `(of_the_categories, of_the_shop)`, the first of the categories
    of the products `categories` selects (empty when None). One query: the union of both
    rankings, each row tagged with the ranking it came from (two on SQLite, which cannot order
    and slice the parts of a union)."""
    rows = ProductPopularity.objects.exclude(product_id__in=exclude).filter(units__gt=0)
    rows = rows.order_by("-units", "product_id")
    fields = ("product_id", "units", "of_category")
    ranked = shop_wide = rows.annotate(of_category=Value(False)).values_list(*fields)[: limit * 4]
    if categories is not None:
        of_category = (
            rows.filter(category_id__in=Product.objects.filter(categories).values("category_id"))
            .annotate(of_category=Value(True))
            .values_list(*fields)[: limit * 4]
        )
        if connections[rows.db].features.supports_slicing_ordering_in_compound:
            ranked = of_category.union(shop_wide, all=True)
        else:
            ranked = [*of_category, *shop_wide]
    found = sorted(ranked, key=lambda r: (-r[1], r[0]))
    return [pid for pid, _, mine in found if mine], [pid for pid, _, mine in found if not mine]


def _cold_start_categories(product: Product | None, history: set[int]) -> Q | None:
    """Whose categories the best sellers come from: the product's, else those of everything
    the customer viewed, put in a cart, bought or returned; None for an anonymous visitor."""
    if product is not None:
        return Q(pk=product.pk)
    if history:
        return Q(pk__in=sorted(history))
    return None


def recommendations_for(
    *,
    customer: Customer | None = None,
    product: Product | None = None,
    limit: int = 10,
    exclude: Iterable[int] = (),
) -> list[Recommendation]:
    """What to suggest to `customer` (their whole history, every channel) on `product`'s
    page, or anywhere when `product` is None; never the products `exclude` (ids) names. A
    fixed number of queries."""
    seeds: dict[int, float] = {}
    history: set[int] = set()
    exclude = set(exclude)
    if customer is not None and customer.pk:
        since = timezone.now() - timedelta(days=HISTORY_DAYS)
        mine = interests(
            since=since, customer_ids=[customer.pk], half_life_days=RECENT_HALF_LIFE_DAYS
        )[customer.pk]
        seeds = {p: w for p, w in mine.items() if w > 0}
        bought = bought_or_returned(customer)
        history = set(mine) | bought
        exclude |= bought
    if product is not None:
        seeds[product.pk] = seeds.get(product.pk, 0) + 2 * max(seeds.values(), default=1.0)
        exclude.add(product.pk)
    scores: dict[int, float] = defaultdict(float)
    reasons: dict[int, str] = {}
    for source, similar, score in ProductSimilarity.objects.filter(
        product_id__in=list(seeds)
    ).values_list("product_id", "similar_id", "score"):
        if similar in exclude:
            continue
        scores[similar] += seeds[source] * score
        if product is not None and source == product.pk:
            reasons[similar] = Reason.BOUGHT_TOGETHER
        else:
            reasons.setdefault(similar, Reason.YOUR_HISTORY)
    top = max(scores.values(), default=1.0)
    ranked = sorted(((p, s / top) for p, s in scores.items()), key=lambda r: (-r[1], r[0]))
    of_category, of_shop = _best_sellers(
        _cold_start_categories(product, history), exclude | set(scores), limit
    )
    sellable = _sellable([pid for pid, _ in ranked[: limit * 3]] + of_category + of_shop)
    # The shop's best sellers only when the category has none that can be sold.
    fill = [pid for pid in of_category if pid in sellable] or of_shop
    for pid in fill:
        reasons.setdefault(pid, Reason.BEST_SELLER)
    candidates = ranked + [(pid, 0.1 * (1 - i / len(fill))) for i, pid in enumerate(fill)]
    return [
        Recommendation(product=sellable[pid], score=score, reason=reasons[pid])
        for pid, score in candidates
        if pid in sellable
    ][:limit]


#: A product page's suggestions are kept this long (the job also clears them when it runs).
CACHE_SECONDS = 600


def product_recommendations_cached(*, product: Product, limit: int = 4) -> list[dict]:
    """The "bought together" panel of a product page, the same for everybody, from the cache:
    no query once cached."""
    version = cache.get_or_set(CACHE_VERSION_KEY, 1, None)
    key = f"recommendations:v{version}:product:{product.pk}:{limit}"
    found = cache.get(key)
    if found is None:
        found = [r.as_panel() for r in recommendations_for(product=product, limit=limit)]
        cache.set(key, found, CACHE_SECONDS)
    return found


def recommend_for_email(*, customer: Customer | None, skus: list[str]) -> list[Product]:
    """A cart reminder's "you may also like": what goes with the cart's items, for its owner."""
    products = [v.product for v in Variant.objects.filter(sku__in=skus).select_related("product")]
    found = recommendations_for(
        customer=customer,
        product=products[0] if products else None,
        exclude={p.pk for p in products},
        limit=3,
    )
    return [r.product for r in found]


def product_by_sku_or_slug(code: str) -> Product | None:
    """The product of an SKU, or the product with this slug (one query)."""
    return (
        Product.objects.filter(Q(slug=code) | Q(variants__sku=code))
        .distinct()
        .order_by("pk")
        .first()
    )
