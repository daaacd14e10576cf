"""The only code that changes stock.

Every function is atomic and race-free under READ COMMITTED: a stock counter changes in one
conditional UPDATE whose WHERE clause is the business check ("take n only if n are free"),
so the check and the take cannot be separated by another transaction. Updates to several
rows are issued in (location, variant) order and reservation rows are locked before stock
rows (see `locks.py`), so concurrent operations cannot deadlock. Every change of on-hand
units writes a ledger movement.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from inventory.errors import InsufficientStock, InvalidQuantity, ReservationNotActive
from inventory.locks import lock_reservations
from inventory.models import Location, Reservation, Stock, StockMovement
from inventory.selectors import availability_at
from shop.catalog.models import Variant
from shop.channels import Channel
from shop.errors import InvalidInput
from shop.orders.models import OrderLine

Kind = StockMovement.Kind


@dataclass(frozen=True)
class StockLine:
    variant: Variant
    quantity: int


@dataclass(frozen=True)
class ReservationRequest:
    """Hold `quantity` units of the order line's variant at `location`."""

    order_line: OrderLine
    location: Location
    quantity: int


ADJUSTMENT_REASONS = ("count", "damage", "theft", "other")


# --- validation --------------------------------------------------------------------------


def _check_quantity(quantity: object, *, signed: bool = False) -> int:
    limit = settings.MAX_LINE_QUANTITY
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise InvalidQuantity(f"Quantity must be a whole number, not {quantity!r}.")
    if signed:
        if quantity == 0 or abs(quantity) > limit:
            raise InvalidQuantity(f"Adjustment must be non-zero and at most {limit} units.")
    elif not 1 <= quantity <= limit:
        raise InvalidQuantity(f"Quantity must be between 1 and {limit}, not {quantity}.")
    return quantity


def _merge_lines(lines: Iterable[StockLine]) -> dict[Variant, int]:
    """Validates each line and adds up repeated variants, so each stock row changes once."""
    merged: dict[int, int] = defaultdict(int)
    variants: dict[int, Variant] = {}
    for line in lines:
        merged[line.variant.pk] += _check_quantity(line.quantity)
        variants[line.variant.pk] = line.variant
    if not merged:
        raise InvalidInput("At least one line is needed.")
    for quantity in merged.values():
        _check_quantity(quantity)  # the sum of several lines may exceed the limit too
    return {variants[pk]: quantity for pk, quantity in merged.items()}


def _sorted_by_stock_key(
    items: Iterable[tuple[Location, Variant, int]],
) -> list[tuple[Location, Variant, int]]:
    return sorted(items, key=lambda item: (item[0].pk, item[1].pk))


# --- primitive counter updates -----------------------------------------------------------


def _ensure_stock_rows(pairs: Iterable[tuple[Location, Variant]]) -> None:
    """Creates missing stock rows (INSERT ... ON CONFLICT DO NOTHING): safe under races."""
    Stock.objects.bulk_create(
        [Stock(location=location, variant=variant) for location, variant in pairs],
        ignore_conflicts=True,
    )


def _stock_rows(location: Location, variant: Variant):
    return Stock.objects.filter(location=location, variant=variant)


def _add_on_hand(location: Location, variant: Variant, quantity: int) -> None:
    _stock_rows(location, variant).update(on_hand=F("on_hand") + quantity)


def _take_on_hand(location: Location, variant: Variant, quantity: int) -> bool:
    """Removes units nobody has reserved; False (and nothing changed) if too few are free."""
    return bool(
        _stock_rows(location, variant)
        .filter(on_hand__gte=F("reserved") + quantity)
        .update(on_hand=F("on_hand") - quantity)
    )


def _hold(location: Location, variant: Variant, quantity: int) -> bool:
    """Reserves units that are free beyond the safety stock; False if too few are."""
    return bool(
        _stock_rows(location, variant)
        .filter(on_hand__gte=F("reserved") + F("safety_stock") + quantity)
        .update(reserved=F("reserved") + quantity)
    )


def _with_expired_released(attempt, location: Location, variant: Variant, quantity: int) -> bool:
    """Runs `attempt`; if it fails, releases lapsed reservations of that row and tries again.

    Expired reservations must not block a sale even before the sweeper has run. Locks on
    reservations are taken with SKIP LOCKED, so this never waits on a reservation another
    transaction is committing and cannot close a lock cycle.
    """
    if attempt(location, variant, quantity):
        return True
    if _release_expired_at(location, variant):
        return attempt(location, variant, quantity)
    return False


