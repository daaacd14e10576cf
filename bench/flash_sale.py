"""Flash-sale benchmark: complete sales of ONE hot SKU at one store, compared with the same sales
spread over 1,000 SKUs.

Each operation is a whole sale as the services run it, in its own transaction(s):

- a till sale: `carts.pos.pos_sale_complete` of one unit, paid by card with a terminal
  reference, for a known customer (order, line, payment, customer event, receipt email in the
  outbox, then the stock taken);
- a web click-and-collect checkout: `carts.checkout.checkout_place` of a cart holding one
  unit, pay at pickup (order, line, cart claimed and emptied, payment due, events,
  confirmation email in the outbox, and the unit reserved at the store).

Tills and web shoppers alternate, half and half. Every checkout has its own customer and cart,
and every till sale its own customer, all made before anything is timed.

In the hot phase every operation takes its unit from the same stock row; in the spread phase
operation n takes it from SKU n mod 1,000 at the same store. Both run the same number of
operations of the same mix from the same threads (one database connection each), taking the
next operation from a shared queue; a phase's rate is its operations over the time from the
start signal to the last one finishing. Only the hot phase queues on one row lock, so the
ratio hot/spread shows how long that lock is held compared with the rest of the work; the goal
is >= 0.8. Phases alternate (hot, spread, spread, hot, ...) so neither gains from running
second on a warmer or a smaller database, and each starts on a freshly vacuumed stock table.

Scenarios (`--scenarios`, default `none,automatic`): `none`, no promotion running;
`automatic`, a 10 % automatic promotion without a usage limit covers every sale, so every sale
also records a promotion use; `limited`, the same with a (large) usage limit, whose counter is
one more row every sale updates, in the hot phase and the spread phase alike. A ratio is
reported per scenario, with the absolute rates, since a row that every sale updates slows both
phases and leaves the ratio looking fine. The machine is shared and noisy: rates move a lot
from one run to the next, the ratio of phases run back to back much less.

A failed operation (a deadlock, say) is counted, reported and left out of the rate; the phase
goes on.

Tasks: the outbox publishes its deliveries after commit; here they go to an in-process broker
(`memory://`, never consumed) so the cost is the publish, as with a real broker, and no email
is sent from the benchmark.

After the run the books are checked (on hand, reserved, ledger, orders, reservations, carts);
a mismatch or any failed operation exits non-zero. The SQL of one till sale and one checkout of
the hot SKU is then shown with how many statements run while the stock row (and a promotion
row) is locked.

PostgreSQL only, on `<name>_bench` (see `bench.common`); it is migrated and emptied at each run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/omnistore python -m bench.flash_sale
    make bench
"""

import argparse
import os
import queue
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from bench import common

PROG = "flash_sale"
GOAL = 0.8
SPREAD_SKUS = 1_000
#: Units of each SKU at the store: more than any run sells or reserves.
ON_HAND = 1_000_000
PRICE = Decimal("19.90")
SCENARIOS = ("none", "automatic", "limited")


def configure_django() -> str:
    # Deliveries are published after commit to a broker nobody consumes: see the docstring.
    os.environ["CELERY_BROKER_URL"] = "memory://localhost/"
    return common.configure_django(prog=PROG)


# --- fixture ---------------------------------------------------------------------------------


@dataclass
class Fixture:
    store: object
    clerk: object
    hot: object
    spread: list
    #: Customers made so far, for unique names, and carts among them.
    made: int = 0
    carts: int = 0


@dataclass
class Op:
    kind: str  # "pos" or "web"
    variant: object
    customer: object
    cart: object = None


