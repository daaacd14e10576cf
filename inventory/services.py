"""The only code that changes stock.

Every function is atomic and race-free under READ COMMITTED. The stock rows an operation
touches are locked first, in primary-key order (`locks.py`), so concurrent operations cannot
deadlock; the check ("are n units free?") is made on the locked rows and all of them change
in one UPDATE, so an operation costs the same number of queries for 2 lines as for 50. A
single-row change may instead be one conditional UPDATE whose WHERE clause is the check: on
PostgreSQL a one-line sale or reservation is one statement with its ledger movement or
reservation row, so a popular item's row is locked for that statement and the commit only.
Every change of on-hand units writes a ledger movement.

Reservations past their expiry no longer hold stock even before the sweeper releases them:
when an operation finds too few free units on a row, it first releases that row's lapsed
reservations, then checks again.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, F, IntegerField, Value, When
from django.utils import timezone
from django.utils.translation import gettext

from inventory.errors import InsufficientStock, InvalidQuantity, ReservationNotActive
from inventory.locks import Pair, lock_reservations, lock_stock, pairs_filter
from inventory.models import Location, Reservation, Stock, StockMovement
from shop.catalog.models import Variant
from shop.channels import Channel
from shop.errors import InvalidInput

if TYPE_CHECKING:
    from shop.orders.models import OrderLine

Kind = StockMovement.Kind
ADJUSTMENT_REASONS = ("count", "damage", "theft", "other")


@dataclass(frozen=True)
class StockLine:
    variant: Variant
    quantity: int


@dataclass(frozen=True)
class ReservationRequest:
    """Hold `quantity` units of the order line's variant at `location`."""

    order_line: "OrderLine"
    location: Location
    quantity: int


# --- validation --------------------------------------------------------------------------


def _check_quantity(quantity: object, *, signed: bool = False) -> int:
    limit = settings.MAX_LINE_QUANTITY
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise InvalidQuantity(
            gettext("Quantity must be a whole number, not %(quantity)s.")
            % {"quantity": f"{quantity!r}"}
        )
    if signed:
        if quantity == 0 or abs(quantity) > limit:
            raise InvalidQuantity(
                gettext("Adjustment must be non-zero and at most %(limit)s units.")
                % {"limit": limit}
            )
    elif not 1 <= quantity <= limit:
        raise InvalidQuantity(
            gettext("Quantity must be between 1 and %(limit)s, not %(quantity)s.")
            % {"limit": limit, "quantity": quantity}
        )
    return quantity


def _merge_lines(lines: Iterable[StockLine]) -> dict[Variant, int]:
    """Validates each line and adds up repeated variants, so each stock row changes once."""
    merged: dict[Variant, int] = defaultdict(int)
    for line in lines:
        merged[line.variant] += _check_quantity(line.quantity)
    if not merged:
        raise InvalidInput(gettext("At least one line is needed."))
    for quantity in merged.values():
        _check_quantity(quantity)  # the sum of several lines may exceed the limit too
    return dict(merged)


# --- locked, batched row changes ---------------------------------------------------------


def _ensure_stock_rows(pairs: Iterable[tuple[Location, Variant]]) -> None:
    """Creates missing stock rows (INSERT ... ON CONFLICT DO NOTHING): safe under races."""
    Stock.objects.bulk_create(
        [Stock(location=location, variant=variant) for location, variant in pairs],
        ignore_conflicts=True,
    )


def _apply(rows: dict[Pair, Stock], on_hand: dict[Pair, int], reserved: dict[Pair, int]) -> None:
    """Adds the given deltas to locked rows, in one UPDATE whatever their number."""
    changes = {}
    for name, deltas in (("on_hand", on_hand), ("reserved", reserved)):
        whens = [When(pk=rows[pair].pk, then=Value(delta)) for pair, delta in deltas.items()]
        if whens:
            delta = Case(*whens, default=Value(0), output_field=IntegerField())
            changes[name] = F(name) + delta
    pks = [rows[pair].pk for pair in {*on_hand, *reserved}]
    if pks:
        Stock.objects.filter(pk__in=pks).update(**changes, updated_at=timezone.now())


