"""Storefront page benchmark: how fast are the shopper's pages, compared with a bare Django page?

It serves the shop the way production does, with gunicorn (2 workers for the 2 cores, DEBUG
off, persistent database connections: CONN_MAX_AGE None), and drives a bounded load over the
loopback from a fixed number of client threads for a fixed time, one URL at a time:

- bare: `/__bench__/bare/`, a view that runs exactly one query (`Location.objects.only("id")
  .first()`) and returns a few bytes of text. It is not in the shop: `bench/urls.py` adds it
  to the shop's URLconf and only `bench/settings.py` (the server's settings) uses that. It goes
  through the same middleware as every page, so it is the floor any database-backed page of
  this stack stands on;
- catalogue: a category listing page showing 24 products (`/c/bench-catalogue/`);
- product: a product page (`/p/bench-product-01/`: 4 variants, stock at every location);
- cart: the cart page with 3 lines;
- add to cart: the form POST that adds one unit to the cart (`/cart/add/`), counted when it
  answers with its redirect to the cart page; the redirect is not followed.

Why ratios: the machine is shared and noisy, so requests/s move from one run to the next by
far more than any difference worth seeing; what one page costs compared with the bare page,
measured back to back on the same server in the same run, moves much less. The bare page runs
first and again last, and the reference is the mean of the two (their spread is printed: a
large one means the run was disturbed). The goal is ratio >= 0.25 for each page: a page may
cost at most four bare pages. For scale, django-oscar is said to reach about 0.05 on its
product page and under 0.01 on its catalogue (figures quoted with the goal, not measured
here).

The load: `--clients` threads (default 4, two per worker), each one shopper with its own cookie
jar and one persistent HTTP/1.1 connection (http.client.HTTPConnection), requesting the same
URL in a loop for `--warmup` (1 s, uncounted) then `--seconds` (5 s, counted). A response is a
success when it is 200 (for add to cart: 302 to /cart/, since the view answers an error with a
redirect back too); anything else, or a connection failure, is an error and is reported. Every
request has a timeout and every loop ends by time and by a request count; traffic goes only to
127.0.0.1. The clients run on the same 2 cores as the server and PostgreSQL: that costs the
same per request for every page, so it weighs most on the bare page and makes the ratios a
little kinder than on a machine with a separate client.

Keep-alive: gunicorn's sync workers close the connection after every response ("put a
buffering proxy in front"), so each request also pays a TCP connect and accept, and gunicorn
27's sync worker then lingers until the client has closed its end (a graceful close): the
worker waits on the client, whose speed then enters every figure (in one run here, 750 bare
req/s with sync against 1,900 with gthread). The server runs gthread workers instead
(`--worker-class gthread --threads 2`) and the connections stay open, so what is measured is
Django answering. A kept-alive connection stays with the worker that accepted it, and which
worker accepts is a race, so before each phase every client reconnects until the connections
are spread evenly over the workers (the bare view says which worker answered); otherwise one
worker could serve three clients and the other one, and the rate of a phase would depend on
luck. Reconnects during the counted window are reported (0 with gthread). `--worker-class
sync` measures the other way, for comparison: a new connection for every request, each one
counted as a reconnect.

Sessions: before measuring, each client opens a product page (which sets the csrftoken cookie
and carries the form's csrfmiddlewaretoken), then POSTs add-to-cart three times with that token
(creating an anonymous cart with 3 lines and a session), then checks its cart page. All pages
are then measured with that session, as a shopper with a cart browses (the header counts the
cart's units on every page). The client keeps sessionid and csrftoken but not the `messages`
cookie: a browser following the redirect would show and drop the "Added ..." message, and
sending it back would make every later response carry an ever-growing list of messages.

What add to cart measures: each POST adds 1 unit of the next SKU of a pool of 20 (one variant
of each of the 20 catalogue products not on the product or cart page, 1,000,000 units at the
warehouse), round robin. The first pass over the pool creates a cart line per SKU (INSERT);
every later one adds to an existing line (a conditional UPDATE), as a shopper adding another
one does. A line holds at most settings.MAX_CART_LINE_QUANTITY (50) units, so a client stops
using an SKU at 50 and, with the whole pool full (20 x 50 adds per client, more than one phase
makes at this speed), drops its session cookie: its next add then starts a new cart (still a
counted add to cart). The cart page is measured before, with its 3 lines.

Database: PostgreSQL only. From DATABASE_URL `.../<name>` it uses `.../<name>_bench` on the
same server (created when missing), migrates it and loads the demo shop (`load_demo`) when it
is not loaded. When the database holds anything the demo and this benchmark do not create
(e.g. what bench.hot_sku leaves behind, promotions, orders), it is emptied first, so the pages
show the same data on every run. It then adds the benchmark's category of 24 products (4
variants each, in stock everywhere) when missing, deletes the anonymous carts and sessions of
earlier runs, and runs VACUUM ANALYZE.

The server runs the shipped settings but for DEBUG, CONN_MAX_AGE, the URLconf and logging
(`bench/settings.py`). CONN_HEALTH_CHECKS stays on as shipped: each request that uses the
database first sends `SELECT 1` on its persistent connection, bare included. The "queries"
column counts the SQL statements of one request of each page (BEGIN and COMMIT of a
transaction included), measured in-process with the test client and CaptureQueriesContext,
without that health check.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/omnistore python -m bench.pages
    make bench

`--profile` then looks into each page in-process (test client, no HTTP): time per request
split into SQL sent by the view, SQL sent while rendering, rendering per template and the
rest; the queries of one request with their time and the code that sent them; a cProfile
summary; and the Python function calls per request by part (template tags, reverse(), ORM,
sessions...), which, unlike times, do not depend on how busy the machine is.
"""