def set_up() -> Fixture:
    """Migrates and empties the bench database, then stocks the hot SKU and the spread SKUs at
    one click-and-collect store, and makes a clerk for the till."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import override_settings

    from inventory.models import Location
    from inventory.services import StockLine, stock_receive
    from shop.catalog.models import Category, Product, Variant
    from shop.staff.models import StaffProfile

    assert connection.settings_dict["NAME"].endswith("_bench")  # flush empties the database
    call_command("migrate", interactive=False, verbosity=0)
    call_command("flush", interactive=False, verbosity=0)

    category = Category.objects.create(name="Flash", slug="flash")
    count = SPREAD_SKUS + 1
    products = Product.objects.bulk_create(
        Product(name=f"Flash item {n}", slug=f"flash-item-{n}", category=category)
        for n in range(count)
    )
    Variant.objects.bulk_create(
        Variant(product=product, sku=f"FLASH-{n:04d}", price=PRICE)
        for n, product in enumerate(products)
    )
    variants = list(Variant.objects.select_related("product").order_by("sku"))
    store = Location.objects.create(
        code="flash-store", name="Flash store", kind=Location.Kind.STORE, click_and_collect=True
    )
    with override_settings(MAX_LINE_QUANTITY=ON_HAND):
        stock_receive(
            location=store, lines=[StockLine(v, ON_HAND) for v in variants], reference="setup"
        )
    clerk = get_user_model().objects.create_user(username="flash-clerk")
    StaffProfile.objects.create(user=clerk, role=StaffProfile.Role.CLERK, store=store)
    return Fixture(store=store, clerk=clerk, hot=variants[0], spread=variants[1:])


def prepare(fixture: Fixture, variants: list) -> list[Op]:
    """One operation per variant given, tills and checkouts alternating: a customer for each,
    and for each checkout an open cart of that customer holding one unit."""
    from carts.models import Cart, CartLine
    from shop.customers.models import Customer

    start = fixture.made
    fixture.made += len(variants)
    customers = Customer.objects.bulk_create(
        Customer(email=f"flash{start + n}@example.com", name=f"Shopper {start + n}")
        for n in range(len(variants))
    )
    ops = [
        Op("web" if n % 2 else "pos", variant, customer)
        for n, (variant, customer) in enumerate(zip(variants, customers, strict=True))
    ]
    web = [op for op in ops if op.kind == "web"]
    carts = Cart.objects.bulk_create(
        Cart(customer=op.customer, handoff_code=f"F{start + n:08d}") for n, op in enumerate(web)
    )
    CartLine.objects.bulk_create(
        CartLine(cart=cart, variant=op.variant, quantity=1)
        for cart, op in zip(carts, web, strict=True)
    )
    for cart, op in zip(carts, web, strict=True):
        op.cart = cart
    fixture.carts += len(carts)
    return ops


def running_promotion(scenario: str) -> None:
    """Ends every promotion, then starts the scenario's automatic one (if any)."""
    from carts.models import Promotion

    for promotion in Promotion.objects.filter(is_active=True):
        promotion.is_active = False
        promotion.save(update_fields=["is_active"])  # signals clear the cached "is one running"
    if scenario == "none":
        return
    Promotion.objects.create(
        name=f"Flash {scenario}",
        kind=Promotion.Kind.PERCENTAGE,
        value=Decimal("10"),
        usage_limit=10_000_000 if scenario == "limited" else None,
    )


