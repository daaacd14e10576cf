"""The one place that takes row locks on inventory rows.

Lock order is fixed so two transactions never wait on each other in a cycle:
reservations before stock rows, each kind in primary-key order. Single stock counters
are not locked at all: they change through conditional UPDATEs in services.py, issued in
(location, variant) order, which is the stock table's unique key and so a fixed order too.
"""

from collections.abc import Iterable

from inventory.models import Reservation


def lock_reservations(ids: Iterable[int], *, skip_locked: bool = False) -> list[Reservation]:
    """Locks the given reservations (primary-key order) and returns them."""
    return list(
        Reservation.objects.filter(pk__in=list(ids))
        .order_by("pk")
        .select_for_update(skip_locked=skip_locked)
    )