import argparse
import http.client
import io
import math
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from decimal import Decimal
from http.cookies import CookieError, SimpleCookie
from pathlib import Path
from typing import NoReturn
from urllib.parse import urlencode

from bench import common

PROG = "pages"
GOAL = 0.25
#: django-oscar, as quoted with the goal (not measured here).
OSCAR = "django-oscar reaches about 0.05 on its product page and under 0.01 on its catalogue"
PROJECT_DIR = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"  # the only address this benchmark sends traffic to
BARE_PATH = "/__bench__/bare/"
CART_ADD_PATH = "/cart/add/"
CART_PATH = "/cart/"

CATEGORY_SLUG = "bench-catalogue"
CATEGORY_NAME = "Bench catalogue"
PRODUCT_COUNT = 24  # one full catalogue page (the storefront shows 24 per page)
SIZES = ("S", "M", "L", "XL")
#: Units received per variant and location: the warehouse ships online, the stores vary.
STOCK = {"warehouse": 1_000_000, "paris": 8, "lyon": 3, "lille": 5}
CART_PRODUCTS = (2, 3, 4)  # the cart page's 3 lines: the first variant of these products
PRODUCT_PAGE = 1  # the product page measured

REQUEST_TIMEOUT = 10.0  # seconds, per request
MAX_REQUESTS_PER_CLIENT = 1_000_000  # per phase: the loops end by count as well as by time
BALANCE_ATTEMPTS = 50  # reconnections per client to land on the worker it should use
SERVER_START_TIMEOUT = 60.0
#: Bare runs further apart than this (in %) mean the machine was busy during the run.
DRIFT_WARNING = 20
#: Cookies the client does not keep (see the module docstring).
IGNORED_COOKIES = {"messages"}


def fail(message: str) -> NoReturn:
    common.fail(message, prog=PROG)


# --- the bench database ----------------------------------------------------------------------


def product_slug(number: int) -> str:
    return f"bench-product-{number:02d}"


def variant_sku(number: int, size: str) -> str:
    return f"BENCH-P{number:02d}-{size}"


@dataclass
class Fixture:
    category_path: str
    product_path: str
    #: The SKUs of the cart page's lines.
    cart_skus: list[str]
    #: The SKUs add to cart cycles through.
    add_skus: list[str]


def foreign_data() -> list[str]:
    """What the database holds that neither the demo nor this benchmark creates."""
    from django.utils.text import slugify

    from carts.models import Promotion
    from channels_app.management.commands import load_demo as demo
    from inventory.models import Location
    from shop.catalog.models import Category, Product
    from shop.orders.models import Order

    categories = set(demo.CATEGORIES) | {CATEGORY_SLUG}
    locations = {spec.code for spec in demo.LOCATIONS}
    products = {slugify(spec.name) for spec in demo.PRODUCTS}
    products |= {product_slug(n) for n in range(1, PRODUCT_COUNT + 1)}
    checks = {
        "categories": Category.objects.exclude(slug__in=categories),
        "locations": Location.objects.exclude(code__in=locations),
        "products": Product.objects.exclude(slug__in=products),
        "promotions": Promotion.objects.all(),
        "orders": Order.objects.all(),
    }
    return [what for what, queryset in checks.items() if queryset.exists()]


def ensure_catalogue() -> int:
    """The benchmark's category of PRODUCT_COUNT products, each with 4 variants in stock at
    every demo location. Creates only what is missing; returns the number of products made."""
    from django.db import transaction
    from django.test.utils import override_settings

    from channels_app.management.commands.load_demo import demo_barcode
    from inventory.models import Location
    from inventory.services import StockLine, stock_receive
    from shop.catalog.models import Category, Product
    from shop.catalog.services import VariantData, product_create

    made = []
    with transaction.atomic():
        category, _ = Category.objects.get_or_create(
            slug=CATEGORY_SLUG, defaults={"name": CATEGORY_NAME}
        )
        existing = set(Product.objects.filter(category=category).values_list("slug", flat=True))
        for number in range(1, PRODUCT_COUNT + 1):
            if product_slug(number) in existing:
                continue
            base = Decimal("29.00") + number
            made.append(
                product_create(
                    name=f"Bench Product {number:02d}",
                    slug=product_slug(number),
                    category=category,
                    description=(
                        "A product of the page benchmark: a midweight cotton piece with a "
                        "straight cut, four sizes and stock in every store and online."
                    ),
                    variants=[
                        VariantData(
                            sku=variant_sku(number, size),
                            barcode=demo_barcode(variant_sku(number, size)),
                            name=f"Size {size}",
                            price=base + (4 if size == "XL" else 0),
                        )
                        for size in SIZES
                    ],
                )
            )
        if made:
            variants = [v for product in made for v in product.variants.all()]
            # The per-line limit guards against typos; a bench receipt is deliberately big.
            with override_settings(MAX_LINE_QUANTITY=max(STOCK.values())):
                for location in Location.objects.filter(code__in=STOCK):
                    units = STOCK[location.code]
                    stock_receive(
                        location=location,
                        lines=[StockLine(v, units) for v in variants],
                        reference="page bench setup",
                    )
    return len(made)


def demo_rows() -> tuple[int, ...]:
    from django.contrib.auth import get_user_model

    from inventory.models import Location, Stock
    from shop.catalog.models import Product, Variant

    models = (Location, Product, Variant, Stock, get_user_model())
    return tuple(model.objects.count() for model in models)