def vacuum() -> None:
    """Clears dead row versions (the hot stock row's above all), so no phase pays for another's
    updates."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) inventory_stock")
        cursor.execute("VACUUM (ANALYZE) carts_promotion")


# --- one operation ---------------------------------------------------------------------------


def run_op(fixture: Fixture, op: Op) -> None:
    from carts.checkout import CheckoutDetails, checkout_place
    from carts.pos import TillPayment, pos_sale_complete
    from shop.channels import Channel
    from shop.orders.models import Order
    from shop.payments.models import Payment

    if op.kind == "pos":
        pos_sale_complete(
            store=fixture.store,
            clerk=fixture.clerk,
            payment=TillPayment(
                method=Payment.Method.CARD, terminal_reference=f"T-{op.customer.pk}"
            ),
            lines=[(op.variant, 1)],
            customer=op.customer,
        )
    else:
        details = CheckoutDetails(
            email=op.customer.email,
            fulfilment=Order.Fulfilment.COLLECT,
            payment_method=Payment.Method.PAY_AT_PICKUP,
            store=fixture.store,
        )
        checkout_place(cart=op.cart, details=details, customer=op.customer, channel=Channel.WEB)


# --- the load --------------------------------------------------------------------------------


#: Failed operations whose error is printed, per phase (all are counted).
ERRORS_SHOWN = 3


@dataclass
class PhaseResult:
    name: str
    seconds: float
    #: Operations completed, by kind ("pos", "web"); the rate counts only these.
    done: dict[str, int] = field(default_factory=dict)
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ops(self) -> int:
        return sum(self.done.values())


def run_phase(name: str, fixture: Fixture, ops: list[Op], *, threads: int) -> PhaseResult:
    """Runs every operation once from `threads` threads; the time is from the start signal to
    the last operation done. A failed operation (a deadlock, say) is counted and the phase goes
    on; it is not in the rate."""
    from django.db import connection

    todo: queue.SimpleQueue[Op] = queue.SimpleQueue()
    for op in ops:
        todo.put(op)
    result = PhaseResult(name=name, seconds=0.0, done={"pos": 0, "web": 0})
    lock = threading.Lock()
    ready = threading.Barrier(threads + 1)

    def failed(exc: BaseException) -> None:
        with lock:
            result.failed += 1
            if len(result.errors) < ERRORS_SHOWN:
                result.errors.append(f"{type(exc).__name__}: {exc}")

    def worker() -> None:
        mine = {"pos": 0, "web": 0}
        try:
            connection.ensure_connection()  # this thread's own connection, open throughout
            ready.wait()
            while True:
                try:
                    op = todo.get_nowait()
                except queue.Empty:
                    break
                try:
                    run_op(fixture, op)
                except Exception as exc:
                    failed(exc)
                else:
                    mine[op.kind] += 1
        except threading.BrokenBarrierError:
            pass
        except Exception as exc:  # no connection: the phase cannot run
            failed(exc)
            ready.abort()
        finally:
            connection.close()
            with lock:
                for kind, count in mine.items():
                    result.done[kind] += count

    pool = [threading.Thread(target=worker, name=f"{name}-{i}") for i in range(threads)]
    for thread in pool:
        thread.start()
    try:
        ready.wait()
    except threading.BrokenBarrierError:
        pass
    start = time.perf_counter()
    for thread in pool:
        thread.join()
    result.seconds = time.perf_counter() - start
    return result


def rate(phases: list[PhaseResult]) -> float:
    """Operations completed per second over these phases together."""
    seconds = sum(p.seconds for p in phases)
    return sum(p.ops for p in phases) / seconds if seconds else 0.0


@dataclass
class ScenarioResult:
    scenario: str
    hot: list[PhaseResult] = field(default_factory=list)
    spread: list[PhaseResult] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        spread = rate(self.spread)
        return rate(self.hot) / spread if spread else 0.0

    @property
    def phases(self) -> list[PhaseResult]:
        return self.hot + self.spread


def run_scenario(
    scenario: str, fixture: Fixture, *, ops: int, rounds: int, threads: int
) -> ScenarioResult:
    running_promotion(scenario)
    result = ScenarioResult(scenario)
    for round_no in range(rounds):
        order = ("hot", "spread") if round_no % 2 == 0 else ("spread", "hot")
        for name in order:
            if name == "hot":
                variants = [fixture.hot] * ops
            else:
                variants = [fixture.spread[n % SPREAD_SKUS] for n in range(ops)]
            prepared = prepare(fixture, variants)
            vacuum()
            phase = run_phase(f"{scenario}-{name}", fixture, prepared, threads=threads)
            getattr(result, name).append(phase)
            failures = f", {phase.failed} FAILED" if phase.failed else ""
            print(
                f"  {scenario:9} {name:6} round {round_no + 1}: {phase.ops / phase.seconds:7.1f} "
                f"ops/s ({phase.ops} in {phase.seconds:.2f} s{failures})",
                flush=True,
            )
    return result


# --- checking the books ----------------------------------------------------------------------


def check_books(fixture: Fixture, results: list[ScenarioResult], warmed: dict[str, int]) -> list:
    """Counts what the run did against what the database holds."""
    from django.db.models import Sum

    from carts.models import CartLine
    from inventory.models import Reservation, Stock, StockMovement
    from shop.orders.models import Order

    def sold_and_held(phases_of: Callable[[ScenarioResult], list[PhaseResult]]):
        phases = [p for r in results for p in phases_of(r)]
        return sum(p.done["pos"] for p in phases), sum(p.done["web"] for p in phases)

    problems = []
    hot_sold, hot_held = sold_and_held(lambda r: r.hot)
    spread_sold, spread_held = sold_and_held(lambda r: r.spread)
    spread_sold += warmed["pos"]
    spread_held += warmed["web"]
    stock = Stock.objects.filter(location=fixture.store)
    hot = stock.get(variant=fixture.hot)
    others = stock.exclude(variant=fixture.hot).aggregate(
        on_hand=Sum("on_hand"), reserved=Sum("reserved")
    )
    expected = {
        "hot on hand": (hot.on_hand, ON_HAND - hot_sold),
        "hot reserved": (hot.reserved, hot_held),
        "spread on hand": (others["on_hand"], SPREAD_SKUS * ON_HAND - spread_sold),
        "spread reserved": (others["reserved"], spread_held),
    }
    ledger = StockMovement.objects.filter(location=fixture.store).aggregate(total=Sum("quantity"))
    expected["on hand = ledger"] = (hot.on_hand + others["on_hand"], ledger["total"])
    orders = Order.objects.values_list("channel", "status")
    expected["till orders completed"] = (
        orders.filter(channel="pos", status=Order.Status.COMPLETED).count(),
        hot_sold + spread_sold,
    )
    expected["web orders placed"] = (
        orders.filter(channel="web", status=Order.Status.PLACED).count(),
        hot_held + spread_held,
    )
    expected["active reservations"] = (
        Reservation.objects.filter(state=Reservation.State.ACTIVE).count(),
        hot_held + spread_held,
    )
    # Every checkout empties its cart; those a failed phase never reached still hold a line.
    expected["cart lines left"] = (CartLine.objects.count(), fixture.carts - hot_held - spread_held)
    for what, (found, wanted) in expected.items():
        if found != wanted:
            problems.append(f"MISMATCH: {what} is {found:,}, expected {wanted:,}")
    return problems


# --- what runs under the lock ----------------------------------------------------------------


def show_lock_spans(fixture: Fixture, verbose: bool) -> None:
    """Runs one till sale and one checkout of the hot SKU (with the automatic promotion of the
    last scenario still running) and reports the statements sent while a hot row is locked."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for op in prepare(fixture, [fixture.hot, fixture.hot]):
        with CaptureQueriesContext(connection) as captured:
            run_op(fixture, op)
        statements = [query["sql"].strip() for query in captured.captured_queries]
        label = "till sale" if op.kind == "pos" else "checkout "
        spans = []
        for row, table in (("stock", "inventory_stock"), ("promotion", "carts_promotion")):
            first = next(
                (
                    i
                    for i, sql in enumerate(statements)
                    if table in sql and (sql.startswith(("UPDATE", "WITH")) or "FOR UPDATE" in sql)
                ),
                None,
            )
            if first is not None:
                spans.append(f"{row} row locked for the last {len(statements) - first}")
        print(f"One {label}: {len(statements)} statements; {'; '.join(spans) or 'no row locked'}")
        if verbose:
            for i, statement in enumerate(statements, 1):
                print(f"  {i}. {statement[:160]}")


