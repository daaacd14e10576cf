"""Scale benchmark: does every page, endpoint and admin screen cost the same on a retail-size
database as on a demo-size one?

Two databases on the PostgreSQL server of DATABASE_URL `.../<name>`:

- `<name>_scale_small`: the demo shop (`load_demo`) plus `bench.scale_builder` at
  `--small-scale` (0.01: 100 products, 2,000 orders, 10,000 movements and events...). Demo
  data alone has no orders, events or carts at all, so every list would be empty on one side
  and full on the other and the comparison would measure rendering 100 rows against none;
  at 0.01 every list measured has at least one full page and every object measured exists.
  Rebuilt at every run (seconds), so it stays the same baseline;
- `<name>_scale_big`: the demo shop plus the builder at `--scale` (1: 10,000 products, 40,000
  variants, 1,000,000 stock movements, 100,000 customers, 1,000,000 events, 200,000 orders,
  50,000 carts). Building takes minutes, so it is kept: a comment on the database records the
  scale and a hash of the builder, the demo loader and the migrations, and the next run
  reuses it when they match (`--rebuild` builds it again). Runs add a few dozen rows to it
  (checkouts, till sales, product views), which is nothing at that size.

Each database is served by its own gunicorn (`bench/scale_settings.py`: the shipped settings
as `bench.pages` serves them, one gthread worker, persistent connections, plus a middleware
that counts each request's queries in an X-Query-Count header), and one client sends every
request of a page to both servers in turn: `--warmup` rounds uncounted, then `--rounds`
rounds (20), the order of the two alternating, each request timed from sending to the last
byte read. A round that hits one side hits the other a moment later, so a busy machine slows
both alike: the ratio big/small of the two medians is what to read, not the milliseconds.
HTTP rather than the test client in-process: two databases need two processes anyway, and
the servers side by side let every round measure both under the same load.

Who asks: the demo shopper signed in (storefront pages, cart, own orders), the demo clerk by
token (customer search, till sale), the demo manager by token (stock movements) and signed in
through allauth's pages with a code from the authenticator app `bench.scale_setup` enrolled
for this run (every admin changelist the manager may open, searches, change pages), and an
anonymous shopper with a fresh cart for each checkout (collect, pay at pickup). Writes come
last, so the pages before them show the same cart. The same objects are measured on both
sides (see `bench.scale_builder`: the shopper's 30 orders and 3-line cart, a customer with 60
events, product 1, category collection-001).

The table gives, per page, the median ms on each side, the ratio, the queries of one request
on each side and the median time the server spent in SQL on each side (from the middleware);
`!` marks a ratio above 1.25 or different query counts, the goal for every page. After it
come the slowest statement of each page above the goal on the big database, and the line
`worst ratio: X.XX (page)`. The exit status is 0 whatever the ratios
(this is a report), 1 if a request failed (a 5xx, or a 4xx where a 2xx or a redirect was
expected), 2 if the benchmark could not run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/omnistore python -m bench.scale
    make bench-scale
"""

import argparse
import hashlib
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn
from urllib.parse import unquote, urlencode

from bench import common
from bench.pages import CSRF_FIELD, Browser, Response, ServerOptions, gunicorn

PROG = "scale"
GOAL = 1.25
PROJECT_DIR = Path(__file__).resolve().parent.parent
SMALL, BIG = "small", "big"
SETTINGS = "bench.scale_settings"
JSON = {"Accept": "application/json", "Content-Type": "application/json"}


def fail(message: str) -> NoReturn:
    common.fail(message, prog=PROG)


# --- the databases ---------------------------------------------------------------------------