def prepare_database() -> Fixture:
    """Migrates, loads the demo shop when needed and adds the benchmark's catalogue."""
    from django.contrib.sessions.models import Session
    from django.core.management import call_command
    from django.db import connection

    from carts.models import Cart

    assert connection.settings_dict["NAME"].endswith("_bench")  # flush empties the database
    call_command("migrate", interactive=False, verbosity=0)
    foreign = foreign_data()
    if foreign:
        print(f"Emptying the bench database: it holds other {', '.join(foreign)}")
        call_command("flush", interactive=False, verbosity=0)
    # load_demo is idempotent: on a loaded database it only checks and creates nothing.
    started, before = time.monotonic(), demo_rows()
    call_command("load_demo", stdout=io.StringIO())
    if demo_rows() == before:
        print("Demo shop: already loaded")
    else:
        print(f"Demo shop: loaded in {time.monotonic() - started:.1f} s")
    made = ensure_catalogue()
    print(
        f"Catalogue {CATEGORY_SLUG}: {PRODUCT_COUNT} products x {len(SIZES)} variants"
        + (f" ({made} created)" if made else "")
    )
    # Earlier runs' shoppers: their carts and sessions would only grow the tables.
    Cart.objects.filter(customer__isnull=True).delete()
    Session.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    connection.close()

    others = [n for n in range(1, PRODUCT_COUNT + 1) if n not in (PRODUCT_PAGE, *CART_PRODUCTS)]
    return Fixture(
        category_path=f"/c/{CATEGORY_SLUG}/",
        product_path=f"/p/{product_slug(PRODUCT_PAGE)}/",
        cart_skus=[variant_sku(n, SIZES[0]) for n in CART_PRODUCTS],
        add_skus=[variant_sku(n, SIZES[0]) for n in others],
    )


# --- the server ------------------------------------------------------------------------------


@dataclass
class ServerOptions:
    workers: int
    worker_class: str
    threads: int


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def log_tail(log, lines: int = 30) -> str:
    log.flush()
    log.seek(0)
    text = log.read().decode(errors="replace")
    return "\n".join(text.splitlines()[-lines:])


def wait_until_ready(process: subprocess.Popen, port: int, log) -> None:
    """Polls the bare page until it answers 200; fails if gunicorn exits or never answers."""
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    last = "no answer"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            fail(f"gunicorn exited with status {process.returncode}:\n{log_tail(log)}")
        connection = http.client.HTTPConnection(HOST, port, timeout=2)
        try:
            connection.request("GET", BARE_PATH)
            response = connection.getresponse()
            body = response.read()
            if response.status == 200:
                return
            last = f"status {response.status}: {body[:200]!r}"
        except OSError as exc:
            last = repr(exc)
        finally:
            connection.close()
        time.sleep(0.2)
    fail(f"gunicorn did not answer in {SERVER_START_TIMEOUT:g} s ({last}):\n{log_tail(log)}")


def stop(process: subprocess.Popen) -> None:
    """SIGTERM (graceful), then SIGKILL to the server's own process group if it lingers."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # the group start_new_session created
            process.wait(timeout=15)


@contextmanager
def gunicorn(database_url: str, options: ServerOptions) -> Iterator[int]:
    """Runs `gunicorn shop.wsgi` with the bench settings on a free loopback port; yields the
    port and always stops the server, also on Ctrl-C. The server is in its own session, so a
    Ctrl-C at the terminal reaches only this process, which then stops the server."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": database_url,
        "DJANGO_DEBUG": "false",
    }
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "shop.wsgi:application",
        f"--bind={HOST}:{port}",
        f"--workers={options.workers}",
        f"--worker-class={options.worker_class}",
        f"--threads={options.threads}",
        "--keep-alive=300",  # idle connections survive the pauses between phases
        "--timeout=60",
        "--graceful-timeout=10",
        "--log-level=warning",
        "--error-logfile=-",
    ]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            command,
            cwd=PROJECT_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_until_ready(process, port, log)
            yield port
        finally:
            stop(process)
        said = log_tail(log, 10)
        if said:
            print(f"\ngunicorn said:\n{said}", file=sys.stderr)


# --- the client ------------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    location: str
    body: bytes


