"""Hot-SKU benchmark: how fast can the tills sell one popular item, compared with the floor?

Every POS sale goes through `inventory.services.stock_sell`, which takes the units with a
conditional UPDATE on the item's stock row and writes a ledger movement in the same
transaction. When many tills sell the same SKU at one location, every sale queues on that one
row lock, so the time the lock is held is what bounds throughput.

The benchmark runs two phases against the same hot stock row, with the same threads (each on
its own database connection) for the same time, after a short uncounted warm-up:

1. services: `stock_sell(...)` of one unit per call, counting successful sales;
2. bare: the single conditional `UPDATE inventory_stock SET on_hand = on_hand - 1 WHERE ...
   AND on_hand >= 1` in autocommit, counting rows updated. That is the least work any correct
   "take one unit" can do on this row, so it is the floor the service is compared with.

It prints both rates and the ratio services / bare, with the goal (ratio >= 0.5). The machine
this runs on is shared and noisy, so absolute ops/s move from one run to the next; only the
ratio of two phases measured back to back in one run is meaningful. It then checks the books:
one ledger movement per phase-1 sale, on hand equal to the sum of the ledger after phase 1,
and on hand + units sold equal to the initial stock at the end (a mismatch exits non-zero).

PostgreSQL only: the point is row-lock contention, which SQLite does not have. It never touches
the dev or test database: from DATABASE_URL `.../<name>` it uses `.../<name>_bench` on the same
server (created when missing, migrated, and emptied at each run). DEBUG is off unless
DJANGO_DEBUG says otherwise, so Django does not time and keep every query.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/omnistore python -m bench.hot_sku
    make bench
"""

import argparse
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import NoReturn

from bench import common

PROG = "hot_sku"
GOAL = 0.5
INITIAL_ON_HAND = 10_000_000
REFERENCE = "bench"
BARE_SQL = (
    "UPDATE inventory_stock SET on_hand = on_hand - 1 "
    "WHERE location_id = %s AND variant_id = %s AND on_hand >= 1"
)


def fail(message: str) -> NoReturn:
    common.fail(message, prog=PROG)


def configure_django() -> str:
    return common.configure_django(prog=PROG)


# --- fixture ---------------------------------------------------------------------------------


@dataclass
class Fixture:
    location: object
    variant: object


def set_up() -> Fixture:
    """Migrates and empties the bench database, then stocks one hot SKU at one store."""
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import override_settings

    from inventory.models import Location
    from inventory.services import StockLine, stock_receive
    from shop.catalog.models import Category, Product, Variant

    assert connection.settings_dict["NAME"].endswith("_bench")  # flush empties the database
    call_command("migrate", interactive=False, verbosity=0)
    call_command("flush", interactive=False, verbosity=0)

    category = Category.objects.create(name="Bench", slug="bench")
    product = Product.objects.create(name="Hot item", slug="bench-hot-item", category=category)
    variant = Variant.objects.create(product=product, sku="BENCH-HOT", price=Decimal("9.90"))
    location = Location.objects.create(
        code="bench-store", name="Bench store", kind=Location.Kind.STORE
    )
    # The per-line limit guards against typos at the till; a bench receipt is deliberately big.
    with override_settings(MAX_LINE_QUANTITY=INITIAL_ON_HAND):
        stock_receive(
            location=location,
            lines=[StockLine(variant, INITIAL_ON_HAND)],
            reference="bench setup",
        )
    return Fixture(location=location, variant=variant)


def on_hand(fixture: Fixture) -> int:
    from inventory.models import Stock

    return Stock.objects.get(location=fixture.location, variant=fixture.variant).on_hand


