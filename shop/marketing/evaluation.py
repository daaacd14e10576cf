"""Offline evaluation of the recommendations: hit rate at k on each customer's held-out last
purchase, against the popularity baseline.

Histories are the shop's own purchases (web and till, in time order) plus, optionally, a
generated history: customers with a taste for a few "bundles" of products of one category
(items people buy together), and some purchases drawn by popularity, as real shoppers mix both.
Each customer's last purchase is held out; the similarities are computed from everything else
with the same function the job uses (`similarities_compute`), and a hit is the held-out item
in the top k. Items are not filtered by stock here: the question is the ranking.
"""

import random
from collections import Counter, defaultdict
from dataclasses import dataclass

from shop.catalog.models import Product
from shop.marketing.recommendations import PURCHASE, similarities_compute
from shop.orders.models import OrderLine
from shop.orders.selectors import NOT_BOUGHT

History = dict[object, list[int]]  # customer → products bought, oldest first


def purchase_histories() -> History:
    """Every customer's purchases on every channel, oldest first (one query)."""
    histories: History = defaultdict(list)
    rows = (
        OrderLine.objects.filter(order__customer__isnull=False)
        .exclude(order__status__in=NOT_BOUGHT)
        .order_by("order__created_at", "order_id", "id")
        .values_list("order__customer_id", "variant__product_id")
    )
    for customer, product in rows:
        histories[customer].append(product)
    return dict(histories)


def catalog_by_category() -> dict[int, list[int]]:
    products: dict[int, list[int]] = defaultdict(list)
    for pk, category in Product.objects.filter(is_active=True).values_list("pk", "category_id"):
        products[category].append(pk)
    return dict(products)


def generated_histories(
    catalog: dict[int, list[int]], *, customers: int, seed: int = 7, bundle_size: int = 3
) -> History:
    """A reproducible history: products of each category grouped into bundles; each customer
    likes one or two bundles and buys 3 to 7 items, 70% from their bundles, the rest by
    popularity (a few items sell far more than others)."""
    rng = random.Random(seed)
    bundles = []
    for products in catalog.values():
        shuffled = sorted(products)
        rng.shuffle(shuffled)
        bundles += [
            shuffled[i : i + bundle_size]
            for i in range(0, len(shuffled), bundle_size)
            if len(shuffled[i : i + bundle_size]) > 1
        ]
    everything = sorted(p for products in catalog.values() for p in products)
    weights = [1 / (rank + 1) for rank in range(len(everything))]  # Zipf-like popularity
    rng.shuffle(everything)
    histories: History = {}
    for n in range(customers):
        liked = rng.sample(bundles, k=min(len(bundles), rng.choice((1, 2))))
        bought: list[int] = []
        for _ in range(rng.randint(3, 7)):
            if rng.random() < 0.7:
                item = rng.choice(rng.choice(liked))
            else:
                item = rng.choices(everything, weights=weights)[0]
            if item not in bought:
                bought.append(item)
        if len(bought) > 1:
            histories[f"generated-{n}"] = bought
    return histories


@dataclass
class Evaluation:
    customers: int
    k: int
    hit_rate: float
    popularity_hit_rate: float

    def __str__(self) -> str:
        return (
            f"{self.customers} customers, hit rate at {self.k}: "
            f"recommendations {self.hit_rate:.3f}, popularity {self.popularity_hit_rate:.3f}"
        )


def evaluate(histories: History, *, k: int = 10, min_support: int = 2) -> Evaluation:
    """Leave-last-out: trains on all but each customer's last purchase, tests on it."""
    tested = {c: items for c, items in histories.items() if len(items) >= 2}
    train = {
        c: {p: PURCHASE for p in items[:-1]} if c in tested else {p: PURCHASE for p in items}
        for c, items in histories.items()
    }
    similar = similarities_compute(train, min_support=min_support)
    popular = [p for p, _ in Counter(p for items in train.values() for p in items).most_common()]
    hits = popularity_hits = 0
    for customer, items in tested.items():
        held_out, seen = items[-1], set(train[customer])
        baseline = [p for p in popular if p not in seen][:k]
        scores: dict[int, float] = defaultdict(float)
        for seed in seen:
            for other, score, _ in similar.get(seed, []):
                if other not in seen:
                    scores[other] += score
        ranked = sorted(scores, key=lambda p: (-scores[p], p))[:k]
        ranked += [p for p in baseline if p not in ranked][: k - len(ranked)]  # cold start
        hits += held_out in ranked
        popularity_hits += held_out in baseline
    n = len(tested) or 1
    return Evaluation(
        customers=len(tested), k=k, hit_rate=hits / n, popularity_hit_rate=popularity_hits / n
    )