def sources_hash() -> str:
    """What the built data depends on: the builder, the demo loader and the migrations."""
    files = [PROJECT_DIR / "bench" / "scale_builder.py"]
    files.append(PROJECT_DIR / "channels_app" / "management" / "commands" / "load_demo.py")
    files += [
        path
        for path in PROJECT_DIR.glob("**/migrations/*.py")
        if ".venv" not in path.parts and "site-packages" not in path.parts
    ]
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(str(path.relative_to(PROJECT_DIR)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@dataclass
class Database:
    side: str
    url: str
    config: dict

    @property
    def name(self) -> str:
        return unquote(self.config["NAME"])

    def marker(self) -> str | None:
        with common.server_connection(self.config, prog=PROG) as db:
            row = db.execute(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                [self.name],
            ).fetchone()
        return row[0] if row else None

    def recreate(self) -> None:
        from psycopg import sql

        assert self.name.endswith(("_scale_small", "_scale_big"))  # dropped below
        with common.server_connection(self.config, prog=PROG) as db:
            name = sql.Identifier(self.name)
            db.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
            db.execute(sql.SQL("CREATE DATABASE {}").format(name))

    def set_marker(self, text: str) -> None:
        from psycopg import sql

        with common.server_connection(self.config, prog=PROG) as db:
            db.execute(
                sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                    sql.Identifier(self.name), sql.Literal(text)
                )
            )

    def size(self) -> str:
        with common.server_connection(self.config, prog=PROG) as db:
            query = "SELECT pg_size_pretty(pg_database_size(%s))"
            return db.execute(query, [self.name]).fetchone()[0]


def run_setup(database: Database, build: float | None) -> dict:
    """Runs `bench.scale_setup` on the database (building it first if `build` is a scale),
    echoing its output; returns the fixture it printed."""
    command = [sys.executable, "-m", "bench.scale_setup"]
    if build is not None:
        command += ["--build", repr(build)]
    env = {**os.environ, "DATABASE_URL": database.url, "DJANGO_SETTINGS_MODULE": SETTINGS}
    process = subprocess.Popen(
        command, cwd=PROJECT_DIR, env=env, stdout=subprocess.PIPE, text=True, bufsize=1
    )
    fixture = None
    for line in process.stdout:
        if line.startswith("FIXTURE "):
            fixture = json.loads(line.removeprefix("FIXTURE "))
        else:
            print(line, end="", flush=True)
    if process.wait() != 0 or fixture is None:
        fail(f"setting up {database.name} failed (status {process.returncode})")
    return fixture


def ready(database: Database, scale: float, *, rebuild: bool) -> dict:
    """Builds the database when it is missing, stale or `rebuild` says so, then readies it."""
    wanted = f"omnistore bench.scale scale={scale:g} sources={sources_hash()}"
    found = database.marker()
    if not rebuild and found == wanted:
        print(f"{database.name}: reusing it (built at scale {scale:g} from the same sources)")
        return run_setup(database, None)
    why = "--rebuild" if rebuild else ("missing" if found is None else "stale")
    print(f"{database.name}: building at scale {scale:g} ({why})", flush=True)
    started = time.perf_counter()
    database.recreate()
    fixture = run_setup(database, scale)
    database.set_marker(wanted)
    print(f"{database.name}: built in {time.perf_counter() - started:.0f} s, {database.size()}")
    return fixture


# --- the clients -----------------------------------------------------------------------------


@dataclass
class Side:
    """One database's server, the fixture of its objects and its signed-in clients."""

    name: str
    port: int
    fixture: dict
    shopper: Browser = None
    manager: Browser = None
    #: Token-authenticated API calls: no cookies.
    api: Browser = None
    anonymous: Browser = None
    #: A clerk signed in at the till, and a kiosk enrolled in its store.
    clerk: Browser = None
    kiosk: Browser = None
    #: The ETag of the Google feed, for conditional GETs.
    feed_etag: str = ""
    clerk_token: str = ""
    manager_token: str = ""
    #: The shopper's form token (csrfmiddlewaretoken) for the storefront's POSTs.
    form_token: str = ""
    #: Requests so far that need something unique (an email, a key, a SKU of the cycle).
    sent: int = 0

    def browsers(self) -> list[Browser]:
        browsers = (self.shopper, self.manager, self.api, self.anonymous, self.clerk, self.kiosk)
        return [b for b in browsers if b]

    def unique(self) -> int:
        self.sent += 1
        return self.sent


def form_token(response: Response, what: str) -> str:
    match = CSRF_FIELD.search(response.body)
    if response.status != 200 or match is None:
        fail(f"{what}: status {response.status}, no form token")
    return match.group(1).decode()


def sign_in(browser: Browser, login: str, password: str) -> Response:
    """Signs in through allauth's form; returns its answer (a redirect when it took)."""
    token = form_token(browser.get("/accounts/login/"), "sign-in page")
    form = {"csrfmiddlewaretoken": token, "login": login, "password": password}
    return browser.post("/accounts/login/", form)


def totp_code(secret: str) -> str:
    """What the authenticator app shows now (allauth's own computation); near the end of a
    period it waits for the next one, so the code is still good when it arrives."""
    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    period = app_settings.TOTP_PERIOD
    if period - time.time() % period < 3:
        time.sleep(period - time.time() % period + 0.1)
    return format_hotp_value(hotp_value(secret, int(time.time()) // period))


def sign_in_manager(side: Side) -> None:
    login = side.fixture["manager"]
    answer = sign_in(side.manager, login["username"], login["password"])
    stage = answer.location
    if answer.status != 302 or not stage.startswith("/accounts/2fa/authenticate/"):
        fail(f"{side.name}: manager sign-in did not ask for a code ({answer.status} {stage!r})")
    token = form_token(side.manager.get(stage), "code page")
    code = totp_code(side.fixture["totp_secret"])
    answer = side.manager.post(stage, {"csrfmiddlewaretoken": token, "code": code})
    admin = side.manager.get("/admin/")
    if answer.status != 302 or admin.status != 200:
        fail(f"{side.name}: manager code refused ({answer.status}), admin {admin.status}")


def enrol_kiosk(side: Side) -> None:
    store, token = side.fixture["kiosk_store"], side.fixture["kiosk_token"]
    page = side.kiosk.get(f"/kiosk/{store}/enrol/")
    form = {"csrfmiddlewaretoken": form_token(page, "kiosk enrolment"), "token": token}
    answer = side.kiosk.post(f"/kiosk/{store}/enrol/", form)
    if answer.status != 302 or side.kiosk.get(f"/kiosk/{store}/").status != 200:
        fail(f"{side.name}: kiosk enrolment answered {answer.status}")


def api_token(browser: Browser, login: dict) -> str:
    body = json.dumps({"username": login["username"], "password": login["password"]})
    answer = browser.request("POST", "/api/auth/token/", body.encode(), JSON)
    if answer.status != 200:
        fail(f"token for {login['username']}: {answer.status} {answer.body[:200]!r}")
    return json.loads(answer.body)["token"]


def open_side(name: str, port: int, fixture: dict) -> Side:
    side = Side(name, port, fixture)
    side.shopper, side.manager = Browser(port), Browser(port)
    side.api, side.anonymous = Browser(port), Browser(port)
    shopper = fixture["shopper"]
    answer = sign_in(side.shopper, shopper["username"], shopper["password"])
    if answer.status != 302:
        fail(f"{name}: shopper sign-in answered {answer.status}")
    side.form_token = form_token(side.shopper.get(fixture["product_path"]), "product page")
    sign_in_manager(side)
    side.clerk, side.kiosk = Browser(port), Browser(port)
    clerk = fixture["clerk"]
    answer = sign_in(side.clerk, clerk["username"], clerk["password"])
    if answer.status != 302 or side.clerk.get("/pos/").status != 200:
        fail(f"{name}: clerk sign-in answered {answer.status}")
    enrol_kiosk(side)
    feed = side.anonymous.get("/feeds/google.xml")
    side.feed_etag = feed.headers.get("ETag", "")
    if feed.status != 200 or not side.feed_etag:
        fail(f"{name}: the Google feed answered {feed.status} without an ETag")
    side.clerk_token = api_token(side.api, fixture["clerk"])
    side.manager_token = api_token(side.api, fixture["manager"])
    return side


# --- what is measured ------------------------------------------------------------------------


@dataclass
class Target:
    name: str
    #: Sends the measured request for one side.
    send: Callable[[Side], Response]
    expect: int = 200
    #: For a redirect: where it must point.
    location: str | None = None
    #: Untimed work before each request (a fresh cart for a checkout).
    setup: Callable[[Side], None] | None = None
    #: Why the answer grows with the data by design (a whole-catalogue feed): shown, not
    #: held to the goal.
    sized: str = ""


def page(name: str, path: Callable[[Side], str], client: str = "shopper") -> Target:
    return Target(name, lambda side: getattr(side, client).get(path(side)))


def api_get(name: str, path: Callable[[Side], str], token: str | None = None) -> Target:
    def send(side: Side) -> Response:
        if token is None:  # the shopper's session
            return side.shopper.request("GET", path(side), headers=JSON)
        key = getattr(side, f"{token}_token")
        headers = {**JSON, "Authorization": f"Token {key}"}
        return side.api.request("GET", path(side), headers=headers)

    return Target(name, send)


def post_json(browser: Browser, path: str, data: dict, headers: dict) -> Response:
    return browser.request("POST", path, json.dumps(data).encode(), {**JSON, **headers})


def add_to_cart(side: Side) -> Response:
    skus = side.fixture["add_skus"]
    form = {
        "csrfmiddlewaretoken": side.form_token,
        "sku": skus[side.unique() % len(skus)],
        "quantity": "1",
        "next": side.fixture["product_path"],
    }
    return side.shopper.post("/cart/add/", form)


def fresh_cart(side: Side) -> None:
    """A new anonymous shopper with one line in the cart (not timed)."""
    side.anonymous.cookies.clear()
    line = {"sku": side.fixture["checkout_sku"], "quantity": 1}
    answer = post_json(side.anonymous, "/api/cart/lines/", line, {})
    if answer.status != 201:
        raise BadResponse(answer)


def checkout(side: Side) -> Response:
    body = {
        "email": f"scale-{uuid.uuid4().hex[:12]}@example.org",
        "fulfilment": "collect",
        "store": side.fixture["collect_store"],
        "payment": {"method": "pay_at_pickup"},
    }
    return post_json(side.anonymous, "/api/checkout/", body, {"Idempotency-Key": str(uuid.uuid4())})


def till_sale(side: Side) -> Response:
    body = {
        "lines": [{"sku": side.fixture["pos_sku"], "quantity": 1}],
        "payment": {"method": "card", "terminal_reference": f"BENCH-{side.unique()}"},
    }
    headers = {"Authorization": f"Token {side.clerk_token}", "Idempotency-Key": str(uuid.uuid4())}
    return post_json(side.api, "/api/pos/sales/", body, headers)


def feed_unchanged(side: Side) -> Response:
    """What a feed fetcher sends once it has the feed: answered 304 while nothing changed."""
    return side.anonymous.request(
        "GET", "/feeds/google.xml", headers={"If-None-Match": side.feed_etag}
    )


def targets(fixture: dict) -> list[Target]:
    """Every measured request, reads first; `fixture` (either side's) names the admin pages."""
    f = lambda key: lambda side: side.fixture[key]  # noqa: E731
    skus = lambda side: "&".join(f"sku={s}" for s in side.fixture["product_skus"])  # noqa: E731
    change = lambda what: lambda side: side.fixture["change_pages"][what]  # noqa: E731
    customer = lambda path: lambda side: path.format(side.fixture["history_customer"])  # noqa: E731
    reads = [
        page("home", lambda side: "/"),
        page("category page", f("category_path")),
        page("search", lambda side: "/search/?" + urlencode({"q": side.fixture["search_word"]})),
        page("product page", f("product_path")),
        page("cart page", lambda side: "/cart/"),
        page("account orders", lambda side: "/account/orders/"),
        page("invoice PDF", lambda side: f"/orders/{side.fixture['order_number']}/invoice.pdf"),
        api_get("API products", lambda side: "/api/products/"),
        api_get("API availability", lambda side: f"/api/availability/?{skus(side)}"),
        api_get("API cart", lambda side: "/api/cart/"),
        api_get("API orders (shopper)", lambda side: "/api/orders/"),
        api_get(
            "API POS customer search",
            lambda side: "/api/pos/customers/?" + urlencode({"q": side.fixture["shopper_email"]}),
            token="clerk",
        ),
        api_get(
            "API stock movements",
            lambda side: f"/api/inventory/movements/?location={side.fixture['store']}",
            token="manager",
        ),
        api_get("API shipping methods", lambda side: "/api/shipping-methods/?country=FR"),
        api_get("API customer timeline", customer("/api/customers/{}/timeline/"), token="clerk"),
        api_get(
            "API stock accuracy",
            lambda side: f"/api/stores/{side.fixture['store']}/accuracy/",
            token="manager",
        ),
        page("till", lambda side: "/pos/", client="clerk"),
        page("till customer panel", customer("/pos/customers/{}/"), client="clerk"),
        page("pickup desk", lambda side: "/pos/pickups/", client="clerk"),
        page("till counts", lambda side: "/pos/counts/", client="clerk"),
        page("till shipping queue", lambda side: "/pos/shipments/", client="clerk"),
        page("till requests", lambda side: "/pos/tickets/", client="clerk"),
        page("kiosk start", lambda side: f"/kiosk/{side.fixture['kiosk_store']}/", "kiosk"),
        page(
            "kiosk product",
            lambda side: f"/kiosk/{side.fixture['kiosk_store']}/p/{side.fixture['kiosk_product']}/",
            client="kiosk",
        ),
        Target("feed google.xml (unchanged: 304)", feed_unchanged, expect=304),
        Target(
            "feed google.xml (whole)",
            lambda side: side.anonymous.get("/feeds/google.xml"),
            sized="one item per variant",
        ),
        page("dashboard", lambda side: "/manage/", client="manager"),
        page("dashboard CSV (channels)", lambda side: "/manage/export/channels.csv", "manager"),
        page("admin index", lambda side: "/admin/", client="manager"),
        page(
            "admin customer timeline", customer("/admin/customers/customer/{}/timeline/"), "manager"
        ),
    ]
    for admin_page in fixture["admin_pages"]:
        path = admin_page["path"]
        reads.append(page(f"admin {admin_page['name']} list", lambda side, p=path: p, "manager"))
    reads += [
        page(
            "admin orders search",
            lambda side: "/admin/orders/order/?" + urlencode({"q": side.fixture["order_number"]}),
            client="manager",
        ),
        page(
            "admin customers search",
            lambda side: (
                "/admin/customers/customer/?" + urlencode({"q": side.fixture["shopper_email"]})
            ),
            client="manager",
        ),
        page("admin order change", change("order"), client="manager"),
        page("admin customer change", change("customer"), client="manager"),
        page("admin product change", change("product"), client="manager"),
        page("admin cart change", change("cart"), client="manager"),
    ]
    writes = [
        Target("add to cart (form POST)", add_to_cart, expect=302, location="/cart/"),
        Target("API checkout (collect)", checkout, expect=201, setup=fresh_cart),
        Target("API POS sale", till_sale, expect=201),
    ]
    return reads + writes


# --- measuring -------------------------------------------------------------------------------


class BadResponse(Exception):
    def __init__(self, response: Response) -> None:
        self.response = response
        text = re.sub(rb"\s+", b" ", response.body[:200]).decode(errors="replace")
        where = f" to {response.location}" if response.location else ""
        super().__init__(f"status {response.status}{where}: {text}")


def both() -> dict[str, list]:
    return {SMALL: [], BIG: []}


@dataclass
class Result:
    target: Target
    ms: dict[str, list[float]] = field(default_factory=both)
    queries: dict[str, list[int]] = field(default_factory=both)
    #: SQL time of each request, as the server measured it.
    sql_ms: dict[str, list[float]] = field(default_factory=both)
    #: (ms, statement) of the slowest statement of each request.
    slowest: dict[str, list[tuple[float, str]]] = field(default_factory=both)
    errors: list[str] = field(default_factory=list)

    def median(self, side: str, of: str = "ms") -> float | None:
        values = getattr(self, of)[side]
        return statistics.median(values) if values else None

    def slowest_statement(self, side: str) -> tuple[float, str] | None:
        """The statement that was most often the slowest, with its median time."""
        seen = self.slowest[side]
        if not seen:
            return None
        texts = [text for _, text in seen]
        text = max(set(texts), key=texts.count)
        return statistics.median(ms for ms, t in seen if t == text), text

    @property
    def ratio(self) -> float | None:
        small, big = self.median(SMALL), self.median(BIG)
        return big / small if small and big else None

    def query_text(self, side: str) -> str:
        counts = self.queries[side]
        if not counts:
            return "-"
        low, high = min(counts), max(counts)
        return str(low) if low == high else f"{low}-{high}"

    @property
    def missed(self) -> bool:
        ratio = self.ratio
        if self.target.sized:
            return False
        return (ratio is not None and ratio > GOAL) or self.query_text(SMALL) != self.query_text(
            BIG
        )


def send_once(target: Target, side: Side, result: Result, *, counted: bool) -> None:
    try:
        if target.setup:
            target.setup(side)
        started = time.perf_counter()
        response = target.send(side)
        elapsed = time.perf_counter() - started
        if response.status != target.expect or (
            target.location is not None and response.location != target.location
        ):
            raise BadResponse(response)
    except (BadResponse, OSError, http.client.HTTPException) as exc:
        result.errors.append(f"{side.name}: {exc}")
        return
    if counted:
        headers = response.headers
        result.ms[side.name].append(elapsed * 1000)
        result.queries[side.name].append(int(headers.get("X-Query-Count", -1)))
        result.sql_ms[side.name].append(float(headers.get("X-Query-Ms", "nan")))
        ms, _, text = headers.get("X-Query-Slowest", "nan ").partition(" ")
        result.slowest[side.name].append((float(ms), text))


def measure(target: Target, sides: list[Side], *, rounds: int, warmup: int) -> Result:
    """`warmup` uncounted rounds, then `rounds` counted ones; each round sends the request to
    both sides, the order alternating from one round to the next."""
    result = Result(target)
    for n in range(warmup + rounds):
        order = sides if n % 2 == 0 else sides[::-1]
        for side in order:
            send_once(target, side, result, counted=n >= warmup)
    return result


# --- the report ------------------------------------------------------------------------------

HEADER = (
    f"{'page':<38} {'small ms':>9} {'big ms':>9} {'ratio':>6} {'queries':>11}"
    f" {'SQL ms small / big':>19}"
)


def row(result: Result) -> str:
    def ms(side: str, of: str = "ms", width: int = 9) -> str:
        value = result.median(side, of)
        return f"{value:{width}.1f}" if value is not None else f"{'-':>{width}}"

    ratio = result.ratio
    queries = f"{result.query_text(SMALL)} / {result.query_text(BIG)}"
    sql = f"{ms(SMALL, 'sql_ms', 8)} / {ms(BIG, 'sql_ms', 8)}"
    flag = (
        " !"
        if result.missed
        else (f"  (grows by design: {result.target.sized})" if result.target.sized else "")
    )
    errors = f"  ({len(result.errors)} failed)" if result.errors else ""
    ratio_text = f"{ratio:6.2f}" if ratio is not None else f"{'-':>6}"
    name = result.target.name
    return f"{name:<38} {ms(SMALL)} {ms(BIG)} {ratio_text} {queries:>11} {sql}{flag}{errors}"


def slow_statements(results: list[Result]) -> list[str]:
    """For each page above the goal, the statement that took longest on the big database."""
    lines = []
    for result in results:
        if result.ratio is None or result.ratio <= GOAL or result.target.sized:
            continue
        slowest = result.slowest_statement(BIG)
        if slowest is not None:
            lines.append(f"{result.target.name}: {slowest[0]:.1f} ms  {slowest[1]}")
    if lines:
        lines.insert(0, "\nSlowest statement on the big database of each page above the goal:")
    return lines


def summary(results: list[Result]) -> list[str]:
    rated = [r for r in results if r.ratio is not None and not r.target.sized]
    above = [r for r in rated if r.ratio > GOAL]
    differ = [r for r in results if r.query_text(SMALL) != r.query_text(BIG)]
    lines = [
        f"\n{len(above)} of {len(rated)} pages above the goal ratio {GOAL}; "
        f"{len(differ)} with different query counts"
        + (f" ({', '.join(r.target.name for r in differ)})" if differ else "")
        + "."
    ]
    failed = [r for r in results if r.errors]
    for result in failed:
        lines.append(f"{result.target.name}: {len(result.errors)} failed request(s), e.g.")
        lines += [f"  {error}" for error in result.errors[:3]]
    if rated:
        worst = max(rated, key=lambda r: r.ratio)
        lines.append(f"worst ratio: {worst.ratio:.2f} ({worst.target.name})")
    return lines


# --- main ------------------------------------------------------------------------------------


@contextmanager
def servers(databases: list[Database]) -> Iterator[list[int]]:
    options = ServerOptions(workers=1, worker_class="gthread", threads=1)
    with ExitStack() as stack:
        yield [
            stack.enter_context(gunicorn(db.url, options, settings_module=SETTINGS))
            for db in databases
        ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.scale",
        description="Every page on a demo-size and a retail-size database, side by side.",
    )
    parser.add_argument("--scale", type=float, default=1.0, help="the big database (default 1)")
    parser.add_argument(
        "--small-scale", type=float, default=0.01, help="the small database (default 0.01)"
    )
    parser.add_argument("--rebuild", action="store_true", help="build the big database again")
    parser.add_argument("--rounds", type=int, default=20, help="counted rounds (default 20)")
    parser.add_argument("--warmup", type=int, default=3, help="uncounted rounds (default 3)")
    parser.add_argument("--only", default="", help="measure only pages whose name contains this")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.warmup < 0 or not 0 < args.small_scale < args.scale:
        parser.error("--rounds >= 1, --warmup >= 0 and 0 < --small-scale < --scale")

    started = time.perf_counter()
    small = Database(SMALL, *common.bench_database_url(prog=PROG, suffix="_scale_small"))
    big = Database(BIG, *common.bench_database_url(prog=PROG, suffix="_scale_big"))
    # The client's Django is only for allauth's code computation: it never opens a connection.
    os.environ["DATABASE_URL"], os.environ["DJANGO_SETTINGS_MODULE"] = small.url, SETTINGS
    import django

    django.setup()

    fixtures = {
        SMALL: ready(small, args.small_scale, rebuild=True),
        BIG: ready(big, args.scale, rebuild=args.rebuild),
    }
    chosen = [t for t in targets(fixtures[SMALL]) if args.only.lower() in t.name.lower()]
    if [p["name"] for p in fixtures[SMALL]["admin_pages"]] != [
        p["name"] for p in fixtures[BIG]["admin_pages"]
    ]:
        fail("the two databases show the manager different admin pages")
    print(
        f"\n{small.name} ({small.size()}) and {big.name} ({big.size()}), each on its own "
        f"gunicorn (1 gthread worker); {args.warmup} uncounted + {args.rounds} counted rounds "
        f"per page, both sides each round. Goal: ratio <= {GOAL} and the same queries.\n"
    )
    results = []
    with servers([small, big]) as ports:
        sides = [
            open_side(name, port, fixtures[name])
            for name, port in zip((SMALL, BIG), ports, strict=True)
        ]
        try:
            print(HEADER)
            print("-" * len(HEADER))
            for target in chosen:
                result = measure(target, sides, rounds=args.rounds, warmup=args.warmup)
                results.append(result)
                print(row(result), flush=True)
        finally:
            for side in sides:
                for browser in side.browsers():
                    browser.close()
    print(f"\n{time.perf_counter() - started:.0f} s in all.", end="")
    for line in slow_statements(results) + summary(results):
        print(line)
    return 1 if any(result.errors for result in results) else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\nInterrupted.", file=sys.stderr)
        sys.exit(130)