def vacuum_stock() -> None:
    """Clears the hot row's dead versions, so neither phase pays for the other's updates."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) inventory_stock")


# --- the two operations ----------------------------------------------------------------------

Operation = Callable[[], bool]


@contextmanager
def services_operation(fixture: Fixture) -> Iterator[Operation]:
    from inventory.services import StockLine, stock_sell
    from shop.channels import Channel

    def sell() -> bool:
        stock_sell(
            location=fixture.location,
            lines=[StockLine(fixture.variant, 1)],
            channel=Channel.POS,
            reference=REFERENCE,
        )
        return True

    yield sell


@contextmanager
def bare_operation(fixture: Fixture) -> Iterator[Operation]:
    from django.db import connection

    params = [fixture.location.pk, fixture.variant.pk]
    with connection.cursor() as cursor:

        def take() -> bool:
            cursor.execute(BARE_SQL, params)
            return cursor.rowcount == 1

        yield take


# --- the load --------------------------------------------------------------------------------


@dataclass
class Tally:
    warmup: int = 0
    measured: int = 0
    #: Completed after the window closed: not in the rate, but in the books.
    overrun: int = 0
    #: Operations that changed nothing (no unit left to take).
    misses: int = 0
    error: BaseException | None = None

    @property
    def done(self) -> int:
        return self.warmup + self.measured + self.overrun


@dataclass
class PhaseResult:
    name: str
    threads: int
    seconds: float
    tallies: list[Tally]

    @property
    def measured(self) -> int:
        return sum(t.measured for t in self.tallies)

    @property
    def done(self) -> int:
        return sum(t.done for t in self.tallies)

    @property
    def misses(self) -> int:
        return sum(t.misses for t in self.tallies)

    @property
    def errors(self) -> list[BaseException]:
        return [t.error for t in self.tallies if t.error is not None]

    @property
    def rate(self) -> float:
        return self.measured / self.seconds


def run_phase(
    name: str,
    operation: Callable[[Fixture], AbstractContextManager[Operation]],
    fixture: Fixture,
    *,
    threads: int,
    seconds: float,
    warmup: float,
) -> PhaseResult:
    """Runs `operation` in `threads` threads: `warmup` seconds uncounted, then `seconds`."""
    from django.db import connection

    window = {}

    def open_window() -> None:  # run by one party when all threads are connected
        start = time.perf_counter()
        window["warm_end"] = start + warmup
        window["end"] = start + warmup + seconds

    ready = threading.Barrier(threads + 1, action=open_window)
    tallies = [Tally() for _ in range(threads)]

    def worker(tally: Tally) -> None:
        try:
            connection.ensure_connection()  # this thread's own connection, open throughout
            with operation(fixture) as op:
                ready.wait()
                warm_end, end = window["warm_end"], window["end"]
                while time.perf_counter() < end:
                    ok = op()
                    now = time.perf_counter()
                    if not ok:
                        tally.misses += 1
                    elif now < warm_end:
                        tally.warmup += 1
                    elif now < end:
                        tally.measured += 1
                    else:
                        tally.overrun += 1
        except threading.BrokenBarrierError:
            pass
        except BaseException as exc:  # reported by the main thread
            tally.error = exc
            ready.abort()
        finally:
            connection.close()

    pool = [
        threading.Thread(target=worker, args=(tally,), name=f"{name}-{i}", daemon=True)
        for i, tally in enumerate(tallies)
    ]
    for thread in pool:
        thread.start()
    try:
        ready.wait()
    except threading.BrokenBarrierError:
        pass
    for thread in pool:
        thread.join()
    return PhaseResult(name=name, threads=threads, seconds=seconds, tallies=tallies)


# --- reporting -------------------------------------------------------------------------------


def show_one_sale(fixture: Fixture, verbose: bool) -> None:
    """Sells one unit under CaptureQueriesContext and reports the SQL it sent."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from inventory.services import StockLine, stock_sell
    from shop.channels import Channel

    with CaptureQueriesContext(connection) as captured:
        stock_sell(
            location=fixture.location,
            lines=[StockLine(fixture.variant, 1)],
            channel=Channel.POS,
            reference=f"{REFERENCE} profile",
        )
    statements = [query["sql"] for query in captured.captured_queries]
    # Django logs the BEGIN and COMMIT of a transaction too; psycopg sends each separately.
    print(
        f"One stock_sell: {len(statements)} round trip(s) to the server "
        f"({', '.join(sql.split()[0] for sql in statements)}); bare UPDATE: 1."
    )
    if verbose:
        for i, statement in enumerate(statements, 1):
            print(f"  {i}. {statement}")