def _insufficient(
    location: Location, wanted: dict[Variant, int], taken: dict[Variant, int], verb: str
) -> InsufficientStock:
    """The error for a failed all-or-nothing operation, with availability as it was before it
    started: `taken` holds what this transaction already took from rows it still locks."""
    available = availability_at(location=location, variants=list(wanted))
    details = [
        {
            "sku": variant.sku,
            "requested": quantity,
            "available": available.get(variant.pk, 0) + taken.get(variant, 0),
        }
        for variant, quantity in wanted.items()
    ]
    skus = ", ".join(d["sku"] for d in details if d["requested"] > d["available"])
    return InsufficientStock(
        f"Not enough stock at {location.name} to {verb} {skus or 'these items'}.",
        details=details,
    )


def _record(
    location: Location,
    lines: Iterable[tuple[Variant, int]],
    *,
    kind: str,
    channel: str,
    reference: str = "",
    reason: str = "",
    order=None,
    user=None,
) -> list[StockMovement]:
    now = timezone.now()
    return StockMovement.objects.bulk_create(
        [
            StockMovement(
                location=location,
                variant=variant,
                quantity=quantity,
                kind=kind,
                channel=channel,
                reference=reference[:120],
                reason=reason,
                order=order,
                user=user,
                created_at=now,
            )
            for variant, quantity in lines
        ]
    )


# --- services ------------------------------------------------------------------------------


@transaction.atomic
def stock_receive(
    *,
    location: Location,
    lines: Sequence[StockLine],
    reference: str = "",
    channel: str = Channel.BACKOFFICE,
    user=None,
) -> list[StockMovement]:
    """Goods arrive at a location: on hand goes up."""
    merged = _merge_lines(lines)
    _ensure_stock_rows((location, variant) for variant in merged)
    for _, variant, quantity in _sorted_by_stock_key((location, v, q) for v, q in merged.items()):
        _add_on_hand(location, variant, quantity)
    return _record(
        location, merged.items(), kind=Kind.RECEIPT, channel=channel, reference=reference, user=user
    )


@transaction.atomic
def stock_adjust(
    *,
    location: Location,
    variant: Variant,
    quantity: int,
    reason: str,
    reference: str = "",
    channel: str = Channel.BACKOFFICE,
    user=None,
) -> StockMovement:
    """Corrects on hand after a count, damage or theft. Never below what is reserved."""
    _check_quantity(quantity, signed=True)
    if reason not in ADJUSTMENT_REASONS:
        raise InvalidInput(f"Reason must be one of {', '.join(ADJUSTMENT_REASONS)}.")
    if quantity > 0:
        _ensure_stock_rows([(location, variant)])
        _add_on_hand(location, variant, quantity)
    elif not _with_expired_released(_take_on_hand, location, variant, -quantity):
        row = _stock_rows(location, variant).values("on_hand", "reserved").first() or {}
        on_hand, reserved = row.get("on_hand", 0), row.get("reserved", 0)
        raise InsufficientStock(
            f"Cannot remove {-quantity} of {variant.sku} at {location.name}: "
            f"{on_hand} on hand, {reserved} reserved.",
            details=[
                {
                    "sku": variant.sku,
                    "requested": -quantity,
                    "available": max(on_hand - reserved, 0),
                    "on_hand": on_hand,
                    "reserved": reserved,
                }
            ],
        )
    [movement] = _record(
        location,
        [(variant, quantity)],
        kind=Kind.ADJUSTMENT,
        channel=channel,
        reference=reference,
        reason=reason,
        user=user,
    )
    return movement


@transaction.atomic
def stock_transfer(
    *,
    source: Location,
    destination: Location,
    lines: Sequence[StockLine],
    reference: str = "",
    channel: str = Channel.BACKOFFICE,
    user=None,
) -> list[StockMovement]:
    """Moves unreserved units between locations: all lines or none."""
    if source.pk == destination.pk:
        raise InvalidInput("A transfer needs two different locations.")
    merged = _merge_lines(lines)
    _ensure_stock_rows((destination, variant) for variant in merged)
    changes = [(source, v, -q) for v, q in merged.items()] + [
        (destination, v, q) for v, q in merged.items()
    ]
    taken: dict[Variant, int] = {}
    for location, variant, quantity in _sorted_by_stock_key(changes):
        if quantity > 0:
            _add_on_hand(location, variant, quantity)
        elif _with_expired_released(_take_on_hand, location, variant, -quantity):
            taken[variant] = -quantity
        else:
            raise _insufficient(source, merged, taken, "transfer")
    reference = reference or f"{source.code}→{destination.code}"
    out = [(v, -q) for v, q in merged.items()]
    common = {"channel": channel, "reference": reference, "user": user}
    return _record(source, out, kind=Kind.TRANSFER_OUT, **common) + _record(
        destination, merged.items(), kind=Kind.TRANSFER_IN, **common
    )