class Browser:
    """One shopper: one keep-alive connection to the server and a cookie jar."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.origin = f"http://{HOST}:{port}"
        self.connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
        self.cookies: dict[str, str] = {}
        #: TCP connections opened so far.
        self.connects = 0

    def close(self) -> None:
        self.connection.close()

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post(self, path: str, form: dict[str, str]) -> Response:
        return self.request("POST", path, urlencode(form).encode())

    def request(self, method: str, path: str, body: bytes | None = None) -> Response:
        headers = {"Accept": "text/html", "User-Agent": "omnistore-bench/pages"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = self.origin  # as a browser sends with a form POST
        for attempt in range(2):
            fresh = self.connection.sock is None
            if fresh:
                self.connects += 1  # http.client connects on this request
            try:
                self.connection.request(method, path, body, headers)
                response = self.connection.getresponse()
                data = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.connection.close()
                if fresh or attempt:
                    raise
                continue  # the server closed an idle kept-alive connection: once more
            except BaseException:
                self.connection.close()
                raise
            self._keep_cookies(response)
            if response.will_close:  # sync workers: "Connection: close" on every response
                self.connection.close()
            return Response(response.status, response.getheader("Location") or "", data)
        raise AssertionError("unreachable")

    def _keep_cookies(self, response: http.client.HTTPResponse) -> None:
        for header in response.msg.get_all("Set-Cookie") or []:
            if header.split("=", 1)[0].strip() in IGNORED_COOKIES:
                continue
            jar = SimpleCookie()
            try:
                jar.load(header)
            except CookieError:
                continue
            for name, morsel in jar.items():
                if morsel.value in ("", '""') or morsel["max-age"] == "0":
                    self.cookies.pop(name, None)  # how Django deletes a cookie
                else:
                    self.cookies[name] = morsel.value

    def worker(self) -> str:
        """Which gunicorn worker this connection is served by (the bare view says)."""
        response = self.get(BARE_PATH)
        match = re.search(rb"pid (\d+)", response.body)
        if response.status != 200 or match is None:
            raise RuntimeError(f"bare view answered {response.status}: {response.body[:200]!r}")
        return match.group(1).decode()


CSRF_FIELD = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Shopper:
    browser: Browser
    #: The form's csrfmiddlewaretoken.
    token: str


def open_session(browser: Browser, fixture: Fixture) -> Shopper:
    """Product page (csrftoken cookie and form token), 3 add-to-cart POSTs, cart page."""
    page = browser.get(fixture.product_path)
    match = CSRF_FIELD.search(page.body)
    if page.status != 200 or match is None or "csrftoken" not in browser.cookies:
        fail(f"product page: status {page.status}, no CSRF token or cookie")
    shopper = Shopper(browser, match.group(1).decode())
    for sku in fixture.cart_skus:
        added = add_to_cart(shopper, sku, back=fixture.product_path)
        if not (added.status in (302, 303) and added.location == CART_PATH):
            fail(f"add to cart of {sku}: {added.status} to {added.location!r}")
    if "sessionid" not in browser.cookies:
        fail("add to cart set no session cookie")
    cart = browser.get(CART_PATH)
    missing = [sku for sku in fixture.cart_skus if sku.encode() not in cart.body]
    if cart.status != 200 or missing:
        fail(f"cart page: status {cart.status}, without {', '.join(missing) or 'nothing'}")
    return shopper


def add_to_cart(shopper: Shopper, sku: str, *, back: str) -> Response:
    return shopper.browser.post(
        CART_ADD_PATH,
        {"csrfmiddlewaretoken": shopper.token, "sku": sku, "quantity": "1", "next": back},
    )


def check_pages(shopper: Shopper, fixture: Fixture) -> None:
    """The measured pages show what they should (once, before measuring)."""
    catalogue = shopper.browser.get(fixture.category_path)
    shown = sum(
        f'href="/p/{product_slug(n)}/"'.encode() in catalogue.body
        for n in range(1, PRODUCT_COUNT + 1)
    )
    if catalogue.status != 200 or shown != PRODUCT_COUNT:
        fail(f"catalogue: status {catalogue.status}, {shown} of the {PRODUCT_COUNT} products")
    product = shopper.browser.get(fixture.product_path)
    sku = variant_sku(PRODUCT_PAGE, SIZES[0]).encode()
    if product.status != 200 or sku not in product.body:
        fail(f"product page: status {product.status}, no {sku.decode()}")


def balance(browsers: list[Browser], workers: int) -> dict[str, int]:
    """Reconnects clients until each worker serves an even share of the connections.

    A kept-alive connection stays with the worker that accepted it, and which one accepts
    is a race; uneven connections would make a phase's rate depend on luck. The worker that
    just answered wins the race for an immediate reconnection nearly every time (the other
    one sleeps in its poll), so a client waits a little before trying again."""
    share = math.ceil(len(browsers) / workers)
    counts: dict[str, int] = {}
    for browser in browsers:
        browser.close()
    for browser in browsers:
        for attempt in range(BALANCE_ATTEMPTS):
            pid = browser.worker()
            if counts.get(pid, 0) < share and (pid in counts or len(counts) < workers):
                break
            browser.close()
            time.sleep(min(0.02 * (1 + attempt), 0.2))
        counts[pid] = counts.get(pid, 0) + 1
    if len(counts) < min(workers, len(browsers)) or max(counts.values()) > share:
        print(f"warning: uneven connections per worker: {counts}", file=sys.stderr, flush=True)
    return counts


# --- the phases ------------------------------------------------------------------------------

#: One request of a phase, by one client; True when it succeeded.
Request = Callable[[], bool]


@dataclass
class Target:
    name: str
    path: str
    #: Makes the request function of one client.
    make: Callable[[Shopper], Request]
    #: In-process query count of one request, filled in before measuring.
    queries: int | None = None


def page_target(name: str, path: str) -> Target:
    def make(shopper: Shopper) -> Request:
        def request() -> bool:
            response = shopper.browser.get(path)
            if response.status != 200:
                raise BadResponse(response)
            return True

        return request

    return Target(name, path, make)


class SkuCycle:
    """The SKUs add to cart uses, round robin, never past the per-line limit."""

    def __init__(self, skus: list[str]) -> None:
        from django.conf import settings

        self.skus = skus
        self.limit = settings.MAX_CART_LINE_QUANTITY
        self.position = 0
        self.added: dict[str, int] = {}

    def next(self) -> tuple[str, bool]:
        """(SKU to add, whether to start a new cart first: every line is full)."""
        for _ in range(len(self.skus)):
            sku = self.skus[self.position % len(self.skus)]
            self.position += 1
            if self.added.get(sku, 0) < self.limit:
                return sku, False
        self.added.clear()
        return self.next()[0], True

    def done(self, sku: str) -> None:
        self.added[sku] = self.added.get(sku, 0) + 1


def cart_add_target(fixture: Fixture) -> Target:
    def make(shopper: Shopper) -> Request:
        cycle = SkuCycle(fixture.add_skus)

        def request() -> bool:
            sku, new_cart = cycle.next()
            if new_cart:  # without the session cookie, the add starts a new cart
                shopper.browser.cookies.pop("sessionid", None)
            response = add_to_cart(shopper, sku, back=fixture.product_path)
            if response.status not in (302, 303) or response.location != CART_PATH:
                raise BadResponse(response)
            cycle.done(sku)
            return True

        return request

    return Target("add to cart", f"POST {CART_ADD_PATH}", make)


class BadResponse(Exception):
    def __init__(self, response: Response) -> None:
        self.response = response
        text = re.sub(rb"\s+", b" ", response.body[:300]).decode(errors="replace")
        where = f" to {response.location}" if response.location else ""
        super().__init__(f"status {response.status}{where}: {text}")


@dataclass
class Tally:
    warmup: int = 0
    measured: int = 0
    errors: int = 0
    #: TCP connections opened during the counted window.
    reconnects: int = 0
    samples: list[str] = field(default_factory=list)

    def error(self, message: str) -> None:
        self.errors += 1
        if len(self.samples) < 3:
            self.samples.append(message)


@dataclass
class PhaseResult:
    target: Target
    seconds: float
    tallies: list[Tally]
    workers: dict[str, int]

    @property
    def measured(self) -> int:
        return sum(t.measured for t in self.tallies)

    @property
    def errors(self) -> int:
        return sum(t.errors for t in self.tallies)

    @property
    def reconnects(self) -> int:
        return sum(t.reconnects for t in self.tallies)

    @property
    def samples(self) -> list[str]:
        return [s for t in self.tallies for s in t.samples][:3]

    @property
    def rate(self) -> float:
        return self.measured / self.seconds


def run_phase(
    target: Target,
    shoppers: list[Shopper],
    *,
    seconds: float,
    warmup: float,
    options: ServerOptions,
) -> PhaseResult:
    """Every shopper requests `target` in its own thread: `warmup` s uncounted, `seconds`."""
    browsers = [s.browser for s in shoppers]
    workers = balance(browsers, options.workers) if options.worker_class != "sync" else {}
    requests = [target.make(shopper) for shopper in shoppers]
    window = {}

    def open_window() -> None:  # run by one party when all threads are ready
        start = time.perf_counter()
        window["warm_end"] = start + warmup
        window["end"] = start + warmup + seconds

    ready = threading.Barrier(len(shoppers) + 1, action=open_window)
    interrupted = threading.Event()  # Ctrl-C: the clients stop at their next request
    tallies = [Tally() for _ in shoppers]

    def client(request: Request, browser: Browser, tally: Tally) -> None:
        try:
            ready.wait()
        except threading.BrokenBarrierError:
            return
        warm_end, end = window["warm_end"], window["end"]
        for _ in range(MAX_REQUESTS_PER_CLIENT):
            if time.perf_counter() >= end or interrupted.is_set():
                break
            connects = browser.connects
            try:
                ok, problem = request(), ""
            except BadResponse as exc:
                ok, problem = False, str(exc)
            except Exception as exc:  # a connection failure or timeout: reported, go on
                ok, problem = False, repr(exc)
                time.sleep(0.01)
            now = time.perf_counter()
            if now >= end:
                break  # finished after the window: not counted
            counted = now >= warm_end
            if not ok:
                tally.error(problem)
            elif counted:
                tally.measured += 1
            else:
                tally.warmup += 1
            if counted:
                tally.reconnects += browser.connects - connects

    pool = [
        threading.Thread(
            target=client, args=(request, shopper.browser, tally), name=f"client-{i}", daemon=True
        )
        for i, (request, shopper, tally) in enumerate(zip(requests, shoppers, tallies, strict=True))
    ]
    for thread in pool:
        thread.start()
    try:
        try:
            ready.wait()
        except threading.BrokenBarrierError:
            pass
        for thread in pool:
            thread.join(timeout=warmup + seconds + 2 * REQUEST_TIMEOUT + 5)
    except BaseException:
        interrupted.set()
        ready.abort()
        for thread in pool:
            thread.join(timeout=REQUEST_TIMEOUT + 1)
        raise
    if any(thread.is_alive() for thread in pool):
        fail(f"{target.name}: a client thread did not finish")
    return PhaseResult(target=target, seconds=seconds, tallies=tallies, workers=workers)


# --- in-process measurements -----------------------------------------------------------------


class InProcessShopper:
    """The test client version of a load client: a session with a 3-line cart."""

    def __init__(self, fixture: Fixture) -> None:
        from django.test import Client

        self.fixture = fixture
        self.client = Client(SERVER_NAME=HOST)
        self.cycle = SkuCycle(fixture.add_skus)
        self.send_get(fixture.product_path)
        for sku in fixture.cart_skus:
            self.send_add(sku)

    def send(self, target: Target) -> None:
        if target.path.startswith("POST "):
            sku, new_cart = self.cycle.next()
            if new_cart:
                self.client.cookies.pop("sessionid", None)
            self.send_add(sku)
            self.cycle.done(sku)
        else:
            self.send_get(target.path)

    def send_get(self, path: str) -> None:
        self._check(path, self.client.get(path), 200)

    def send_add(self, sku: str) -> None:
        form = {"sku": sku, "quantity": "1", "next": self.fixture.product_path}
        response = self.client.post(CART_ADD_PATH, form)
        self._check(CART_ADD_PATH, response, 302)
        if response.headers.get("Location") != CART_PATH:
            fail(f"in-process add to cart of {sku}: redirected to {response.headers['Location']}")

    def _check(self, path: str, response, status: int) -> None:
        if response.status_code != status:
            fail(f"in-process {path}: status {response.status_code}")
        for name in IGNORED_COOKIES:  # as the load clients do
            self.client.cookies.pop(name, None)


def count_queries(targets: list[Target], fixture: Fixture) -> None:
    """Fills in each target's ORM queries per request (in-process, test client). For add to
    cart, the add of an SKU already in the cart (as most adds of a phase are)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    shopper = InProcessShopper(fixture)
    for target in targets:
        post = target.path.startswith("POST ")
        for _ in range(2):  # the first add of an SKU creates its line; the second adds to it
            with CaptureQueriesContext(connection) as captured:
                if post:
                    shopper.send_add(fixture.add_skus[0])
                else:
                    shopper.send(target)
        target.queries = len(captured.captured_queries)
    connection.close()