def _free(row: Stock | None, *, for_hold: bool) -> int:
    """Units a sale (or, `for_hold`, a reservation) may take from a locked row."""
    if row is None:
        return 0
    free = row.on_hand - row.reserved - (row.safety_stock if for_hold else 0)
    return max(free, 0)


def _lock_enough(
    wanted: dict[Pair, int], *, for_hold: bool, also: Iterable[Pair] = ()
) -> tuple[dict[Pair, Stock], list]:
    """Locks the rows (with the `also` rows, all in one primary-key ordered lock) and checks
    each wanted row has enough units free, releasing lapsed reservations of short rows once.
    Returns the locked rows and the short pairs (empty when all fit)."""
    pairs = {*wanted, *also}
    rows = lock_stock(pairs)
    short = [p for p, q in wanted.items() if _free(rows.get(p), for_hold=for_hold) < q]
    if short and _release_lapsed_at(short):
        rows = lock_stock(pairs)  # re-read: the counters changed
        short = [p for p, q in wanted.items() if _free(rows.get(p), for_hold=for_hold) < q]
    return rows, short


def _insufficient(
    verb: str,
    wanted: dict[Pair, int],
    rows: dict[Pair, Stock],
    variants: dict[int, Variant],
    locations: dict[int, Location],
    *,
    for_hold: bool,
) -> InsufficientStock:
    details = [
        {
            "sku": variants[variant_id].sku,
            "requested": quantity,
            "available": _free(rows.get((location_id, variant_id)), for_hold=for_hold),
        }
        for (location_id, variant_id), quantity in wanted.items()
    ]
    short = [d for d in details if d["requested"] > d["available"]]
    where = {locations[location_id].name for (location_id, _), _ in wanted.items()}
    return InsufficientStock(
        f"Not enough stock at {', '.join(sorted(where))} to {verb} "
        f"{', '.join(d['sku'] for d in short)}.",
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
    occurred_at: datetime | None = None,
) -> list[StockMovement]:
    now = timezone.now()
    if user is not None and not user.is_authenticated:
        user = None
    if occurred_at is not None:
        occurred_at = min(occurred_at, now)  # a device clock ahead of ours
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
                occurred_at=occurred_at,
            )
            for variant, quantity in lines
        ]
    )