def stock_sell(
    *,
    location: Location,
    lines: Sequence[StockLine],
    channel: str,
    reference: str = "",
    order=None,
    user=None,
) -> list[StockMovement]:
    """An immediate sale at a location (the till): all lines or none.

    Units promised to a reservation are never sold; the safety stock is (the customer is
    holding the item, so it exists).
    """
    merged = _merge_lines(lines)
    if len(merged) == 1 and connection.vendor == "postgresql":
        [(variant, quantity)] = merged.items()
        movement = _sell_in_one_statement(
            location,
            variant,
            quantity,
            channel=channel,
            reference=reference,
            order=order,
            user=user,
        )
        if movement is not None:
            return [movement]
    return _sell_lines(location, merged, channel, reference, order, user)


@transaction.atomic
def _sell_lines(location, merged, channel, reference, order, user) -> list[StockMovement]:
    taken: dict[Variant, int] = {}
    for _, variant, quantity in _sorted_by_stock_key((location, v, q) for v, q in merged.items()):
        if not _with_expired_released(_take_on_hand, location, variant, quantity):
            raise _insufficient(location, merged, taken, "sell")
        taken[variant] = quantity
    out = [(variant, -quantity) for variant, quantity in merged.items()]
    return _record(
        location, out, kind=Kind.SALE, channel=channel, reference=reference, order=order, user=user
    )


_SELL_SQL = f"""
WITH taken AS (
    UPDATE {Stock._meta.db_table}
    SET on_hand = on_hand - %(quantity)s, updated_at = now()
    WHERE location_id = %(location)s AND variant_id = %(variant)s
      AND on_hand >= reserved + %(quantity)s
    RETURNING location_id, variant_id
)
INSERT INTO {StockMovement._meta.db_table}
    (location_id, variant_id, quantity, kind, reference, reason, channel, order_id, user_id,
     created_at)
SELECT location_id, variant_id, -%(quantity)s, %(kind)s, %(reference)s, '', %(channel)s,
       %(order)s, %(user)s, now()
FROM taken
RETURNING id, created_at
"""


def _sell_in_one_statement(
    location: Location, variant: Variant, quantity: int, *, channel, reference, order, user
) -> StockMovement | None:
    """The till's hot path on PostgreSQL: the guarded take and its ledger row in one statement.

    One statement is atomic on its own, so outside a transaction this is one round trip and
    the stock row is locked only while PostgreSQL runs it; inside one it simply joins it.
    None when too few units are free: the caller then takes the general path, which also
    releases lapsed reservations.
    """
    params = {
        "quantity": quantity,
        "location": location.pk,
        "variant": variant.pk,
        "kind": Kind.SALE,
        "reference": reference[:120],
        "channel": channel,
        "order": order.pk if order is not None else None,
        "user": user.pk if user is not None and user.is_authenticated else None,
    }
    with connection.cursor() as cursor:
        cursor.execute(_SELL_SQL, params)
        row = cursor.fetchone()
    if row is None:
        return None
    movement_id, created_at = row
    return StockMovement(
        id=movement_id,
        location=location,
        variant=variant,
        quantity=-quantity,
        kind=Kind.SALE,
        reference=params["reference"],
        channel=channel,
        order=order,
        user=user if params["user"] else None,
        created_at=created_at,
    )


@transaction.atomic
def stock_return(
    *,
    location: Location,
    lines: Sequence[StockLine],
    channel: str,
    reference: str = "",
    order=None,
    user=None,
) -> list[StockMovement]:
    """Returned goods go back on the shelf at the location that took them back."""
    merged = _merge_lines(lines)
    _ensure_stock_rows((location, variant) for variant in merged)
    for _, variant, quantity in _sorted_by_stock_key((location, v, q) for v, q in merged.items()):
        _add_on_hand(location, variant, quantity)
    return _record(
        location,
        merged.items(),
        kind=Kind.RETURN,
        channel=channel,
        reference=reference,
        order=order,
        user=user,
    )


