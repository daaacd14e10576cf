"""Stock accuracy reads, for the accuracy API, the admin and the manager dashboard.

Accuracy is the share of counted SKUs whose record matched the shelf: each line of a cycle
count is one SKU checked, and it matched when its variance was zero. Pick failures (`not
found` at the desk) are variances too and show under their reason, but they are not a sample
of the shelf, so only cycle counts make the accuracy figure.

Each function costs a fixed number of queries whatever the number of counts or stores.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.core.cache import cache
from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from inventory.models import Location, Stock, StockCount, StockCountLine, StockMovement


@dataclass(frozen=True)
class ReasonVariance:
    reason: str
    #: Net units the adjustments of this reason added (negative: units written off).
    units: int
    movements: int


@dataclass(frozen=True)
class AccuracyPoint:
    day: date
    counted_skus: int
    matched: int

    @property
    def matched_share(self) -> Decimal | None:
        return share(self.matched, self.counted_skus)


@dataclass
class StoreAccuracy:
    location: Location
    counts: int = 0
    counted_skus: int = 0
    matched: int = 0
    #: Units short on held stock that counts left reserved: pick problems.
    reserved_shortfall: int = 0
    by_reason: list[ReasonVariance] = field(default_factory=list)
    over_time: list[AccuracyPoint] = field(default_factory=list)

    @property
    def matched_share(self) -> Decimal | None:
        return share(self.matched, self.counted_skus)

    @property
    def matched_percent(self) -> Decimal | None:
        """The matched share as a percentage with one decimal (93.8)."""
        value = self.matched_share
        return None if value is None else (value * 100).quantize(Decimal("0.1"))


def share(part: int, whole: int) -> Decimal | None:
    """part / whole to four places (0.9375), None when nothing was counted."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def _in_period(prefix: str, start: datetime | None, end: datetime | None) -> Q:
    period = Q()
    if start is not None:
        period &= Q(**{f"{prefix}created_at__gte": start})
    if end is not None:
        period &= Q(**{f"{prefix}created_at__lt": end})
    return period


#: Accuracy reports sum a period's counts and adjustments (thousands of movements a month at
#: retail scale): kept this long, or until the next count anywhere.
ACCURACY_SECONDS = 5 * 60
ACCURACY_VERSION_KEY = "stock-accuracy-version"


def stock_accuracy_by_store(
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    locations: list[Location] | None = None,
    with_days: bool = False,
) -> list[StoreAccuracy]:
    """`stock_accuracy_by_store_now`, from the cache (see ACCURACY_SECONDS)."""
    if locations is None:
        locations = list(Location.objects.filter(is_active=True).order_by("kind", "code"))
    version = cache.get(ACCURACY_VERSION_KEY, 0)
    moments = [moment.timestamp() if moment else "" for moment in (start, end)]
    vary = [version, *moments, with_days, *(location.pk for location in locations)]
    key = "stock-accuracy:" + ":".join(map(str, vary))
    found = cache.get(key)
    if found is None:
        found = stock_accuracy_by_store_now(
            start=start, end=end, locations=locations, with_days=with_days
        )
        cache.set(key, found, ACCURACY_SECONDS)
    return found


def stock_accuracy_by_store_now(
    *,
    start: datetime | None,
    end: datetime | None,
    locations: list[Location],
    with_days: bool = False,
) -> list[StoreAccuracy]:
    """Accuracy of each location over [start, end): counts, counted SKUs, matched share,
    variance by reason, and with `with_days` the figure per day. Four queries (five with the
    days) whatever the number of locations and counts."""
    result = {loc.pk: StoreAccuracy(location=loc) for loc in locations}
    counted = StockCountLine.objects.filter(
        _in_period("count__", start, end),
        count__location__in=list(result),
        count__source=StockCount.Source.COUNT,
    )
    for row in counted.values("count__location").annotate(
        lines=Count("id"),
        matched=Count("id", filter=Q(variance=0)),
        shortfall=Sum("reserved_shortfall"),
    ):
        entry = result[row["count__location"]]
        entry.counted_skus, entry.matched = row["lines"], row["matched"]
        entry.reserved_shortfall = row["shortfall"] or 0
    counts = StockCount.objects.filter(
        _in_period("", start, end), location__in=list(result), source=StockCount.Source.COUNT
    )
    for row in counts.values("location").annotate(n=Count("id")):
        result[row["location"]].counts = row["n"]
    adjustments = StockMovement.objects.filter(
        _in_period("", start, end), location__in=list(result), kind=StockMovement.Kind.ADJUSTMENT
    )
    for row in (
        adjustments.values("location", "reason")
        .annotate(units=Sum("quantity"), n=Count("id"))
        .order_by("location", "reason")
    ):
        result[row["location"]].by_reason.append(
            ReasonVariance(reason=row["reason"] or "other", units=row["units"], movements=row["n"])
        )
    if with_days:
        for row in (
            counted.annotate(day=TruncDate("count__created_at"))
            .values("count__location", "day")
            .annotate(lines=Count("id"), matched=Count("id", filter=Q(variance=0)))
            .order_by("count__location", "day")
        ):
            result[row["count__location"]].over_time.append(
                AccuracyPoint(day=row["day"], counted_skus=row["lines"], matched=row["matched"])
            )
    return list(result.values())