def _add_units(location: Location, merged: dict[Variant, int]) -> None:
    _ensure_stock_rows((location, variant) for variant in merged)
    wanted = {(location.pk, v.pk): q for v, q in merged.items()}
    _apply(lock_stock(wanted), on_hand=wanted, reserved={})


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
    _add_units(location, merged)
    return _record(
        location, merged.items(), kind=Kind.RECEIPT, channel=channel, reference=reference, user=user
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
    _add_units(location, merged)
    return _record(
        location,
        merged.items(),
        kind=Kind.RETURN,
        channel=channel,
        reference=reference,
        order=order,
        user=user,
    )


def _take_on_hand(location: Location, variant: Variant, quantity: int) -> bool:
    """One row: removes units nobody has reserved; False (nothing changed) if too few."""
    return bool(
        Stock.objects.filter(
            location=location, variant=variant, on_hand__gte=F("reserved") + quantity
        ).update(on_hand=F("on_hand") - quantity, updated_at=timezone.now())
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
        raise InvalidInput(
            gettext("Reason must be one of %(join)s.") % {"join": ", ".join(ADJUSTMENT_REASONS)}
        )
    if quantity > 0:
        _add_units(location, {variant: quantity})
    elif not _take_on_hand(location, variant, -quantity):
        pair = (location.pk, variant.pk)
        if not (_release_lapsed_at([pair]) and _take_on_hand(location, variant, -quantity)):
            row = lock_stock([pair]).get(pair)
            on_hand, reserved = (row.on_hand, row.reserved) if row else (0, 0)
            raise InsufficientStock(
                gettext(
                    "Cannot remove %(value)s of %(sku)s at %(name)s: %(on_hand)s on hand, "
                    "%(reserved)s reserved."
                )
                % {
                    "value": -quantity,
                    "sku": variant.sku,
                    "name": location.name,
                    "on_hand": on_hand,
                    "reserved": reserved,
                },
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
        raise InvalidInput(gettext("A transfer needs two different locations."))
    merged = _merge_lines(lines)
    _ensure_stock_rows((destination, variant) for variant in merged)
    out = {(source.pk, v.pk): q for v, q in merged.items()}
    into = {(destination.pk, v.pk): q for v, q in merged.items()}
    rows, short = _lock_enough(out, for_hold=False, also=into)
    if short:
        variants = {v.pk: v for v in merged}
        raise _insufficient("transfer", out, rows, variants, {source.pk: source}, for_hold=False)
    _apply(rows, on_hand={**{p: -q for p, q in out.items()}, **into}, reserved={})
    reference = reference or f"{source.code}→{destination.code}"
    common = {"channel": channel, "reference": reference, "user": user}
    return _record(
        source, [(v, -q) for v, q in merged.items()], kind=Kind.TRANSFER_OUT, **common
    ) + _record(destination, merged.items(), kind=Kind.TRANSFER_IN, **common)


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
    wanted = {(location.pk, v.pk): q for v, q in merged.items()}
    rows, short = _lock_enough(wanted, for_hold=False)
    if short:
        variants = {v.pk: v for v in merged}
        raise _insufficient("sell", wanted, rows, variants, {location.pk: location}, for_hold=False)
    _apply(rows, on_hand={p: -q for p, q in wanted.items()}, reserved={})
    return _record(
        location,
        [(v, -q) for v, q in merged.items()],
        kind=Kind.SALE,
        channel=channel,
        reference=reference,
        order=order,
        user=user,
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
    user = user if user is not None and user.is_authenticated else None
    params = {
        "quantity": quantity,
        "location": location.pk,
        "variant": variant.pk,
        "kind": Kind.SALE,
        "reference": reference[:120],
        "channel": channel,
        "order": order.pk if order is not None else None,
        "user": user.pk if user is not None else None,
    }
    row = _one_statement(_SELL_SQL, params)
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
        user=user,
        created_at=created_at,
    )


def _one_statement(sql: str, params: dict) -> tuple | None:
    """Runs one statement (atomic on its own) and returns its one row, None if it has none."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def stock_reserve(
    *, requests: Sequence[ReservationRequest], expires_at: datetime | None
) -> list[Reservation]:
    """Holds stock for an order's lines: every request or none, in a fixed number of queries
    (one statement for a single request on PostgreSQL, as a till sale of one line).

    `expires_at` None means the hold never lapses (delivery orders until shipped).
    """
    if not requests:
        raise InvalidInput(gettext("Nothing to reserve."))
    if len(requests) == 1 and connection.vendor == "postgresql":
        [request] = requests
        _check_quantity(request.quantity)
        reservation = _reserve_in_one_statement(request, expires_at)
        if reservation is not None:
            return [reservation]
    return _reserve_lines(requests, expires_at)


@transaction.atomic
def _reserve_lines(
    requests: Sequence[ReservationRequest], expires_at: datetime | None
) -> list[Reservation]:
    wanted: dict[Pair, int] = defaultdict(int)
    for request in requests:
        pair = (request.location.pk, request.order_line.variant_id)
        wanted[pair] += _check_quantity(request.quantity)
    rows, short = _lock_enough(wanted, for_hold=True)
    if short:
        variants = {r.order_line.variant_id: r.order_line.variant for r in requests}
        locations = {r.location.pk: r.location for r in requests}
        raise _insufficient("reserve", wanted, rows, variants, locations, for_hold=True)
    _apply(rows, on_hand={}, reserved=wanted)
    return Reservation.objects.bulk_create(
        [
            Reservation(
                order_line=request.order_line,
                location=request.location,
                variant_id=request.order_line.variant_id,
                quantity=request.quantity,
                expires_at=expires_at,
            )
            for request in requests
        ]
    )


_RESERVE_SQL = f"""
WITH held AS (
    UPDATE {Stock._meta.db_table}
    SET reserved = reserved + %(quantity)s, updated_at = now()
    WHERE location_id = %(location)s AND variant_id = %(variant)s
      AND on_hand - reserved - safety_stock >= %(quantity)s
    RETURNING location_id, variant_id
)
INSERT INTO {Reservation._meta.db_table}
    (order_line_id, location_id, variant_id, quantity, expires_at, state, created_at)
SELECT %(order_line)s, location_id, variant_id, %(quantity)s, %(expires_at)s, %(state)s, now()
FROM held
RETURNING id, created_at
"""


def _reserve_in_one_statement(
    request: ReservationRequest, expires_at: datetime | None
) -> Reservation | None:
    """A web order's hot path on PostgreSQL, as `_sell_in_one_statement` is the till's: the
    guarded hold and its reservation row in one statement. None when too few units are free:
    the caller then takes the general path, which also releases lapsed reservations."""
    line = request.order_line
    params = {
        "quantity": request.quantity,
        "location": request.location.pk,
        "variant": line.variant_id,
        "order_line": line.pk,
        "expires_at": expires_at,
        "state": Reservation.State.ACTIVE,
    }
    row = _one_statement(_RESERVE_SQL, params)
    if row is None:
        return None
    reservation_id, created_at = row
    return Reservation(
        id=reservation_id,
        order_line=line,
        location=request.location,
        variant_id=line.variant_id,
        quantity=request.quantity,
        expires_at=expires_at,
        state=Reservation.State.ACTIVE,
        created_at=created_at,
    )


def _close(reservations: list[Reservation], state: str) -> None:
    """Marks locked, active reservations closed and gives their units back to the counter
    (and, when committed, takes them off on hand)."""
    if not reservations:
        return
    Reservation.objects.filter(pk__in=[r.pk for r in reservations]).update(
        state=state, closed_at=timezone.now()
    )
    held: dict[Pair, int] = defaultdict(int)
    for reservation in reservations:
        held[(reservation.location_id, reservation.variant_id)] -= reservation.quantity
    sold = held if state == Reservation.State.COMMITTED else {}
    _apply(lock_stock(held), on_hand=sold, reserved=held)


def _lock_active(reservations: Iterable[Reservation]) -> list[Reservation]:
    return [r for r in lock_reservations(reservations) if r.state == Reservation.State.ACTIVE]


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
    wanted = list(reservations)
    active = _lock_active(wanted)
    if len(active) != len(wanted):
        closed = {r.pk for r in wanted} - {r.pk for r in active}
        raise ReservationNotActive(
            gettext("Some reservations were already released, expired or committed."),
            details=sorted(closed),
        )
    _close(active, Reservation.State.COMMITTED)
    by_location: dict[int, list[tuple[Variant, int]]] = defaultdict(list)
    locations = {r.location_id: r.location for r in active}
    for reservation in active:
        by_location[reservation.location_id].append((reservation.variant, -reservation.quantity))
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


@transaction.atomic(savepoint=False)  # raises nothing of its own: no savepoint needed
def reservations_set_expiry(
    *, reservations: Iterable[Reservation], expires_at: datetime | None
) -> list[Reservation]:
    """Moves the expiry of active reservations, e.g. from the payment window to the pickup
    deadline once an order is paid. Counters do not change. Returns the reservations it could
    not move because they are no longer active (released, expired, committed)."""
    locked = lock_reservations(reservations)
    active = [r for r in locked if r.state == Reservation.State.ACTIVE]
    Reservation.objects.filter(pk__in=[r.pk for r in active]).update(expires_at=expires_at)
    return [r for r in locked if r.state != Reservation.State.ACTIVE]


def _expire(ids: Iterable[int]) -> int:
    """Releases the lapsed ones among these reservations. SKIP LOCKED: a reservation another
    transaction is committing is left to it, so this never waits on a reservation lock."""
    now = timezone.now()
    lapsed = [
        r
        for r in lock_reservations(ids, skip_locked=True)
        if r.state == Reservation.State.ACTIVE and r.expires_at and r.expires_at <= now
    ]
    _close(lapsed, Reservation.State.EXPIRED)
    return len(lapsed)


def _release_lapsed_at(pairs: Sequence[Pair]) -> int:
    lapsed = Reservation.objects.expired_unreleased().filter(pairs_filter(pairs))
    return _expire(lapsed.values_list("pk", flat=True))


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
