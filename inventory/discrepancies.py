"""Stock services for sales that happened before the books could see them (an offline till).

A sale made offline is a fact: the customer left with the goods. When it reaches the server,
each line takes what the store can still give (free units: on hand minus reserved, so never a
unit promised to a collector, never below zero) and the rest becomes a `StockDiscrepancy` for
a manager to resolve. Same locking as `inventory.services`: the rows in primary-key order,
then one UPDATE, then the ledger.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from inventory.errors import DiscrepancyResolved
from inventory.locks import lock_stock
from inventory.models import Location, StockDiscrepancy, StockMovement
from inventory.services import (
    StockLine,
    _apply,
    _free,
    _merge_lines,
    _record,
    _release_lapsed_at,
    stock_adjust,
    stock_transfer,
)
from shop.channels import Channel
from shop.errors import InvalidInput

Kind = StockMovement.Kind
Resolution = StockDiscrepancy.Resolution


@dataclass(frozen=True)
class SoldAnyway:
    movements: list[StockMovement]
    discrepancies: list[StockDiscrepancy]


@transaction.atomic
def stock_sell_recorded(
    *,
    location: Location,
    lines: Sequence[StockLine],
    channel: str,
    reference: str = "",
    order=None,
    user=None,
    occurred_at: datetime | None = None,
) -> SoldAnyway:
    """Records a sale that already happened: takes the free units of each line, and writes a
    discrepancy for each line's shortfall instead of refusing the sale. `occurred_at`: when it
    happened, if the till could not send it then (a count made meanwhile compares with it)."""
    merged = _merge_lines(lines)
    wanted = {(location.pk, v.pk): q for v, q in merged.items()}
    rows = lock_stock(wanted)
    short = [p for p, q in wanted.items() if _free(rows.get(p), for_hold=False) < q]
    if short and _release_lapsed_at(short):
        rows = lock_stock(wanted)
    taken = {p: min(q, _free(rows.get(p), for_hold=False)) for p, q in wanted.items()}
    _apply(rows, on_hand={p: -q for p, q in taken.items() if q}, reserved={})
    by_pair = {(location.pk, v.pk): v for v in merged}
    movements = _record(
        location,
        [(by_pair[p], -q) for p, q in taken.items() if q],
        kind=Kind.SALE,
        channel=channel,
        reference=reference,
        order=order,
        user=user,
        occurred_at=occurred_at,
    )
    discrepancies = StockDiscrepancy.objects.bulk_create(
        StockDiscrepancy(
            location=location,
            variant=by_pair[p],
            quantity=wanted[p] - q,
            requested=wanted[p],
            available=q,
            channel=channel,
            reference=reference[:120],
            order=order,
        )
        for p, q in taken.items()
        if q < wanted[p]
    )
    return SoldAnyway(movements=movements, discrepancies=discrepancies)


@transaction.atomic
def stock_discrepancy_resolve(
    *,
    discrepancy: StockDiscrepancy,
    resolution: str,
    user=None,
    source: Location | None = None,
    note: str = "",
) -> StockDiscrepancy:
    """Closes a discrepancy once (a second resolve is refused):
    - `count`: a count found the units after all: they are counted in, then sold;
    - `transfer`: units come from `source` and are sold here;
    - `write_off`: the loss is accepted; stock is left as it is.
    """
    if resolution not in Resolution.values:
        raise InvalidInput(
            gettext("Resolution must be one of %(join)s.") % {"join": ", ".join(Resolution.values)}
        )
    if resolution == Resolution.TRANSFER and source is None:
        raise InvalidInput(
            gettext("A transfer needs the location the units come from."), details=["source"]
        )
    claimed = StockDiscrepancy.objects.filter(
        pk=discrepancy.pk, status=StockDiscrepancy.Status.OPEN
    ).update(
        status=StockDiscrepancy.Status.RESOLVED,
        resolution=resolution,
        resolved_at=timezone.now(),
        resolved_by=user if user is not None and user.is_authenticated else None,
        note=note[:255],
    )
    if not claimed:
        raise DiscrepancyResolved(
            gettext("Discrepancy %(pk)s is already resolved.") % {"pk": discrepancy.pk}
        )
    discrepancy.refresh_from_db()
    location, variant, quantity = discrepancy.location, discrepancy.variant, discrepancy.quantity
    reference = f"discrepancy {discrepancy.pk}"
    common = {"channel": Channel.BACKOFFICE, "reference": reference, "user": user}
    if resolution == Resolution.COUNT:
        stock_adjust(
            location=location, variant=variant, quantity=quantity, reason="count", **common
        )
    elif resolution == Resolution.TRANSFER:
        stock_transfer(
            source=source, destination=location, lines=[StockLine(variant, quantity)], **common
        )
    if resolution != Resolution.WRITE_OFF:
        _take_for_sale(location, variant, quantity, discrepancy=discrepancy, user=user)
    return discrepancy


def _take_for_sale(location, variant, quantity, *, discrepancy, user) -> None:
    """The units just counted or brought in leave with the sale that was short of them."""
    pair = (location.pk, variant.pk)
    rows = lock_stock([pair])
    _apply(rows, on_hand={pair: -quantity}, reserved={})
    _record(
        location,
        [(variant, -quantity)],
        kind=Kind.SALE,
        channel=discrepancy.channel,
        reference=discrepancy.reference or f"discrepancy {discrepancy.pk}",
        order=discrepancy.order,
        user=user,
    )