def stock_accuracy(
    *, location: Location, start: datetime | None = None, end: datetime | None = None
) -> StoreAccuracy:
    """One location's accuracy over [start, end), with the figure per day."""
    [entry] = stock_accuracy_by_store(start=start, end=end, locations=[location], with_days=True)
    return entry


def pick_problems(
    *, location: Location, since: datetime | None = None, limit: int = 50
) -> list[StockCountLine]:
    """Recent count lines that found fewer units than were promised to orders (newest first):
    the desk looks for those orders' units, and marks them not found if they are gone."""
    lines = StockCountLine.objects.filter(count__location=location, reserved_shortfall__gt=0)
    if since is not None:
        lines = lines.filter(count__created_at__gte=since)
    return list(
        lines.select_related("variant", "count").order_by("-count__created_at", "-id")[:limit]
    )


@dataclass(frozen=True)
class CountSuggestion:
    variant_id: int
    sku: str
    name: str
    #: "not found", "fast seller" or "not counted lately"
    why: str


#: Suggestions weigh a month of sales, so a few minutes old is as good as new; a count at the
#: location makes them be worked out again (what it counted drops off the list).
SUGGESTIONS_SECONDS = 10 * 60


def _suggestions_version_key(location_id: int) -> str:
    return f"count-suggestions-version:{location_id}"


def _bump(key: str) -> None:
    try:
        cache.incr(key)
    except ValueError:  # no version yet (or evicted): any new value is new
        cache.set(key, timezone.now().timestamp(), None)


def count_suggestions_changed(location_id: int) -> None:
    """Called when a count is recorded at the location: its suggestions and every accuracy
    report are worked out again."""
    _bump(_suggestions_version_key(location_id))
    _bump(ACCURACY_VERSION_KEY)


def count_suggestions(
    *, location: Location, limit: int = 10, days: int = 30
) -> list[CountSuggestion]:
    """`count_suggestions_now`, from the cache: its sales query reads a month of the
    location's movements, too much for every visit to the count page at retail scale."""
    version = cache.get(_suggestions_version_key(location.pk), 0)
    key = f"count-suggestions:{location.pk}:{version}:{limit}:{days}"
    suggestions = cache.get(key)
    if suggestions is None:
        suggestions = count_suggestions_now(location=location, limit=limit, days=days)
        cache.set(key, suggestions, SUGGESTIONS_SECONDS)
    return suggestions


def count_suggestions_now(
    *, location: Location, limit: int = 10, days: int = 30
) -> list[CountSuggestion]:
    """What the clerk should count next at `location`: SKUs a picker could not find lately,
    then the fastest sellers of the last `days` not counted since, then stocked SKUs not
    counted for `days` days. Three queries."""
    since = timezone.now() - timedelta(days=days)
    recently_counted = StockCountLine.objects.filter(
        count__location=location,
        count__source=StockCount.Source.COUNT,
        count__created_at__gte=since,
    ).values("variant_id")
    chosen: dict[int, CountSuggestion] = {}

    def add(rows, why: str) -> None:
        for row in rows:
            if len(chosen) >= limit:
                return
            if row["variant_id"] not in chosen:
                chosen[row["variant_id"]] = CountSuggestion(
                    variant_id=row["variant_id"],
                    sku=row["variant__sku"],
                    name=row["variant__product__name"],
                    why=why,
                )

    fields = ("variant_id", "variant__sku", "variant__product__name")
    add(
        StockCountLine.objects.filter(
            count__location=location,
            count__source=StockCount.Source.NOT_FOUND,
            count__created_at__gte=since,
        )
        .exclude(variant_id__in=recently_counted)
        .values(*fields)
        .annotate(latest=Max("count__created_at"))
        .order_by("-latest")[:limit],
        "not found",
    )
    add(
        StockMovement.objects.filter(
            location=location,
            kind__in=[StockMovement.Kind.SALE, StockMovement.Kind.RESERVATION_COMMIT],
            created_at__gte=since,
        )
        .exclude(variant_id__in=recently_counted)
        .values(*fields)
        .annotate(sold=-Sum("quantity"))
        .order_by("-sold", "variant__sku")[:limit],
        "fast seller",
    )
    add(
        Stock.objects.filter(location=location, on_hand__gt=0)
        .exclude(variant_id__in=recently_counted)
        .values(*fields)
        .order_by("variant__sku")[:limit],
        "not counted lately",
    )
    return list(chosen.values())


def count_list_for_category(
    *, location: Location, category_slug: str, limit: int = 60
) -> list[CountSuggestion]:
    """A shelf by category: the SKUs of that category (or its sub-categories) stocked at
    `location`, by SKU, for the clerk to work through. One query."""
    rows = (
        Stock.objects.filter(location=location, on_hand__gt=0)
        .filter(
            Q(variant__product__category__slug=category_slug)
            | Q(variant__product__category__parent__slug=category_slug)
        )
        .values("variant_id", "variant__sku", "variant__product__name")
        .order_by("variant__sku")[:limit]
    )
    return [
        CountSuggestion(
            variant_id=row["variant_id"],
            sku=row["variant__sku"],
            name=row["variant__product__name"],
            why="in this category",
        )
        for row in rows
    ]
