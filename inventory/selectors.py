"""Stock reads. Availability = on hand − reserved − safety stock, never below zero, where
reservations past their expiry no longer count even if the sweeper has not released them."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache

from django.db import connections, router
from django.utils import timezone

from inventory.models import Location, Reservation, Stock
from shop.catalog.models import Variant


def _available(row: dict, *, for_sale: bool = False) -> int:
    safety = 0 if for_sale else row["safety_stock"]
    return max(row["on_hand"] - row["reserved"] + row["lapsed"] - safety, 0)


FIELDS = ("location_id", "variant_id", "on_hand", "reserved", "safety_stock", "lapsed")


@cache
def _stock_rows_sql(vendor: str) -> str:
    """The SQL of `_stock_rows` for a database backend, `{locations}` and `{variants}` left for
    the placeholders of the ids. Written once per process: building the same query with the
    ORM (a correlated Subquery in an annotation) cost the product page more Python than all the
    rest of its view. No ORDER BY: callers key the rows by location and variant."""
    quote = connections[router.db_for_read(Stock)].ops.quote_name
    stock, reservation = Stock._meta, Reservation._meta

    def s(name: str) -> str:
        return "s." + quote(stock.get_field(name).column)

    def r(name: str) -> str:
        return "r." + quote(reservation.get_field(name).column)

    # Units of the row's reservations past their expiry that no sweeper released yet.
    lapsed = (
        f"SELECT SUM({r('quantity')}) FROM {quote(reservation.db_table)} r"
        f" WHERE {r('location')} = {s('location')} AND {r('variant')} = {s('variant')}"
        f" AND {r('state')} = %s AND {r('expires_at')} <= %s"
    )
    return (
        f"SELECT {s('location')}, {s('variant')}, {s('on_hand')}, {s('reserved')},"
        f" {s('safety_stock')}, COALESCE(({lapsed}), 0) FROM {quote(stock.db_table)} s"
        f" WHERE {s('location')} IN ({{locations}}) AND {s('variant')} IN ({{variants}})"
    )


def _stock_rows(*, location_ids: Iterable[int], variant_ids: Iterable[int]) -> list[dict]:
    """The stock rows of these locations and variants as dicts of FIELDS, `lapsed` being the
    units of the row's active reservations whose `expires_at` has passed (now, at each call):
    one query whatever the number of rows, none when either list is empty."""
    location_ids, variant_ids = list(dict.fromkeys(location_ids)), list(dict.fromkeys(variant_ids))
    if not location_ids or not variant_ids:
        return []
    connection = connections[router.db_for_read(Stock)]
    sql = _stock_rows_sql(connection.vendor).format(
        locations=", ".join(["%s"] * len(location_ids)),
        variants=", ".join(["%s"] * len(variant_ids)),
    )
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(sql, [Reservation.State.ACTIVE.value, now, *location_ids, *variant_ids])
        return [dict(zip(FIELDS, row, strict=True)) for row in cursor.fetchall()]


def availability_at(
    *, location: Location, variants: Iterable[Variant], for_sale: bool = False
) -> dict[int, int]:
    """{variant pk: units available} at one location; variants with no stock row are absent.
    `for_sale`: what the till may sell there (the safety stock included, see
    `services.stock_sell`), rather than what may be promised."""
    rows = _stock_rows(location_ids=[location.pk], variant_ids=[v.pk for v in variants])
    return {row["variant_id"]: _available(row, for_sale=for_sale) for row in rows}


@dataclass
class SkuAvailability:
    sku: str
    online: int = 0
    #: location code → available units, for every active location.
    locations: dict[str, int] = field(default_factory=dict)


def availability_for_variants(
    *, variants: Sequence[Variant], locations: Sequence[Location] | None = None
) -> dict[str, SkuAvailability]:
    """Availability of many variants at every active location, in two queries whatever their
    number; one when the caller passes the active locations it has already read."""
    if locations is None:
        locations = list(Location.objects.filter(is_active=True).order_by("kind", "code"))
    result = {
        v.sku: SkuAvailability(sku=v.sku, locations={loc.code: 0 for loc in locations})
        for v in variants
    }
    by_pk = {v.pk: v.sku for v in variants}
    by_location = {loc.pk: loc for loc in locations}
    rows = _stock_rows(location_ids=list(by_location), variant_ids=list(by_pk))
    for row in rows:
        location = by_location[row["location_id"]]
        entry = result[by_pk[row["variant_id"]]]
        available = _available(row)
        entry.locations[location.code] = available
        if location.ships_online:
            entry.online += available
    return result