def query_caller() -> str:
    """The innermost project frame that sent a query, and whether a template asked."""
    frame = sys._getframe(2)
    where, in_template = "", False
    while frame is not None:
        path = frame.f_code.co_filename
        if path.endswith(os.path.join("django", "template", "base.py")):
            in_template = True
        if not where and path.startswith(str(PROJECT_DIR)) and ".venv" not in path:
            if not path.startswith(str(PROJECT_DIR / "bench")):
                relative = Path(path).relative_to(PROJECT_DIR)
                where = f"{relative}:{frame.f_lineno} {frame.f_code.co_name}"
        frame = frame.f_back
    return f"{where or 'django'}{' (template)' if in_template else ''}"


@dataclass
class TemplateTime:
    renders: int = 0
    #: Rendering this template, without the templates it includes, SQL included.
    own: float = 0.0
    #: SQL sent while rendering this template (not its includes).
    sql: float = 0.0


class Probe:
    """Where in-process request time goes: SQL the views send, SQL the templates send, and
    rendering time per template (an included template on its own line; a template that
    extends another one counts its parent's time). Patches Django's Template.render while
    installed; adds microseconds per template and query."""

    def __init__(self) -> None:
        self.sql_view = 0.0
        self.sql_template = 0.0
        self.templates: dict[str, TemplateTime] = {}
        #: [name, start, time in included templates, SQL time] per template being rendered
        self.stack: list[list] = []
        self.queries: list[tuple[float, str, str]] | None = None

    def _render(self, original):
        probe = self

        def render(template, context):
            name = template.origin.template_name or template.name or "(string)"
            probe.stack.append([name, time.perf_counter(), 0.0, 0.0])
            try:
                return original(template, context)
            finally:
                name, start, inner, sql = probe.stack.pop()
                elapsed = time.perf_counter() - start
                entry = probe.templates.setdefault(name, TemplateTime())
                entry.renders += 1
                entry.own += elapsed - inner
                entry.sql += sql
                if probe.stack:
                    probe.stack[-1][2] += elapsed

        return render

    def _execute(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = time.perf_counter() - start
            if self.stack:
                self.sql_template += elapsed
                self.stack[-1][3] += elapsed
            else:
                self.sql_view += elapsed
            if self.queries is not None:
                self.queries.append((elapsed, sql, query_caller()))

    @contextmanager
    def installed(self) -> Iterator["Probe"]:
        from django.db import connection
        from django.template import base

        original = base.Template.render
        base.Template.render = self._render(original)
        try:
            with connection.execute_wrapper(self._execute):
                yield self
        finally:
            base.Template.render = original


def profile(targets: list[Target], fixture: Fixture, *, requests: int, verbose: bool) -> None:
    """Per page, in-process with the test client (no HTTP, no gunicorn): time per request,
    split into SQL, template rendering (per template) and the rest; the queries of one
    request with their time and the code that sent them; then a cProfile of the same requests
    for the functions that cost most (cProfile slows Python code down: read it for shares)."""
    import cProfile
    import pstats

    from django.db import connection

    print(
        f"\nProfile: in-process (test client, same settings, no HTTP), {requests} requests per "
        "page after 20 uncounted; times are per request"
    )
    shopper = InProcessShopper(fixture)
    components = resolve_components()
    bare_ms, bare_calls = None, 0.0
    for target in targets:
        for _ in range(20):
            shopper.send(target)
        started = time.perf_counter()
        for _ in range(requests):
            shopper.send(target)
        wall = (time.perf_counter() - started) / requests * 1000
        if bare_ms is None:
            bare_ms = wall

        probe = Probe()
        with probe.installed():
            started = time.perf_counter()
            for _ in range(requests):
                shopper.send(target)
            probed = (time.perf_counter() - started) / requests * 1000
            per = 1000 / requests
            sql_view, sql_template = probe.sql_view * per, probe.sql_template * per
            templates = {name: replace(entry) for name, entry in probe.templates.items()}
            rendering = sum(t.own for t in templates.values()) * per
            probe.queries = []  # one more request, for its queries
            shopper.send(target)
        print(
            f"\n{target.name} {target.path}: {wall:.2f} ms per request"
            f" ({wall / bare_ms:.1f} x bare, in-process ratio {bare_ms / wall:.2f});"
            f" {probed:.2f} ms with the probes:"
        )
        print(f"  SQL sent by the view and middleware  {sql_view:6.2f} ms")
        if templates:
            print(f"  SQL sent while rendering templates   {sql_template:6.2f} ms")
            print(f"  template rendering without its SQL   {rendering - sql_template:6.2f} ms")
            for name, entry in sorted(templates.items(), key=lambda i: -i[1].own):
                own = (entry.own - entry.sql) * per
                count = entry.renders / requests
                print(
                    f"    {name:<34} {own:6.2f} ms  ({count:g} render(s) per request"
                    + (f", {own / count:.3f} ms each" if count > 1 else "")
                    + ")"
                )
        print(
            f"  the rest (middleware, sessions, view code, response) "
            f"{probed - sql_view - rendering:6.2f} ms"
        )
        queries = probe.queries or []
        total = sum(t for t, _, _ in queries) * 1000
        print(f"  queries of one request: {len(queries)}, {total:.2f} ms")
        for elapsed, sql, where in queries:
            text = sql if verbose else (sql[:100] + "…" if len(sql) > 100 else sql)
            print(f"    {elapsed * 1000:5.2f} ms  {where}\n              {text}")

        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(requests):
            shopper.send(target)
        profiler.disable()
        stats = pstats.Stats(profiler).stats
        rows = sorted(
            (
                (values[3], path, line, name)
                for (path, line, name), values in stats.items()
                if (str(PROJECT_DIR) in path and ".venv" not in path and "/bench/" not in path)
                or any(part in path for part in PROFILED_DJANGO)
            ),
            reverse=True,
        )[:10]
        print("  under cProfile, by cumulative time (project code, template tags and filters):")
        for cumtime, path, line, name in rows:
            where = Path(path)
            where = where.relative_to(PROJECT_DIR) if where.is_relative_to(PROJECT_DIR) else where
            if ".venv" in str(where):
                where = Path(*where.parts[where.parts.index("site-packages") + 1 :])
            print(f"    {cumtime * per:6.2f} ms  {name}  ({where}:{line})")

        total, parts = count_calls(shopper, target, components)
        bare_calls = bare_calls or total
        print(
            f"  Python function calls per request: {total:,.0f} ({total / bare_calls:.1f} x bare);"
            " inclusive, by part (exact, immune to the machine's noise):"
        )
        for label, calls in parts:
            print(f"    {calls:9,.0f}  {label}")
    connection.close()


#: (module, function or Class.method, label): the parts `count_calls` reports, when present.
COMPONENTS = (
    ("django.template.base", "Template.render", "template rendering, all of it"),
    ("django.template.loader_tags", "IncludeNode.render", "{% include %}d templates"),
    ("django.template.defaulttags", "URLNode.render", "{% url %} tags"),
    ("django.template.defaulttags", "CsrfTokenNode.render", "{% csrf_token %} tags"),
    ("django.templatetags.static", "StaticNode.render", "{% static %} tags"),
    ("django.urls.base", "reverse", "reverse(): {% url %} and get_absolute_url"),
    ("shop.catalog.models", "Product.get_absolute_url", "Product.get_absolute_url"),
    ("shop.catalog.models", "Category.get_absolute_url", "Category.get_absolute_url"),
    ("django.utils.formats", "localize", "number localization of rendered values"),
    ("channels_app.templatetags.storefront", "header_categories", "{% header_categories %}"),
    ("channels_app.templatetags.storefront", "cart_item_count", "{% cart_item_count %}"),
    ("channels_app.templatetags.storefront", "qr_svg", "{% qr_svg %}"),
    ("channels_app.templatetags.storefront", "price_from", "|price_from"),
    ("channels_app.templatetags.storefront", "money", "|money"),
    ("channels_app.templatetags.storefront", "hue", "|hue"),
    ("channels_app.templatetags.storefront", "initials", "|initials"),
    ("django.db.models.sql.compiler", "SQLCompiler.execute_sql", "ORM: compile, execute, fetch"),
    ("django.db.models.query", "ModelIterable.__iter__", "ORM: querysets run + instances built"),
    ("django.db.models.query", "prefetch_related_objects", "ORM: prefetch_related"),
    ("django.contrib.sessions.backends.db", "SessionStore.load", "session load"),
    ("django.contrib.sessions.backends.db", "SessionStore.save", "session save"),
    ("channels_app.current", "current_cart", "current_cart()"),
    ("inventory.selectors", "availability_for_variants", "availability_for_variants()"),
    ("carts.services", "cart_with_lines", "cart_with_lines()"),
    ("carts.services", "cart_price", "cart_price()"),
    ("carts.services", "cart_line_add", "cart_line_add()"),
    ("django.contrib.messages.middleware", "MessageMiddleware.process_response", "messages"),
)


def resolve_components() -> dict:
    """{code object: label} of COMPONENTS; what the code base no longer has is left out."""
    import importlib

    codes = {}
    for module_name, path, label in COMPONENTS:
        try:
            target = importlib.import_module(module_name)
            for part in path.split("."):
                target = getattr(target, part)
            codes[target.__code__] = label
        except (ImportError, AttributeError):
            continue
    return codes


def count_calls(shopper: "InProcessShopper", target: Target, components: dict, requests=5):
    """(Python and C function calls per request, [(label, calls made inside it)]), counted
    with sys.setprofile: exact, and the same on a busy machine as on an idle one."""
    counts: dict[str, int] = {}
    active: list[str] = []
    frames: list[bool] = []
    total = 0

    def hook(frame, event, arg) -> None:
        nonlocal total
        if event in ("call", "c_call"):
            total += 1
            for label in set(active):
                counts[label] = counts.get(label, 0) + 1
            if event == "call":
                label = components.get(frame.f_code)
                frames.append(label is not None)
                if label is not None:
                    active.append(label)
        elif event == "return" and frames and frames.pop():
            active.pop()

    sys.setprofile(hook)
    try:
        for _ in range(requests):
            shopper.send(target)
    finally:
        sys.setprofile(None)
    parts = sorted(((label, n / requests) for label, n in counts.items()), key=lambda i: -i[1])
    return total / requests, parts


#: Django modules whose functions the cProfile summary lists besides the project's own.
PROFILED_DJANGO = (
    "django/template/defaulttags.py",
    "django/template/defaultfilters.py",
    "django/template/loader_tags.py",
    "django/templatetags/",
    "django/template/context_processors.py",
    "django/middleware/csrf.py",
    "django/contrib/sessions/",
    "django/contrib/messages/",
    "django/core/paginator.py",
)


# --- reporting -------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.pages",
        description="Storefront pages served by gunicorn, compared with a bare Django view.",
    )
    parser.add_argument("--clients", type=int, default=4, help="client threads (default 4)")
    parser.add_argument(
        "--seconds", type=float, default=5.0, help="measured time per page (default 5)"
    )
    parser.add_argument(
        "--warmup", type=float, default=1.0, help="uncounted time before each page (default 1)"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument(
        "--worker-class",
        choices=("gthread", "sync"),
        default="gthread",
        help="gthread keeps connections alive (default); sync closes each one",
    )
    parser.add_argument(
        "--threads", type=int, default=2, help="threads per gthread worker (default 2)"
    )
    parser.add_argument("--profile", action="store_true", help="also profile each page in-process")
    parser.add_argument(
        "--profile-requests", type=int, default=200, help="requests per page profiled"
    )
    parser.add_argument(
        "--show-queries", action="store_true", help="with --profile: print whole SQL"
    )
    args = parser.parse_args(argv)
    if args.clients < 1 or args.seconds <= 0 or args.warmup < 0:
        parser.error("--clients must be >= 1, --seconds > 0 and --warmup >= 0")
    if args.workers < 1 or args.threads < 1 or args.profile_requests < 1:
        parser.error("--workers, --threads and --profile-requests must be >= 1")
    options = ServerOptions(
        workers=args.workers,
        worker_class=args.worker_class,
        threads=1 if args.worker_class == "sync" else args.threads,
    )

    common.configure_django(prog=PROG, settings_module="bench.settings")
    fixture = prepare_database()
    bare = page_target("bare", BARE_PATH)
    pages = [
        page_target("catalogue", fixture.category_path),
        page_target("product", fixture.product_path),
        page_target("cart", CART_PATH),
        cart_add_target(fixture),
    ]
    count_queries([bare, *pages], fixture)
    keepalive = "keep-alive" if options.worker_class != "sync" else "a new connection per request"
    print(
        f"gunicorn: {options.workers} {options.worker_class} worker(s)"
        + (f" x {options.threads} threads" if options.worker_class != "sync" else "")
        + f"; {args.clients} client(s), {keepalive}; "
        f"{args.warmup:g} s warm-up + {args.seconds:g} s per page"
    )

    results: list[tuple[str, PhaseResult]] = []
    plan = [("bare (first)", bare), *((p.name, p) for p in pages), ("bare (last)", bare)]
    phase = {"seconds": args.seconds, "warmup": args.warmup, "options": options}
    try:
        with gunicorn(os.environ["DATABASE_URL"], options) as port:
            browsers = [Browser(port) for _ in range(args.clients)]
            try:
                shoppers = [open_session(browser, fixture) for browser in browsers]
                check_pages(shoppers[0], fixture)
                for label, target in plan:
                    result = run_phase(target, shoppers, **phase)
                    results.append((label, result))
                    print(f"  {label:<13} {result.rate:9,.0f} req/s", flush=True)
            finally:
                for browser in browsers:  # before the server stops: it waits for them
                    browser.close()
    except KeyboardInterrupt:
        print("\nInterrupted: the server is stopped.", file=sys.stderr)
        return 130

    first, last = results[0][1], results[-1][1]
    reference = (first.rate + last.rate) / 2
    print()
    header = (
        f"{'page':<13} {'URL':<22} {'req/s':>8} {'ratio':>6}  {'goal':<5} "
        f"{'errors':>6} {'reconn.':>7} {'queries':>7}"
    )
    print(header)
    print("-" * len(header))
    errors = 0
    for label, result in results:
        target = result.target
        errors += result.errors
        if target is bare:
            ratio, verdict = "", ""
        else:
            value = result.rate / reference if reference else 0.0
            ratio, verdict = f"{value:.2f}", "PASS" if value >= GOAL else "BELOW"
        print(
            f"{label:<13} {target.path:<22} {result.rate:8,.0f} {ratio:>6}  {verdict:<5} "
            f"{result.errors:6,} {result.reconnects:7,} {target.queries:7}"
        )
    drift = (last.rate / first.rate - 1) * 100 if first.rate else 0.0
    print(
        f"\nReference: mean of the two bare runs, {reference:,.0f} req/s "
        f"(last vs first: {drift:+.0f}%). Goal: ratio >= {GOAL} for every page."
    )
    if abs(drift) > DRIFT_WARNING:
        print(
            f"Warning: the bare runs differ by more than {DRIFT_WARNING}%: the machine was busy "
            "during this run and the ratios are unreliable; run it again."
        )
    print(f"For reference, {OSCAR}.")
    print(
        "queries: SQL statements of one request, BEGIN and COMMIT included (in-process); "
        "the server also sends a `SELECT 1` health check per request."
    )
    spread = [f"{pid}: {n}" for pid, n in sorted(first.workers.items())]
    if spread:
        print(f"Connections per worker (pid: clients): {', '.join(spread)}")

    if args.profile:
        profile([bare, *pages], fixture, requests=args.profile_requests, verbose=args.show_queries)

    if errors:
        print("\n" + "!" * 72, file=sys.stderr)
        for label, result in results:
            if result.errors:
                print(f"!! {label}: {result.errors} error(s), e.g.", file=sys.stderr)
                for sample in result.samples:
                    print(f"!!   {sample}", file=sys.stderr)
        print("!" * 72, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # before or after the server ran
        print("\nInterrupted.", file=sys.stderr)
        sys.exit(130)
