"""The one place that takes row locks on inventory rows.

Lock order is fixed so two transactions never wait on each other in a cycle: reservations
before stock rows, each kind in primary-key order. Every multi-row stock change first locks
its rows here, then updates them in one statement. A single stock row may instead change
through one conditional UPDATE (which locks just that row).

A sale, a checkout, a pickup or a return also updates rows that other sales update, and takes
them in this order, stock last: the cart (a checkout claims it), gift cards and store credit
(spent by conditional updates in primary-key order), the store's open drawer session (cash
counts a movement on it), the counters of promotions with a usage limit, then
reservations and stock rows. Stock comes last because every channel's sales of a popular item
queue on its row: it is then held for the stock statement(s) and the commit only.
"""

from collections.abc import Iterable

from django.db.models import Q, QuerySet

from inventory.models import Reservation, Stock

Pair = tuple[int, int]  # (location_id, variant_id): the stock table's unique key


def pairs_filter(pairs: Iterable[Pair], prefix: str = "") -> Q:
    """Matches rows whose (location, variant) is one of `pairs`."""
    match = Q()
    for location_id, variant_id in set(pairs):
        match |= Q(**{f"{prefix}location_id": location_id, f"{prefix}variant_id": variant_id})
    return match


def lock_stock(pairs: Iterable[Pair]) -> dict[Pair, Stock]:
    """Locks the stock rows of these (location, variant) pairs in primary-key order.
    Pairs without a row are absent from the result."""
    match = pairs_filter(pairs)
    if not match:
        return {}
    rows = Stock.objects.filter(match).order_by("pk").select_for_update()
    return {(row.location_id, row.variant_id): row for row in rows}


def lock_reservations(
    reservations: QuerySet | Iterable[Reservation] | Iterable[int], *, skip_locked: bool = False
) -> list[Reservation]:
    """Locks the given reservations (primary-key order) and returns them, fresh. A queryset
    is locked in the same single query."""
    if isinstance(reservations, QuerySet):
        ids = reservations.values("pk")
    else:
        ids = [r.pk if isinstance(r, Reservation) else r for r in reservations]
    return list(
        Reservation.objects.filter(pk__in=ids)
        .select_related("location", "variant")
        .order_by("pk")
        .select_for_update(skip_locked=skip_locked, of=("self",))
    )