def describe(result: PhaseResult) -> str:
    per_op = result.threads * result.seconds / result.measured * 1000 if result.measured else 0
    return (
        f"{result.rate:10,.0f} ops/s  ({result.measured:,} in {result.seconds:g} s, "
        f"mean {per_op:.2f} ms per op)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.hot_sku",
        description="Sell one hot SKU from many threads: stock_sell vs the bare UPDATE.",
    )
    parser.add_argument("--threads", type=int, default=8, help="concurrent tills (default 8)")
    parser.add_argument(
        "--seconds", type=float, default=10.0, help="measured time per phase (default 10)"
    )
    parser.add_argument(
        "--warmup", type=float, default=1.0, help="uncounted time before each phase (default 1)"
    )
    parser.add_argument(
        "--show-queries", action="store_true", help="print the SQL one stock_sell sends"
    )
    args = parser.parse_args(argv)
    if args.threads < 1 or args.seconds <= 0 or args.warmup < 0:
        parser.error("--threads must be >= 1, --seconds > 0 and --warmup >= 0")

    configure_django()
    from django.db.models import Sum

    from inventory.models import StockMovement

    fixture = set_up()
    start = on_hand(fixture)
    if start != INITIAL_ON_HAND:
        fail(f"set-up left {start:,} on hand instead of {INITIAL_ON_HAND:,}")
    print(
        f"Hot SKU {fixture.variant.sku} at {fixture.location.code}: {start:,} on hand; "
        f"{args.threads} thread(s), {args.warmup:g} s warm-up + {args.seconds:g} s per phase"
    )
    problems: list[str] = []
    phase = {"threads": args.threads, "seconds": args.seconds, "warmup": args.warmup}

    vacuum_stock()
    services = run_phase("services", services_operation, fixture, **phase)
    after_services = on_hand(fixture)
    sales = StockMovement.objects.filter(
        location=fixture.location,
        variant=fixture.variant,
        kind=StockMovement.Kind.SALE,
        reference=REFERENCE,
    )
    movements = sales.count()
    sold_units = -(sales.aggregate(total=Sum("quantity"))["total"] or 0)
    ledger = StockMovement.objects.filter(location=fixture.location, variant=fixture.variant)
    ledger_on_hand = ledger.aggregate(total=Sum("quantity"))["total"] or 0

    vacuum_stock()
    bare = run_phase("bare", bare_operation, fixture, **phase)
    final = on_hand(fixture)

    for result in (services, bare):
        for error in result.errors:
            problems.append(f"ERROR: {result.name} thread failed: {error!r}")
        if result.misses:
            problems.append(f"ERROR: {result.name}: {result.misses} operation(s) found no unit")

    ratio = services.rate / bare.rate if bare.rate else 0.0
    print()
    print(f"services (stock_sell) {describe(services)}")
    print(f"bare UPDATE           {describe(bare)}")
    verdict = "PASS" if ratio >= GOAL else "BELOW"
    print(f"ratio services/bare   {ratio:10.2f}   goal >= {GOAL}: {verdict}")
    print()
    print(
        f"Ledger movements written in phase 1: {movements:,} "
        f"(successful sales incl. warm-up: {services.done:,})"
    )
    if movements != services.done or sold_units != services.done:
        problems.append(
            f"MISMATCH: phase 1 made {services.done:,} sales but wrote {movements:,} movements "
            f"totalling {sold_units:,} units"
        )
    if after_services != ledger_on_hand:
        problems.append(
            f"MISMATCH: after phase 1 on hand is {after_services:,} "
            f"but the ledger sums to {ledger_on_hand:,}"
        )
    if after_services != start - services.done:
        problems.append(
            f"MISMATCH: after phase 1 on hand is {after_services:,}, expected "
            f"{start:,} - {services.done:,} = {start - services.done:,}"
        )
    sold = services.done + bare.done
    balance = "ok" if final + sold == start else "MISMATCH"
    print(
        f"On hand {final:,} + units sold {sold:,} = {final + sold:,}; initial {start:,}: {balance}"
    )
    if final + sold != start:
        problems.append(f"MISMATCH: on hand {final:,} + sold {sold:,} != initial {start:,}")

    print()
    show_one_sale(fixture, args.show_queries)  # after the books are checked: it sells a unit

    return common.report_problems(problems)


if __name__ == "__main__":
    sys.exit(main())