@transaction.atomic
def stock_reserve(
    *, requests: Sequence[ReservationRequest], expires_at: datetime | None
) -> list[Reservation]:
    """Holds stock for an order's lines: every request or none.

    `expires_at` None means the hold never lapses (delivery orders until shipped).
    """
    if not requests:
        raise InvalidInput("Nothing to reserve.")
    wanted: dict[tuple[Location, Variant], int] = defaultdict(int)
    for request in requests:
        key = (request.location, request.order_line.variant)
        wanted[key] += _check_quantity(request.quantity)
    held: dict[tuple[Location, Variant], int] = {}
    for location, variant, quantity in _sorted_by_stock_key(
        (loc, var, q) for (loc, var), q in wanted.items()
    ):
        if not _with_expired_released(_hold, location, variant, quantity):
            here = {var: q for (loc, var), q in wanted.items() if loc.pk == location.pk}
            taken = {var: q for (loc, var), q in held.items() if loc.pk == location.pk}
            raise _insufficient(location, here, taken, "reserve")
        held[(location, variant)] = quantity
    return Reservation.objects.bulk_create(
        [
            Reservation(
                order_line=request.order_line,
                location=request.location,
                variant=request.order_line.variant,
                quantity=request.quantity,
                expires_at=expires_at,
            )
            for request in requests
        ]
    )


def _close(reservations: Iterable[Reservation], state: str) -> None:
    """Marks locked, active reservations closed and gives their units back to the counter."""
    reservations = list(reservations)
    if not reservations:
        return
    Reservation.objects.filter(pk__in=[r.pk for r in reservations]).update(
        state=state, closed_at=timezone.now()
    )
    held: dict[tuple[int, int], int] = defaultdict(int)
    for reservation in reservations:
        held[(reservation.location_id, reservation.variant_id)] += reservation.quantity
    for (location_id, variant_id), quantity in sorted(held.items()):
        if state == Reservation.State.COMMITTED:
            change = {"on_hand": F("on_hand") - quantity, "reserved": F("reserved") - quantity}
        else:
            change = {"reserved": F("reserved") - quantity}
        Stock.objects.filter(location_id=location_id, variant_id=variant_id).update(**change)


def _lock_active(reservations: Iterable[Reservation]) -> list[Reservation]:
    locked = lock_reservations(r.pk for r in reservations)
    return [r for r in locked if r.state == Reservation.State.ACTIVE]


@transaction.atomic
def stock_release(*, reservations: Iterable[Reservation]) -> int:
    """Gives reserved units back (order cancelled or expired). Already closed ones are skipped,
    so releasing twice releases once. Returns the number of reservations released."""
    active = _lock_active(reservations)
    _close(active, Reservation.State.RELEASED)
    return len(active)


@transaction.atomic
def stock_commit(
    *,
    reservations: Iterable[Reservation],
    channel: str,
    reference: str = "",
    order=None,
    user=None,
) -> list[StockMovement]:
    """Turns reservations into a sale: the units leave on hand and the ledger records it."""
    reservations = list(reservations)
    active = _lock_active(reservations)
    if len(active) != len(reservations):
        raise ReservationNotActive(
            "Some reservations were already released, expired or committed.",
            details=[r.pk for r in reservations if r.pk not in {a.pk for a in active}],
        )
    _close(active, Reservation.State.COMMITTED)
    by_location: dict[int, list[tuple[Variant, int]]] = defaultdict(list)
    locations = {}
    for reservation in active:
        by_location[reservation.location_id].append((reservation.variant, -reservation.quantity))
        locations[reservation.location_id] = reservation.location
    movements = []
    for location_id, lines in sorted(by_location.items()):
        movements += _record(
            locations[location_id],
            lines,
            kind=Kind.RESERVATION_COMMIT,
            channel=channel,
            reference=reference,
            order=order,
            user=user,
        )
    return movements


def _release_expired_at(location: Location, variant: Variant) -> int:
    ids = Reservation.objects.expired_unreleased().filter(location=location, variant=variant)
    return _expire(ids.values_list("pk", flat=True))


def _expire(ids: Iterable[int]) -> int:
    locked = lock_reservations(ids, skip_locked=True)
    lapsed = [
        r
        for r in locked
        if r.state == Reservation.State.ACTIVE and r.expires_at and r.expires_at <= timezone.now()
    ]
    _close(lapsed, Reservation.State.EXPIRED)
    return len(lapsed)


def reservations_release_expired(*, batch_size: int = 500) -> int:
    """The sweeper: releases every reservation past its expiry, in short transactions.

    Idempotent: a reservation already released (by an earlier or a concurrent run) is skipped.
    """
    released = 0
    while True:
        ids = list(
            Reservation.objects.expired_unreleased()
            .order_by("pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            return released
        with transaction.atomic():
            count = _expire(ids)
        released += count
        if count == 0:
            return released  # the rest is locked by a concurrent run, which releases it


@transaction.atomic
def reservations_set_expiry(
    *, reservations: Iterable[Reservation], expires_at: datetime | None
) -> int:
    """Moves the expiry of active reservations, e.g. from the payment window to the pickup
    deadline once an order is paid. Counters do not change."""
    active = _lock_active(reservations)
    Reservation.objects.filter(pk__in=[r.pk for r in active]).update(expires_at=expires_at)
    return len(active)