# --- main ------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.flash_sale",
        description="Complete till sales and checkouts of one hot SKU vs spread over 1,000 SKUs.",
    )
    parser.add_argument("--threads", type=int, default=8, help="concurrent sales (default 8)")
    parser.add_argument(
        "--ops", type=int, default=400, help="operations per phase, half till, half web (400)"
    )
    parser.add_argument(
        "--rounds", type=int, default=2, help="hot and spread phases per scenario (default 2)"
    )
    parser.add_argument(
        "--scenarios",
        default="none,automatic",
        help=f"comma-separated, of {', '.join(SCENARIOS)} (default none,automatic)",
    )
    parser.add_argument(
        "--show-queries", action="store_true", help="print the SQL of one sale and one checkout"
    )
    args = parser.parse_args(argv)
    scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    if args.threads < 1 or args.ops < 2 or args.rounds < 1:
        parser.error("--threads must be >= 1, --ops >= 2 and --rounds >= 1")
    if not scenarios or set(scenarios) - set(SCENARIOS):
        parser.error(f"--scenarios takes {', '.join(SCENARIOS)}")

    configure_django()
    fixture = set_up()
    print(
        f"Hot SKU {fixture.hot.sku} vs {SPREAD_SKUS:,} SKUs at {fixture.store.code}; "
        f"{args.threads} thread(s), {args.ops} operations per phase (half till sales, half "
        f"pay-at-pickup checkouts), {args.rounds} phase(s) of each per scenario"
    )
    warm = run_phase(
        "warm-up", fixture, prepare(fixture, fixture.spread[: 4 * args.threads]), threads=4
    )
    results = [
        run_scenario(scenario, fixture, ops=args.ops, rounds=args.rounds, threads=args.threads)
        for scenario in scenarios
    ]

    print()
    for result in results:
        verdict = "PASS" if result.ratio >= GOAL else "BELOW"
        print(
            f"{result.scenario:9} hot {rate(result.hot):7.1f} ops/s   spread "
            f"{rate(result.spread):7.1f} ops/s   ratio hot/spread {result.ratio:5.2f}   "
            f"goal >= {GOAL}: {verdict}"
        )
    print()
    problems = [
        f"ERROR: {phase.name}: {phase.failed} operation(s) failed, e.g. {error}"
        for phase in [warm, *(p for r in results for p in r.phases)]
        for error in phase.errors[:1]
    ]
    problems += check_books(fixture, results, warm.done)
    if not problems:
        print("Books: on hand, reserved, ledger, orders, reservations and carts agree.")
        show_lock_spans(fixture, args.show_queries)

    return common.report_problems(problems)


if __name__ == "__main__":
    sys.exit(main())
