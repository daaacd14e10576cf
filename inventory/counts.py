"""Cycle counts: what a clerk found on the shelf brings the record back to it.

A count is a snapshot, not a blind overwrite: what was sold, returned, collected or received
at the location after an SKU was counted (its `counted_at`, else the count's `started_at`)
happened after the clerk looked at the shelf, so the record then was on hand now minus those
movements. A sale an offline till sends later counts from when it was rung up (`occurred_at`).
The variance is counted − expected, and it is posted as one adjustment movement per SKU with
reason `count`, through `inventory.services.stock_adjust`.

The stock rows are locked (in primary-key order) before the movements are summed, so a sale
that commits meanwhile is either in the sum and in on hand, or waits and comes after the
adjustment: the variance is right to the unit.

A count never takes a unit promised to a collector or a delivery: when the shelf holds fewer
units than are reserved, on hand comes down to the reserved units only and the missing ones
stay reserved as a `reserved_shortfall`, a pick problem for the desk (`pick_problems`).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext

from inventory.accuracy import count_suggestions_changed
from inventory.errors import InvalidQuantity
from inventory.locks import lock_stock
from inventory.models import Location, Stock, StockCount, StockCountLine, StockMovement
from inventory.services import _ensure_stock_rows, _release_lapsed_at, stock_adjust
from shop.catalog.models import Variant
from shop.errors import InvalidInput

#: A count started longer ago than this is refused: the movements since would be guesswork.
MAX_COUNT_AGE = timedelta(hours=24)
#: A device clock this far ahead of the server is taken as now.
CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class CountedLine:
    variant: Variant
    counted: int
    #: When the clerk counted this SKU (a till: its first scan); None: the count's start.
    counted_at: datetime | None = None


def _check_lines(lines: Sequence[CountedLine]) -> None:
    if not lines:
        raise InvalidInput(gettext("Count at least one item."))
    seen = set()
    for line in lines:
        counted = line.counted
        if isinstance(counted, bool) or not isinstance(counted, int):
            raise InvalidQuantity(
                gettext("A counted quantity must be a whole number, not %(counted)s.")
                % {"counted": f"{counted!r}"}
            )
        if not 0 <= counted <= settings.MAX_LINE_QUANTITY:
            raise InvalidQuantity(
                gettext(
                    "A counted quantity is between 0 and %(MAX_LINE_QUANTITY)s, not %(counted)s."
                )
                % {"MAX_LINE_QUANTITY": settings.MAX_LINE_QUANTITY, "counted": counted}
            )
        if line.variant.pk in seen:
            raise InvalidInput(
                gettext("%(sku)s is counted twice: add the units up.") % {"sku": line.variant.sku}
            )
        seen.add(line.variant.pk)


def _check_moment(moment: datetime, now: datetime, name: str = "started_at") -> datetime:
    if timezone.is_naive(moment):
        raise InvalidInput(gettext("%(name)s needs a time zone.") % {"name": name})
    if moment > now + CLOCK_SKEW:
        raise InvalidInput(gettext("%(name)s is in the future.") % {"name": name})
    if moment < now - MAX_COUNT_AGE:
        raise InvalidInput(
            gettext("%(name)s is more than 24 hours ago: count again.") % {"name": name}
        )
    return min(moment, now)


def _movements_since(location: Location, since: dict[int, datetime]) -> dict[int, int]:
    """{variant pk: units its movements at `location` added after its own moment}: one query.
    A sale an offline till sent later is placed when it happened (`occurred_at`): rung up
    before the shelf was counted, it is in the record the count is compared with."""
    after = Q()
    for variant_id, moment in since.items():
        after |= Q(variant_id=variant_id, moment__gt=moment)
    rows = (
        StockMovement.objects.filter(location=location)
        .annotate(moment=Coalesce("occurred_at", "created_at"))
        .filter(after)
        .values("variant_id")
        .annotate(units=Sum("quantity"))
    )
    return {row["variant_id"]: row["units"] for row in rows}


@transaction.atomic
def stock_count_record(
    *,
    location: Location,
    started_at: datetime,
    lines: Sequence[CountedLine],
    channel: str,
    user=None,
    reference: str = "",
) -> StockCount:
    """Records a count and posts its variances (see the module's docstring)."""
    _check_lines(lines)
    now = timezone.now()
    started_at = _check_moment(started_at, now)
    counted = {line.variant.pk: line.counted for line in lines}
    counted_at = {
        line.variant.pk: max(
            _check_moment(line.counted_at, now, "counted_at") if line.counted_at else started_at,
            started_at,
        )
        for line in lines
    }
    return _record_count(
        location=location,
        variants=[line.variant for line in lines],
        started_at=started_at,
        counted_at=counted_at,
        counted=lambda row: counted[row.variant_id],
        source=StockCount.Source.COUNT,
        channel=channel,
        user=user,
        reference=reference,
    )


@transaction.atomic
def stock_not_found(
    *,
    location: Location,
    variant: Variant,
    quantity: int,
    channel: str,
    user=None,
    reference: str = "",
    shelf_empty: bool = False,
) -> StockCount:
    """A clerk picking an order could not find `quantity` units (already released from their
    hold by the caller): they are written off as a count finding, now. `shelf_empty`: the
    clerk saw no unit at all, a count of zero for the SKU here (held units still stay held)."""
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise InvalidQuantity(
            gettext("Units not found must be a positive whole number, not %(quantity)s.")
            % {"quantity": f"{quantity!r}"}
        )
    now = timezone.now()
    return _record_count(
        location=location,
        variants=[variant],
        started_at=now,
        counted_at={variant.pk: now},
        counted=lambda row: 0 if shelf_empty else max(row.on_hand - quantity, 0),
        source=StockCount.Source.NOT_FOUND,
        channel=channel,
        user=user,
        reference=reference,
    )


def _record_count(
    *,
    location: Location,
    variants: Sequence[Variant],
    started_at: datetime,
    counted_at: dict[int, datetime],
    counted: Callable[[Stock], int],
    source: str,
    channel: str,
    user,
    reference: str,
) -> StockCount:
    """Locks the rows, works each line's expected units out and posts the variances.
    `counted(row)` gives what was found, from the locked stock row."""
    variants = sorted(variants, key=lambda v: v.pk)
    pairs = [(location.pk, v.pk) for v in variants]
    _ensure_stock_rows((location, v) for v in variants)
    _release_lapsed_at(pairs)  # lapsed holds promise nothing: reserved is then what is held
    rows = lock_stock(pairs)
    since = _movements_since(location, counted_at)
    transaction.on_commit(lambda: count_suggestions_changed(location.pk))
    count = StockCount.objects.create(
        location=location,
        started_at=started_at,
        source=source,
        channel=channel,
        reference=reference[:120],
        user=user if user is not None and user.is_authenticated else None,
        created_at=max(timezone.now(), started_at),
    )
    count_lines = []
    for variant in variants:
        row = rows[(location.pk, variant.pk)]
        found = counted(row)
        expected = row.on_hand - since.get(variant.pk, 0)
        variance = found - expected
        adjusted, shortfall = variance, 0
        if row.on_hand + variance < row.reserved:
            shortfall = row.reserved - (row.on_hand + variance)
            adjusted = row.reserved - row.on_hand
        movement = None
        if adjusted:
            movement = stock_adjust(
                location=location,
                variant=variant,
                quantity=adjusted,
                reason="count",
                reference=reference or f"count {count.pk}",
                channel=channel,
                user=user,
            )
        count_lines.append(
            StockCountLine(
                count=count,
                variant=variant,
                expected=expected,
                counted=found,
                counted_at=counted_at[variant.pk],
                variance=variance,
                adjusted=adjusted,
                reserved_shortfall=shortfall,
                movement=movement,
            )
        )
    StockCountLine.objects.bulk_create(count_lines)
    return count
