"""Retail-scale data for `bench.scale`, written with bulk SQL (INSERT ... SELECT over
generate_series) on top of a migrated database holding the demo shop.

At scale 1 it adds 10,000 products with 40,000 variants, 100,000 customers, 200,000 orders of
every channel and status (with their lines, reservations, payments, cash drawer sessions and
outbox messages), 1,000,000 stock movements, 1,000,000 customer events and 50,000 carts with
lines, plus promotions; every count is proportional to `scale` (promotions have a floor of
100). It keeps the books as the services would:

- every (location, variant) pair of the new variants has a stock row whose on hand is the sum
  of its movements (one receipt per pair, old enough to come first, covers every unit that
  later leaves) and whose reserved is the sum of its active reservations;
- a till sale is a `sale` movement of its lines at its store; a shipped or collected order's
  reservations are committed and each has its `reservation_commit` movement; open orders
  (the last two days) hold active reservations; cancelled, expired and failed ones released;
- order totals are the sums of their lines; SKUs, barcodes (EAN-13), order numbers (`OS-` and
  six characters, as `order_number_new` makes them), handoff codes of open carts, lowercase
  customer emails and outbox keys are unique.

A few rows do not depend on the scale, so a page showing them shows the same thing on a small
and a big database: the demo shopper's first `SUBJECT_ORDERS` orders and open cart with
`SUBJECT_CART_PRODUCTS` lines, the first generated customer's `SUBJECT_EVENTS` events, product
1 in category `collection-001`, and deep stock of the products in `DEEP_STOCK_PRODUCTS`
everywhere (what the benchmark sells and checks out).

Pseudo-random choices come from PostgreSQL's `random()` after `setseed`, so a build is the
same every time for the same scale and demo data. The builder runs its statements on any
DB-API cursor (Django's in the benchmark and tests) and commits nothing itself:
`Builder(cursor, scale=..., now=..., shopper_email=...).run()`.
"""

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

SUBJECT_ORDERS = 30
SUBJECT_EVENTS = 60
SUBJECT_CART_PRODUCTS = (2, 3, 4)
DEEP_STOCK_PRODUCTS = (1, 2, 3)
DEEP_STOCK = 100_000
PRODUCTS_PER_CATEGORY = 200
#: Categories on any scale (the ones beyond those products fill are empty, as new ones are):
#: the category list of the admin shows the same rows on both databases.
CATEGORIES_AT_LEAST = 50
SIZES = ("S", "M", "L", "XL")
#: Search for this word matches a quarter of the generated products.
SEARCH_WORD = "linen"
#: Orders of the last two days (open ones among them), on any scale that has three times more.
RECENT_ORDERS = 600
#: One web order in this many used a promotion code (10 % off).
PROMOTION_EVERY = 8
#: One shipped, collected or till order in this many had its first line brought back.
RETURN_EVERY = 10
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # as order numbers and handoff codes
#: Tables that take most rows: their foreign keys and secondary indexes are dropped while they
#: fill and made again afterwards, which checks every row at once (much faster than row by row).
BULK_TABLES = (
    "customers_customer",
    "customers_customerevent",
    "orders_order",
    "orders_orderline",
    "orders_payment",
    "inventory_reservation",
    "inventory_stockmovement",
    "carts_cart",
    "carts_cartline",
    "outbox_outboxmessage",
)

ADJECTIVES = ("Classic", "Relaxed", "Slim", "Heavy", "Light", "Washed", "Essential", "Tailored")
MATERIALS = ("Cotton", "Linen", "Wool", "Denim")
NOUNS = (
    "Shirt", "Overshirt", "Jacket", "Trousers", "Shorts", "Dress",
    "Skirt", "Scarf", "Cap", "Tote", "Vest", "Hoodie",
)  # fmt: skip
FIRST_NAMES = (
    "Camille", "Louis", "Emma", "Gabriel", "Jade", "Raphael", "Louise", "Arthur",
    "Alice", "Jules", "Lina", "Adam", "Chloe", "Hugo", "Lea", "Paul",
    "Manon", "Lucas", "Ines", "Nathan", "Sarah", "Tom", "Zoe", "Victor",
)  # fmt: skip
LAST_NAMES = (
    "Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois",
    "Moreau", "Laurent", "Simon", "Michel", "Lefebvre", "Leroy", "Roux", "David",
    "Bertrand", "Morel", "Fournier", "Girard", "Bonnet", "Dupont", "Lambert", "Fontaine",
)  # fmt: skip
CITIES = ("Paris", "Lyon", "Lille", "Marseille", "Nantes", "Bordeaux", "Toulouse", "Rennes")


def variant_sku(product: int, size: str) -> str:
    """The SKU of a generated variant: product number (from 1) and size."""
    return f"SC{product:06d}-{size}"


def customer_email(number: int) -> str:
    """The email of the generated customer `number` (from 1)."""
    first = FIRST_NAMES[number % len(FIRST_NAMES)]
    last = LAST_NAMES[number // len(FIRST_NAMES) % len(LAST_NAMES)]
    return f"{first}.{last}.{number}@example.net".lower()


@dataclass(frozen=True)
class Counts:
    """What a build adds at one scale."""

    products: int
    variants: int
    categories: int
    #: The first this many categories hold the products.
    stocked_categories: int
    customers: int
    customer_events: int
    orders: int
    stock_movements: int
    carts: int
    promotions: int

    @classmethod
    def at(cls, scale: float) -> "Counts":
        products = round(10_000 * scale)
        counts = cls(
            products=products,
            variants=len(SIZES) * products,
            categories=max(CATEGORIES_AT_LEAST, math.ceil(products / PRODUCTS_PER_CATEGORY)),
            stocked_categories=max(1, math.ceil(products / PRODUCTS_PER_CATEGORY)),
            customers=round(100_000 * scale),
            customer_events=round(1_000_000 * scale),
            orders=round(200_000 * scale),
            stock_movements=round(1_000_000 * scale),
            carts=round(50_000 * scale),
            promotions=max(100, round(1_000 * scale)),
        )
        if products < max(DEEP_STOCK_PRODUCTS + SUBJECT_CART_PRODUCTS) or counts.orders < 100:
            raise ValueError(f"scale {scale:g} is too small: use 0.0005 or more")
        return counts


@dataclass
class Report:
    counts: Counts
    #: (step, seconds) in the order they ran.
    timings: list[tuple[str, float]] = field(default_factory=list)
    #: Rows each table received.
    rows: dict[str, int] = field(default_factory=dict)


class BuildError(Exception):
    """The database cannot take this build (no store, too many locations for the ledger...)."""


def code_sql(index: str, multiplier: int) -> str:
    """SQL for a 6-character code of CODE_ALPHABET, a bijection of `index` below 32**6: the
    index times an odd number modulo 2**30, written five bits a character."""
    x = f"(({index})::bigint * {multiplier} %% 1073741824)"
    chars = [
        f"substr('{CODE_ALPHABET}', ((({x} >> {shift}) & 31) + 1)::int, 1)"
        for shift in (25, 20, 15, 10, 5, 0)
    ]
    return " || ".join(chars)


ORDER_NUMBER_MULTIPLIER = 0x2545F491
HANDOFF_MULTIPLIER = 0x3C6EF35F


def ean13_sql(body: str) -> str:
    """SQL for the 12-digit string `body` followed by its EAN-13 check digit."""
    check = (
        f"(SELECT (10 - sum(substr({body}, g, 1)::int * CASE WHEN g %% 2 = 0 THEN 3 ELSE 1 END)"
        " %% 10) %% 10 FROM generate_series(1, 12) AS g)"
    )
    return f"{body} || {check}::text"


def text_array(values) -> str:
    return "ARRAY[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


class Builder:
    def __init__(
        self,
        cursor,
        *,
        scale: float,
        now: datetime,
        shopper_email: str | None,
        currency: str = "EUR",
        pickup_days: int = 3,
        payment_window_minutes: int = 15,
        log: Callable[[str], None] = print,
    ) -> None:
        """Adds the rows of `scale` to the database behind `cursor` when `run`; see the module
        docstring. `shopper_email` names the customer whose orders and cart do not depend on
        the scale (none: no such customer)."""
        self.cursor = cursor
        self.counts = Counts.at(scale)
        self.report = Report(self.counts)
        self.log = log
        self.p: dict = {
            "t0": now,
            "currency": currency,
            "pickup_days": pickup_days,
            "payment_window": payment_window_minutes,
            "products": self.counts.products,
            "variants": self.counts.variants,
            "ncat": self.counts.categories,
            "nstocked": self.counts.stocked_categories,
            "customers": self.counts.customers,
            "orders": self.counts.orders,
            "carts": self.counts.carts,
            "promotions": self.counts.promotions,
            "promo_every": PROMOTION_EVERY,
            "return_every": RETURN_EVERY,
            "subject_orders": SUBJECT_ORDERS,
            "subject_events": SUBJECT_EVENTS,
            "deep_stock": DEEP_STOCK,
            "deep_variants": len(SIZES) * max(DEEP_STOCK_PRODUCTS),
        }
        self.shopper_email = shopper_email
        #: DDL that puts back what `strip` dropped.
        self.restore_ddl: list[str] = []

    # --- plumbing --------------------------------------------------------------------------

    def sql(self, statement: str, **extra) -> int:
        self.cursor.execute(statement, {**self.p, **extra})
        return self.cursor.rowcount

    def value(self, statement: str, **extra):
        self.cursor.execute(statement, {**self.p, **extra})
        row = self.cursor.fetchone()
        return row[0] if row else None

    def rows(self, statement: str, **extra) -> list[tuple]:
        self.cursor.execute(statement, {**self.p, **extra})
        return self.cursor.fetchall()

    def step(self, name: str, run: Callable[[], None]) -> None:
        started = time.perf_counter()
        run()
        elapsed = time.perf_counter() - started
        self.report.timings.append((name, elapsed))
        self.log(f"  {name:<34} {elapsed:7.1f} s")

    def inserted(self, table: str, count: int) -> None:
        self.report.rows[table] = self.report.rows.get(table, 0) + count

    def base(self, table: str) -> int:
        return self.value(f"SELECT coalesce(max(id), 0) FROM {table}")

    # --- the build -------------------------------------------------------------------------

    def run(self) -> Report:
        """Builds; returns what was added and how long each step took."""
        self.sql("SET work_mem = '256MB'")
        try:
            self.step("context", self.context)
            self.step("drop indexes and foreign keys", self.strip)
            self.step("catalog", self.catalog)
            self.step("customers and accounts", self.customers)
            self.step("promotions", self.promotions)
            self.step("orders and lines", self.orders)
            self.step("reservations", self.reservations)
            self.step("payments and cash drawers", self.payments)
            self.step("returns", self.returns)
            self.step("stock movements", self.movements)
            self.step("stock", self.stock)
            self.step("customer events", self.events)
            self.step("carts", self.carts)
            self.step("outbox messages", self.outbox)
            self.step("idempotency keys", self.idempotency_keys)
            self.step("sales journal", self.journal)
            self.step("touches and attribution", self.attribution)
            self.step("indexes and foreign keys again", self.restore)
            self.step("sequences", self.sequences)
        finally:
            self.sql(
                "DROP TABLE IF EXISTS scale_order_plan, scale_orders, scale_lines, scale_pay, "
                "scale_moves, scale_returns, scale_journal, scale_touches"
            )
            self.sql("RESET work_mem")
        return self.report

    def context(self) -> None:
        """Locations, staff and the demo shopper the generated rows refer to."""
        locations = self.rows(
            "SELECT id, kind, click_and_collect, ships_online FROM inventory_location "
            "WHERE is_active ORDER BY id"
        )
        stores = [pk for pk, kind, _, _ in locations if kind == "store"]
        collect = [pk for pk, _, cc, _ in locations if cc]
        ships = [pk for pk, _, _, ships in locations if ships]
        if not (stores and collect and ships):
            raise BuildError(
                "the database needs an active store, a click-and-collect store and a location "
                "that ships online (load the demo shop first)"
            )
        clerks: dict[int, int] = {}
        for store, user in self.rows(
            "SELECT store_id, user_id FROM staff_staffprofile WHERE role = 'clerk' ORDER BY id"
        ):
            clerks.setdefault(store, user)
        manager = self.value(
            "SELECT user_id FROM staff_staffprofile WHERE role = 'manager' ORDER BY id LIMIT 1"
        )
        shopper = None
        if self.shopper_email:
            shopper = self.value(
                "SELECT id FROM customers_customer WHERE lower(email) = lower(%(email)s)",
                email=self.shopper_email,
            )
        tops = [
            pk
            for (pk,) in self.rows(
                "SELECT id FROM catalog_category WHERE parent_id IS NULL ORDER BY name, id"
            )
        ]
        self.p.update(
            locations=[pk for pk, *_ in locations],
            warehouses=[pk for pk, kind, _, _ in locations if kind == "warehouse"],
            stores=stores,
            store_staff=[clerks.get(store, manager) for store in stores],
            collect=collect,
            ships=ships,
            manager=manager,
            shopper=shopper,
            tops=tops or [None],
            catbase=self.base("catalog_category"),
            pbase=self.base("catalog_product"),
            vbase=self.base("catalog_variant"),
            cbase=self.base("customers_customer"),
            ubase=self.base("auth_user"),
            obase=self.base("orders_order"),
            lbase=self.base("orders_orderline"),
            paybase=self.base("orders_payment"),
            kbase=self.base("carts_cart"),
            ebase=self.base("customers_customerevent"),
            mbase=self.base("inventory_stockmovement"),
            sbase=self.base("orders_cashdrawersession"),
            rbase=self.base("inventory_reservation"),
        )
        orders = self.counts.orders
        # The open orders: the last two days, the newest still being paid for. Their number is
        # the shop's flow, not its history, so it does not grow with the scale: the desk's
        # queues hold the same orders on a small and a big database.
        self.p["recent"] = min(RECENT_ORDERS, orders // 3)
        self.p["pending"] = max(2, self.p["recent"] // 30)
        pairs = self.counts.variants * len(locations)
        if pairs > self.counts.stock_movements * 0.4:
            raise BuildError(
                f"{len(locations)} locations need {pairs:,} receipts alone, too many for "
                f"{self.counts.stock_movements:,} stock movements"
            )

    def strip(self) -> None:
        """Drops the foreign keys and the indexes that back no constraint of BULK_TABLES,
        keeping what `restore` needs to make them again (primary keys, unique and check
        constraints stay). Unique indexes such as the one on lowercase customer emails are
        made again too, and making them checks the rows as inserting them would."""
        # Inside a transaction (the tests), earlier deferred checks must run before the DDL.
        self.sql("SET CONSTRAINTS ALL IMMEDIATE")
        for table in BULK_TABLES:
            keys = self.rows(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %(table)s::regclass AND contype = 'f' ORDER BY conname",
                table=table,
            )
            indexes = self.rows(
                "SELECT indexname, indexdef FROM pg_indexes "
                "WHERE schemaname = current_schema() AND tablename = %(table)s "
                "AND indexname NOT IN (SELECT conname FROM pg_constraint "
                "WHERE conrelid = %(table)s::regclass) ORDER BY indexname",
                table=table,
            )
            for name, _ in keys:
                self.sql(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            for name, _ in indexes:
                self.sql(f'DROP INDEX "{name}"')
            self.restore_ddl += [definition for _, definition in indexes]
            self.restore_ddl += [
                f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'
                for name, definition in keys
            ]

    def restore(self) -> None:
        self.sql("SET maintenance_work_mem = '512MB'")
        for ddl in self.restore_ddl:
            self.sql(ddl.replace("%", "%%"))
        self.sql("RESET maintenance_work_mem")

    def catalog(self) -> None:
        n = self.sql(
            """
            INSERT INTO catalog_category (id, name, slug, parent_id)
            SELECT %(catbase)s + n, 'Collection ' || lpad(n::text, 3, '0'),
                   'collection-' || lpad(n::text, 3, '0'),
                   (%(tops)s::bigint[])[1 + (n - 1) %% cardinality(%(tops)s::bigint[])]
            FROM generate_series(1, %(ncat)s) AS n
            """
        )
        self.inserted("catalog_category", n)
        n = self.sql(
            f"""
            INSERT INTO catalog_product (id, name, slug, description, category_id, is_active,
                                         created_at)
            SELECT %(pbase)s + i, w.name,
                   lower(replace(w.name, ' ', '-')) || '-' || lpad(i::text, 6, '0'),
                   'A ' || lower(w.material) || ' ' || lower(w.noun) || ' of our '
                   || 'collection ' || lpad((1 + (i - 1) %% %(nstocked)s)::text, 3, '0')
                   || ': a dependable piece cut for every day, made to last and easy to care '
                   || 'for. Available in four sizes, in store and online.',
                   %(catbase)s + 1 + (i - 1) %% %(nstocked)s, i %% 41 <> 0,
                   %(t0)s - interval '1000 days' + i * (interval '999 days' / %(products)s)
            FROM generate_series(1, %(products)s) AS i,
                 LATERAL (
                     SELECT a || ' ' || m || ' ' || o AS name, m AS material, o AS noun
                     FROM (SELECT ({text_array(ADJECTIVES)})[1 + i %% {len(ADJECTIVES)}] AS a,
                                  ({text_array(MATERIALS)})[1 + (i / {len(ADJECTIVES)})
                                      %% {len(MATERIALS)}] AS m,
                                  ({text_array(NOUNS)})[1 + (i / {len(ADJECTIVES) * 4})
                                      %% {len(NOUNS)}] AS o) AS words
                 ) AS w
            """
        )
        self.inserted("catalog_product", n)
        # The English copies that product and category pages read (django-modeltranslation).
        self.sql(
            "UPDATE catalog_product SET name_en = name, description_en = description "
            "WHERE id > %(pbase)s AND name_en IS NULL"
        )
        self.sql(
            "UPDATE catalog_category SET name_en = name WHERE id > %(catbase)s AND name_en IS NULL"
        )
        body = "('299' || lpad(v.n::text, 9, '0'))"
        n = self.sql(
            f"""
            INSERT INTO catalog_variant (id, product_id, sku, barcode, name, price, is_active)
            SELECT %(vbase)s + v.n, %(pbase)s + v.i,
                   'SC' || lpad(v.i::text, 6, '0') || '-' || v.size, {ean13_sql(body)},
                   'Size ' || v.size,
                   (9.90 + (v.i * 37) %% 290 + CASE WHEN v.k = 4 THEN 4 ELSE 0 END)::numeric,
                   true
            FROM (SELECT i, k, (i - 1) * 4 + k AS n, ({text_array(SIZES)})[k] AS size
                  FROM generate_series(1, %(products)s) AS i, generate_series(1, 4) AS k) AS v
            """
        )
        self.inserted("catalog_variant", n)
        # A picture each (the demo's first file, so one set of thumbnails serves them all):
        # cards, product pages and feeds show one, as they would in a real catalogue.
        n = self.sql(
            """
            INSERT INTO catalog_productimage (product_id, image, alt, position)
            SELECT p.id, first.image, p.name, 0
            FROM catalog_product AS p,
                 (SELECT image FROM catalog_productimage ORDER BY id LIMIT 1) AS first
            WHERE p.id > %(pbase)s
            """
        )
        self.inserted("catalog_productimage", n)

    def customers(self) -> None:
        """Customers (one in ten with a sign-in and a verified address), oldest first."""
        names = f"""
            SELECT j, ({text_array(FIRST_NAMES)})[1 + j %% {len(FIRST_NAMES)}] AS first,
                   ({text_array(LAST_NAMES)})[1 + (j / {len(FIRST_NAMES)}) %% {len(LAST_NAMES)}]
                   AS last,
                   %(t0)s - interval '1100 days' + j * (interval '369 days' / %(customers)s)
                   AS joined
            FROM generate_series(1, %(customers)s) AS j
        """
        email = "lower(c.first || '.' || c.last || '.' || c.j || '@example.net')"
        n = self.sql(
            f"""
            INSERT INTO auth_user (id, password, is_superuser, username, first_name, last_name,
                                   email, is_staff, is_active, date_joined)
            SELECT %(ubase)s + c.j / 10, '!', false, 'customer-' || c.j, c.first, c.last,
                   {email}, false, true, c.joined
            FROM ({names}) AS c WHERE c.j %% 10 = 0
            """
        )
        self.inserted("auth_user", n)
        n = self.sql(
            f"""
            INSERT INTO account_emailaddress (email, verified, "primary", user_id)
            SELECT {email}, true, true, %(ubase)s + c.j / 10
            FROM ({names}) AS c WHERE c.j %% 10 = 0
            """
        )
        self.inserted("account_emailaddress", n)
        phone = "lpad(((c.j * 7919) % 100000000)::text, 8, '0')"
        n = self.sql(
            f"""
            INSERT INTO customers_customer (id, email, phone, name, user_id, created_at)
            SELECT %(cbase)s + c.j, {email},
                   '+33 6 ' || substr(p, 1, 2) || ' ' || substr(p, 3, 2) || ' '
                   || substr(p, 5, 2) || ' ' || substr(p, 7, 2),
                   c.first || ' ' || c.last,
                   CASE WHEN c.j %% 10 = 0 THEN %(ubase)s + c.j / 10 END, c.joined
            FROM ({names}) AS c, LATERAL (SELECT {phone.replace("%", "%%")} AS p) AS digits
            """
        )
        self.inserted("customers_customer", n)

    def promotions(self) -> None:
        """Code promotions only, most of them over: none applies to a cart by itself."""
        self.sql("SELECT setseed(0.11)")
        n = self.sql(
            """
            INSERT INTO carts_promotion (name, code, kind, value, min_subtotal, starts_at,
                                         ends_at, usage_limit, times_used, first_order_only,
                                         is_active, email)
            SELECT 'Campaign ' || n, 'SCALE' || lpad(n::text, 5, '0'),
                   CASE WHEN r1 < 0.7 THEN 'percentage' ELSE 'fixed' END,
                   CASE WHEN r1 < 0.7 THEN 5 + floor(r2 * 35) ELSE 5 + floor(r2 * 15) END,
                   CASE WHEN r3 < 0.5 THEN 0 ELSE 50 END, starts, starts + interval '14 days',
                   CASE WHEN r3 < 0.3 THEN 1000 END, floor(r2 * 500), r3 > 0.95, r1 > 0.05, ''
            FROM (SELECT n, random() AS r1, random() AS r2, random() AS r3,
                         %(t0)s - interval '730 days'
                         + n * (interval '740 days' / %(promotions)s) AS starts
                  FROM generate_series(1, %(promotions)s) AS n) AS p
            """
        )
        self.inserted("carts_promotion", n)
        n = self.sql(
            """
            INSERT INTO carts_promotion_categories (promotion_id, category_id)
            SELECT p.id, %(catbase)s + 1 + p.id %% %(ncat)s
            FROM carts_promotion AS p WHERE p.code LIKE 'SCALE%%' AND p.id %% 5 = 0
            """
        )
        self.inserted("carts_promotion_categories", n)

    def orders(self) -> None:
        self.sql("SELECT setseed(0.42)")
        self.sql(
            """
            CREATE TEMP TABLE scale_order_plan AS
            SELECT i, random() AS r_kind, random() AS r_status, random() AS r_store,
                   random() AS r_customer, random() AS r_anonymous, random() AS r_lines,
                   random() AS r_pay, random() AS r_variant
            FROM generate_series(1, %(orders)s) AS i
            """
        )
        self.sql(
            """
            CREATE TEMP TABLE scale_orders AS
            WITH p AS (
                SELECT *,
                       CASE WHEN r_kind < 0.40 THEN 'pos' WHEN r_kind < 0.75 THEN 'delivery'
                            WHEN r_kind < 0.95 THEN 'collect' ELSE 'phone' END AS kind,
                       CASE WHEN i > %(orders)s - %(pending)s THEN 'pending'
                            WHEN i > %(orders)s - %(recent)s THEN 'recent'
                            ELSE 'old' END AS zone,
                       1 + floor(r_store * cardinality(%(stores)s::bigint[]))::int AS store_at,
                       CASE WHEN r_lines < 0.35 THEN 1 WHEN r_lines < 0.65 THEN 2
                            WHEN r_lines < 0.85 THEN 3 ELSE 4 END AS n_lines
                FROM scale_order_plan
            ), q AS (
                SELECT p.*,
                       CASE WHEN kind = 'pos' THEN 'completed'
                            WHEN zone = 'pending' AND kind <> 'phone' THEN 'pending_payment'
                            WHEN zone <> 'old' AND kind = 'collect' THEN
                                CASE WHEN r_status < 0.6 THEN 'placed' ELSE 'ready_for_pickup'
                                END
                            WHEN zone <> 'old' THEN 'placed'
                            WHEN kind = 'collect' THEN
                                CASE WHEN r_status < 0.85 THEN 'collected'
                                     WHEN r_status < 0.92 THEN 'expired'
                                     WHEN r_status < 0.96 THEN 'cancelled'
                                     ELSE 'payment_failed' END
                            WHEN r_status < 0.90 OR (kind = 'phone' AND r_status >= 0.95)
                                THEN 'shipped'
                            WHEN r_status < 0.95 THEN 'cancelled'
                            ELSE 'payment_failed' END AS status,
                       CASE zone
                           WHEN 'old' THEN %(t0)s - interval '730 days'
                               + (i - 1) * (interval '728 days' / (%(orders)s - %(recent)s))
                           WHEN 'recent' THEN %(t0)s - interval '2 days'
                               + (i - (%(orders)s - %(recent)s))
                               * (interval '2870 minutes' / (%(recent)s - %(pending)s + 1))
                           ELSE %(t0)s - interval '10 minutes'
                               + (i - (%(orders)s - %(pending)s))
                               * (interval '10 minutes' / (%(pending)s + 1))
                       END AS created_at
                FROM p
            )
            SELECT q.*, %(obase)s + i AS id,
                   CASE kind WHEN 'pos' THEN 'pos' WHEN 'phone' THEN 'backoffice' ELSE 'web'
                   END AS channel,
                   CASE kind WHEN 'pos' THEN 'in_store' WHEN 'collect' THEN 'collect'
                             ELSE 'delivery' END AS fulfilment,
                   CASE kind
                       WHEN 'pos' THEN (%(stores)s::bigint[])[store_at]
                       WHEN 'collect' THEN (%(collect)s::bigint[])
                           [1 + floor(r_store * cardinality(%(collect)s::bigint[]))::int]
                   END AS store_id,
                   CASE kind WHEN 'pos' THEN (%(store_staff)s::bigint[])[store_at]
                             WHEN 'phone' THEN %(manager)s::bigint END AS staff_user_id,
                   CASE WHEN i <= %(subject_orders)s AND %(shopper)s::bigint IS NOT NULL
                            THEN %(shopper)s::bigint
                        WHEN kind = 'pos' AND r_anonymous < 0.5 THEN NULL
                        ELSE %(cbase)s + 2 + floor(r_customer * (%(customers)s - 1))::bigint
                   END AS customer_id
            FROM q
            """
        )
        self.sql("SELECT setseed(0.17)")
        variants = "%(variants)s"
        self.sql(
            f"""
            CREATE TEMP TABLE scale_lines AS
            SELECT %(lbase)s + row_number() OVER (ORDER BY o.id, x.k) AS id, o.id AS order_id,
                   x.k, %(vbase)s + 1 + (floor(o.r_variant * {variants})::bigint
                                         + x.k * ({variants} / 4)) %% {variants} AS variant_id,
                   CASE WHEN x.r < 0.75 THEN 1 WHEN x.r < 0.95 THEN 2 ELSE 3 END AS quantity
            FROM scale_orders AS o,
                 LATERAL (SELECT k, random() AS r FROM generate_series(0, o.n_lines - 1) AS k)
                 AS x
            """
        )
        number = code_sql("o.i", ORDER_NUMBER_MULTIPLIER)
        n = self.sql(
            f"""
            INSERT INTO orders_order (id, number, channel, fulfilment, store_id, status,
                                      customer_id, email, shipping_address, currency, subtotal,
                                      discount, total, pickup_deadline, staff_user_id,
                                      created_at, updated_at)
            SELECT o.id, 'OS-' || {number}, o.channel, o.fulfilment, o.store_id, o.status,
                   o.customer_id, coalesce(c.email, ''),
                   CASE WHEN o.fulfilment = 'delivery' THEN jsonb_build_object(
                       'name', coalesce(nullif(c.name, ''), 'Guest'),
                       'line1', (1 + o.i %% 180) || ' rue de la République',
                       'postcode', lpad((1000 + o.i * 37 %% 94000)::text, 5, '0'),
                       'city', ({text_array(CITIES)})[1 + o.i %% {len(CITIES)}],
                       'country', 'FR') ELSE '{{}}'::jsonb END,
                   %(currency)s, t.total, d.discount, t.total - d.discount,
                   CASE WHEN o.fulfilment = 'collect' AND o.status <> 'pending_payment'
                        THEN o.created_at + %(pickup_days)s * interval '1 day' END,
                   o.staff_user_id, o.created_at, o.created_at
            FROM scale_orders AS o
            JOIN (SELECT l.order_id, sum(v.price * l.quantity) AS total
                  FROM scale_lines AS l JOIN catalog_variant AS v ON v.id = l.variant_id
                  GROUP BY l.order_id) AS t ON t.order_id = o.id
            LEFT JOIN customers_customer AS c ON c.id = o.customer_id,
                 LATERAL (SELECT CASE WHEN o.channel = 'web' AND o.i %% %(promo_every)s = 0
                                      THEN round(t.total * 0.10, 2) ELSE 0 END AS discount) AS d
            ORDER BY o.id
            """
        )
        self.inserted("orders_order", n)
        n = self.sql(
            """
            INSERT INTO carts_promotionusage (promotion_id, order_id, amount, created_at)
            SELECT pr.ids[1 + o.i %% cardinality(pr.ids)], o.id, oo.discount, o.created_at
            FROM scale_orders AS o JOIN orders_order AS oo ON oo.id = o.id,
                 (SELECT array_agg(id ORDER BY id) AS ids FROM carts_promotion
                  WHERE code LIKE 'SCALE%%') AS pr
            WHERE oo.discount > 0
            """
        )
        self.inserted("carts_promotionusage", n)
        n = self.sql(
            """
            INSERT INTO orders_orderline (id, order_id, variant_id, sku, name, quantity,
                                          unit_price, discount, line_total, returned_quantity)
            SELECT l.id, l.order_id, l.variant_id, v.sku, p.name || ' — ' || v.name,
                   l.quantity, v.price, 0, v.price * l.quantity, 0
            FROM scale_lines AS l
            JOIN catalog_variant AS v ON v.id = l.variant_id
            JOIN catalog_product AS p ON p.id = v.product_id
            ORDER BY l.id
            """
        )
        self.inserted("orders_orderline", n)

    def reservations(self) -> None:
        """One per line of every web and phone order, held, committed or let go by status."""
        n = self.sql(
            """
            INSERT INTO inventory_reservation (order_line_id, location_id, variant_id, quantity,
                                               expires_at, state, created_at, closed_at)
            SELECT l.id,
                   CASE WHEN o.fulfilment = 'collect' THEN o.store_id
                        ELSE (%(ships)s::bigint[])[1 + o.i %% cardinality(%(ships)s::bigint[])]
                   END,
                   l.variant_id, l.quantity,
                   CASE WHEN o.status = 'pending_payment'
                            THEN o.created_at + %(payment_window)s * interval '1 minute'
                        WHEN o.fulfilment = 'collect'
                            THEN o.created_at + %(pickup_days)s * interval '1 day' END,
                   s.state, o.created_at,
                   CASE WHEN s.state = 'active' THEN NULL
                        WHEN o.status = 'payment_failed'
                            THEN o.created_at + %(payment_window)s * interval '1 minute'
                        ELSE o.created_at + interval '1 day' END
            FROM scale_lines AS l JOIN scale_orders AS o ON o.id = l.order_id,
                 LATERAL (SELECT CASE
                     WHEN o.status IN ('placed', 'ready_for_pickup', 'pending_payment')
                         THEN 'active'
                     WHEN o.status IN ('shipped', 'collected') THEN 'committed'
                     WHEN o.status = 'expired' THEN 'expired'
                     ELSE 'released' END AS state) AS s
            WHERE o.fulfilment <> 'in_store'
            ORDER BY l.id
            """
        )
        self.inserted("inventory_reservation", n)

    def payments(self) -> None:
        """A payment per order; cash at the till goes through a closed drawer session of its
        store and day; cancelled and expired card orders are refunded."""
        self.sql(
            """
            CREATE TEMP TABLE scale_pay AS
            SELECT o.id AS order_id, o.i, o.created_at, o.store_id, o.channel, o.status,
                   o.staff_user_id, oo.total,
                   date_trunc('day', o.created_at) AS day,
                   CASE
                       WHEN o.kind = 'pos' THEN
                           CASE WHEN o.r_pay < 0.4 AND o.staff_user_id IS NOT NULL THEN 'cash'
                                ELSE 'card' END
                       WHEN o.kind = 'collect' AND o.r_pay < 0.5
                            AND o.status NOT IN ('pending_payment', 'payment_failed')
                           THEN 'pay_at_pickup'
                       ELSE 'card' END AS method
            FROM scale_orders AS o JOIN orders_order AS oo ON oo.id = o.id
            """
        )
        n = self.sql(
            """
            INSERT INTO orders_cashdrawersession (store_id, opened_by_id, opened_at,
                                                  opening_float, cash_movements, closed_by_id,
                                                  closed_at, expected_cash, counted_cash,
                                                  difference)
            SELECT store_id, staff_user_id, day, 100, count(*), staff_user_id,
                   least(day + interval '23 hours 59 minutes', %(t0)s),
                   100 + sum(total), 100 + sum(total), 0
            FROM scale_pay WHERE method = 'cash'
            GROUP BY store_id, staff_user_id, day ORDER BY day, store_id
            """
        )
        self.inserted("orders_cashdrawersession", n)
        n = self.sql(
            """
            INSERT INTO orders_payment (id, order_id, method, status, amount, currency,
                                        reference, gateway_key, gateway_message, tendered,
                                        change_due, drawer_session_id, channel, store_id,
                                        created_at)
            SELECT %(paybase)s + p.i, p.order_id,
                   CASE WHEN p.method = 'pay_at_pickup' AND p.status = 'collected' THEN 'card'
                        ELSE p.method END,
                   CASE WHEN p.channel = 'pos' THEN 'captured'
                        WHEN p.status = 'pending_payment' THEN 'pending'
                        WHEN p.status = 'payment_failed' THEN 'declined'
                        WHEN p.method = 'pay_at_pickup' AND p.status <> 'collected'
                            THEN 'pending'
                        ELSE 'captured' END,
                   p.total, %(currency)s,
                   CASE WHEN p.method = 'cash' THEN ''
                        WHEN p.channel = 'pos' THEN 'TERM-' || p.i
                        WHEN p.method = 'pay_at_pickup' AND p.status = 'collected'
                            THEN 'paid at the pickup desk'
                        WHEN p.method = 'pay_at_pickup' THEN ''
                        ELSE 'ch_' || substr(md5(p.i::text), 1, 16) END,
                   gen_random_uuid(),
                   CASE WHEN p.status = 'payment_failed' THEN 'Card declined' ELSE '' END,
                   CASE WHEN p.method = 'cash' THEN ceil(p.total / 10) * 10 END,
                   CASE WHEN p.method = 'cash' THEN ceil(p.total / 10) * 10 - p.total END,
                   d.id,
                   CASE WHEN p.method = 'pay_at_pickup' AND p.status = 'collected' THEN 'pos'
                        ELSE p.channel END,
                   CASE WHEN p.channel = 'pos' OR p.method = 'pay_at_pickup' THEN p.store_id
                   END,
                   p.created_at
            FROM scale_pay AS p
            LEFT JOIN orders_cashdrawersession AS d
                ON p.method = 'cash' AND d.id > %(sbase)s AND d.store_id = p.store_id
                   AND d.opened_at = p.day
            ORDER BY p.i
            """
        )
        self.inserted("orders_payment", n)
        n = self.sql(
            """
            INSERT INTO orders_payment (id, order_id, method, status, amount, currency,
                                        reference, gateway_key, gateway_message, refund_of_id,
                                        channel, created_at)
            SELECT %(paybase)s + %(orders)s + row_number() OVER (ORDER BY p.i), p.order_id,
                   'card', 'refunded', p.total, %(currency)s,
                   're_' || substr(md5(p.i::text), 1, 16), gen_random_uuid(), '',
                   %(paybase)s + p.i,
                   CASE WHEN p.status = 'expired' THEN 'system' ELSE 'backoffice' END,
                   p.created_at + interval '1 day'
            FROM scale_pay AS p
            WHERE p.method = 'card' AND p.channel <> 'pos' AND p.status IN ('cancelled', 'expired')
            ORDER BY p.i
            """
        )
        self.inserted("orders_payment", n)

    def movements(self) -> None:
        """Till sales and committed reservations as the services write them, transfers,
        returns and adjustments up to the requested count, and first a receipt per pair that
        covers everything that leaves it, what is held, and a little more."""
        self.sql(
            """
            CREATE TEMP TABLE scale_moves AS
            SELECT o.store_id AS location_id, l.variant_id, -l.quantity AS quantity,
                   'sale'::text AS kind, 'sale ' || oo.number AS reference, ''::text AS reason,
                   'pos'::text AS channel, o.id AS order_id, o.staff_user_id AS user_id,
                   o.created_at
            FROM scale_lines AS l JOIN scale_orders AS o ON o.id = l.order_id
            JOIN orders_order AS oo ON oo.id = o.id
            WHERE o.kind = 'pos'
            UNION ALL
            SELECT r.location_id, r.variant_id, -r.quantity, 'reservation_commit',
                   CASE WHEN o.fulfilment = 'collect' THEN 'collected ' ELSE 'shipped ' END
                   || o.number, '',
                   CASE WHEN o.fulfilment = 'collect' THEN 'pos' ELSE 'backoffice' END,
                   o.id, NULL, r.closed_at
            FROM inventory_reservation AS r
            JOIN orders_orderline AS l ON l.id = r.order_line_id
            JOIN orders_order AS o ON o.id = l.order_id
            WHERE r.id > %(rbase)s AND r.state = 'committed'
            """
        )
        made = self.value("SELECT count(*) FROM scale_moves")
        pairs = self.counts.variants * len(self.p["locations"])
        filler = self.counts.stock_movements - made - pairs
        if filler < 0:
            raise BuildError(f"orders alone make {made:,} movements: too many for the ledger")
        # Transfers are pairs of rows (out of one location, into another).
        transfers = filler // 10 if len(self.p["locations"]) > 1 else 0
        returns = filler // 5
        adjustments = filler - 2 * transfers - returns
        self.sql("SELECT setseed(0.23)")
        location = (
            "(%(locations)s::bigint[])[1 + floor({r} * cardinality(%(locations)s::bigint[]))::int]"
        )
        variant = "%(vbase)s + 1 + floor({r} * %(variants)s)::bigint"
        when = "%(t0)s - interval '730 days' + {r} * interval '729 days'"
        self.sql(
            f"""
            INSERT INTO scale_moves
            SELECT {location.format(r="r1")}, {variant.format(r="r2")},
                   CASE WHEN r3 < 0.6 THEN -(1 + floor(r4 * 3)) ELSE 1 + floor(r4 * 3) END,
                   'adjustment', 'stock count',
                   CASE WHEN r3 < 0.3 THEN 'count' WHEN r3 < 0.5 THEN 'damage'
                        WHEN r3 < 0.6 THEN 'theft' ELSE 'count' END,
                   'backoffice', NULL::bigint, %(manager)s::bigint, {when.format(r="r5")}
            FROM (SELECT random() r1, random() r2, random() r3, random() r4, random() r5
                  FROM generate_series(1, %(n)s)) AS a
            """,
            n=adjustments,
        )
        self.sql(
            f"""
            INSERT INTO scale_moves
            SELECT (%(stores)s::bigint[])[1 + floor(r1 * cardinality(%(stores)s::bigint[]))::int],
                   {variant.format(r="r2")}, 1, 'return', 'return at the till', '', 'pos',
                   NULL::bigint, NULL::bigint, {when.format(r="r3")}
            FROM (SELECT random() r1, random() r2, random() r3
                  FROM generate_series(1, %(n)s)) AS a
            """,
            n=returns,
        )
        if transfers:
            self.sql(
                f"""
                INSERT INTO scale_moves
                SELECT CASE WHEN side = 1 THEN src ELSE dst END, v,
                       CASE WHEN side = 1 THEN -q ELSE q END,
                       CASE WHEN side = 1 THEN 'transfer_out' ELSE 'transfer_in' END,
                       'transfer ' || t, '', 'backoffice', NULL::bigint, %(manager)s::bigint, at
                FROM (SELECT t, {location.format(r="r1")} AS src, v, q, at, r1, r6
                      FROM (SELECT t, random() r1, {variant.format(r="random()")} AS v,
                                   1 + floor(random() * 4) AS q,
                                   {when.format(r="random()")} AS at, random() r6
                            FROM generate_series(1, %(n)s) AS t) AS a) AS b,
                     LATERAL (SELECT (%(locations)s::bigint[])[1 + (
                         array_position(%(locations)s::bigint[], src)
                         + floor(r6 * (cardinality(%(locations)s::bigint[]) - 1))::int
                     ) %% cardinality(%(locations)s::bigint[])] AS dst) AS d,
                     generate_series(1, 2) AS side
                """,
                n=transfers,
            )
        self.sql(
            """
            INSERT INTO scale_moves
            SELECT l.id, v.id,
                   coalesce(gone.units, 0) + coalesce(held.units, 0)
                   + CASE WHEN v.id <= %(vbase)s + %(deep_variants)s THEN %(deep_stock)s
                          WHEN l.id = ANY(%(warehouses)s::bigint[])
                              THEN 50 + floor(random() * 250)
                          ELSE 3 + floor(random() * 37) END,
                   'receipt', 'PO-' || lpad((v.id - %(vbase)s)::text, 6, '0'), '', 'backoffice',
                   NULL, %(manager)s::bigint,
                   %(t0)s - interval '731 days' + (v.id - %(vbase)s) * interval '1 second'
            FROM unnest(%(locations)s::bigint[]) AS l(id)
            CROSS JOIN catalog_variant AS v
            LEFT JOIN (SELECT location_id, variant_id, -sum(quantity) AS units FROM scale_moves
                       WHERE quantity < 0 GROUP BY 1, 2) AS gone
                ON gone.location_id = l.id AND gone.variant_id = v.id
            LEFT JOIN (SELECT location_id, variant_id, sum(quantity) AS units
                       FROM inventory_reservation
                       WHERE id > %(rbase)s AND state = 'active' GROUP BY 1, 2) AS held
                ON held.location_id = l.id AND held.variant_id = v.id
            WHERE v.id > %(vbase)s
            """
        )
        n = self.sql(
            """
            INSERT INTO inventory_stockmovement (id, location_id, variant_id, quantity, kind,
                                                 reference, reason, channel, order_id, user_id,
                                                 created_at)
            SELECT %(mbase)s + row_number() OVER (ORDER BY created_at, location_id, variant_id,
                                                          kind, quantity),
                   location_id, variant_id, quantity, kind, reference, reason, channel,
                   order_id, user_id, created_at
            FROM scale_moves
            """
        )
        self.inserted("inventory_stockmovement", n)

    def stock(self) -> None:
        n = self.sql(
            """
            INSERT INTO inventory_stock (location_id, variant_id, on_hand, reserved,
                                         safety_stock, updated_at)
            SELECT m.location_id, m.variant_id, m.units, coalesce(h.units, 0),
                   CASE WHEN random() < 0.15 THEN 1 + floor(random() * 2) ELSE 0 END, %(t0)s
            FROM (SELECT location_id, variant_id, sum(quantity) AS units
                  FROM inventory_stockmovement WHERE id > %(mbase)s GROUP BY 1, 2) AS m
            LEFT JOIN (SELECT location_id, variant_id, sum(quantity) AS units
                       FROM inventory_reservation WHERE id > %(rbase)s AND state = 'active'
                       GROUP BY 1, 2) AS h USING (location_id, variant_id)
            ORDER BY m.variant_id, m.location_id
            """
        )
        self.inserted("inventory_stock", n)

    def events(self) -> None:
        """An event per order of a known customer, then views and cart changes up to the
        requested count; the first generated customer gets a fixed history."""
        order_events = self.value(
            "SELECT count(*) FROM orders_order WHERE id > %(obase)s AND customer_id IS NOT NULL"
        )
        filler = self.counts.customer_events - order_events
        if filler < SUBJECT_EVENTS:
            raise BuildError("too few customer events for the orders")
        self.sql("SELECT setseed(0.31)")
        n = self.sql(
            """
            INSERT INTO customers_customerevent (id, customer_id, kind, channel, store_id,
                                                 created_at, payload, visitor)
            SELECT %(ebase)s + row_number() OVER (ORDER BY created_at, src, ref), customer_id,
                   kind, channel, store_id, created_at, payload, ''
            FROM (
                SELECT 1 AS src, o.id AS ref, o.customer_id,
                       CASE WHEN o.status IN ('pending_payment', 'payment_failed')
                                THEN 'checkout_started'
                            WHEN o.channel = 'pos' THEN 'pos_sale' ELSE 'order_placed' END
                       AS kind,
                       o.channel, o.store_id, o.created_at,
                       jsonb_build_object('order', o.number, 'total', o.total::text) AS payload
                FROM orders_order AS o WHERE o.id > %(obase)s AND o.customer_id IS NOT NULL
                UNION ALL
                SELECT 2, e.j,
                       CASE WHEN e.j <= %(subject_events)s THEN %(cbase)s + 1
                            ELSE %(cbase)s + 2 + floor(e.r1 * (%(customers)s - 1))::bigint END,
                       e.kind,
                       CASE WHEN e.kind = 'cart_line_added' AND e.r3 < 0.2 THEN 'pos'
                            ELSE 'web' END,
                       CASE WHEN e.kind = 'cart_line_added' AND e.r3 < 0.2 THEN
                           (%(stores)s::bigint[])
                               [1 + floor(e.r4 * cardinality(%(stores)s::bigint[]))::int]
                       END,
                       %(t0)s - interval '730 days' + e.r5 * interval '730 days',
                       CASE WHEN e.kind = 'product_viewed'
                                THEN jsonb_build_object('product', p.slug)
                            WHEN e.kind = 'checkout_started'
                                THEN jsonb_build_object('fulfilment', 'delivery', 'lines', 1)
                            ELSE jsonb_build_object('sku', v.sku, 'quantity', 1) END
                FROM (SELECT j, r1, r3, r4, r5, r6,
                             CASE WHEN r2 < 0.65 THEN 'product_viewed'
                                  WHEN r2 < 0.85 THEN 'cart_line_added'
                                  WHEN r2 < 0.95 THEN 'cart_line_removed'
                                  ELSE 'checkout_started' END AS kind
                      FROM (SELECT j, random() r1, random() r2, random() r3, random() r4,
                                   random() r5, random() r6
                            FROM generate_series(1, %(n)s) AS j) AS a) AS e
                JOIN catalog_variant AS v
                    ON v.id = %(vbase)s + 1 + floor(e.r6 * %(variants)s)::bigint
                JOIN catalog_product AS p ON p.id = v.product_id
            ) AS all_events
            """,
            n=filler,
        )
        self.inserted("customers_customerevent", n)

    def carts(self) -> None:
        """The shopper's cart, customers' carts, then anonymous ones (a fifth of them merged
        into a customer's cart at sign-in, so empty)."""
        self.sql("SELECT setseed(0.57)")
        # The shopper's cart of the demo (if any) gives way to the one of a fixed content
        # below, as if merged into it.
        self.sql(
            """
            WITH old AS (UPDATE carts_cart SET status = 'merged'
                         WHERE customer_id = %(shopper)s::bigint AND status = 'open'
                         RETURNING id)
            DELETE FROM carts_cartline WHERE cart_id IN (SELECT id FROM old)
            """
        )
        handoff = code_sql("j", HANDOFF_MULTIPLIER)
        customer_carts = round(self.counts.carts * 0.6)
        n = self.sql(
            f"""
            INSERT INTO carts_cart (id, customer_id, status, handoff_code, pending_order_id,
                                    created_at, updated_at)
            SELECT %(kbase)s + j,
                   CASE WHEN j = 1 AND %(shopper)s::bigint IS NOT NULL THEN %(shopper)s::bigint
                        WHEN j <= %(customer_carts)s THEN %(cbase)s + j END,
                   CASE WHEN j > %(customer_carts)s AND r < 0.2 THEN 'merged' ELSE 'open' END,
                   {handoff}, NULL, created, created + interval '5 minutes'
            FROM (SELECT j, random() AS r,
                         %(t0)s - interval '90 days' + j * (interval '89 days' / %(carts)s)
                         AS created
                  FROM generate_series(1, %(carts)s) AS j) AS c
            """,
            customer_carts=customer_carts,
        )
        self.inserted("carts_cart", n)
        subject = [1 + (p - 1) * len(SIZES) for p in SUBJECT_CART_PRODUCTS]  # size S
        n = self.sql(
            """
            INSERT INTO carts_cartline (cart_id, variant_id, quantity, added_at)
            SELECT c.id, %(vbase)s + x.variant, x.quantity,
                   c.created_at + x.k * interval '1 minute'
            FROM carts_cart AS c,
                 LATERAL (
                     SELECT k, subject AS variant, 1 AS quantity
                     FROM unnest(%(subject)s::int[]) WITH ORDINALITY AS s(subject, k)
                     WHERE c.id = %(kbase)s + 1 AND %(has_shopper)s
                     UNION ALL
                     SELECT k, 1 + (base + k * (%(variants)s / 5)) %% %(variants)s,
                            1 + floor(random() * 3)::int
                     FROM (SELECT floor(random() * %(variants)s)::bigint + 0 * c.id AS base,
                                  1 + floor(random() * 5)::int AS n) AS plan,
                          generate_series(0, plan.n - 1) AS k
                     WHERE NOT (c.id = %(kbase)s + 1 AND %(has_shopper)s)
                 ) AS x
            WHERE c.id > %(kbase)s AND c.status = 'open'
            ORDER BY c.id, x.k
            """,
            subject=subject,
            has_shopper=self.p["shopper"] is not None,
        )
        self.inserted("carts_cartline", n)

    def returns(self) -> None:
        """The first line of one in RETURN_EVERY shipped, collected or till orders came back a
        week later, damaged (not restocked, so the ledger is untouched), refunded in full."""
        self.sql("ANALYZE scale_orders, scale_lines")
        self.sql(
            """
            CREATE TEMP TABLE scale_returns AS
            SELECT row_number() OVER (ORDER BY o.id) AS n, o.id AS order_id, l.id AS line_id,
                   l.unit_price, coalesce(o.store_id, (%(stores)s::bigint[])[1]) AS store_id,
                   o.created_at + interval '7 days' AS created_at
            FROM scale_orders AS so
            JOIN orders_order AS o ON o.id = so.id
            JOIN scale_lines AS sl ON sl.order_id = so.id AND sl.k = 0
            JOIN orders_orderline AS l ON l.id = sl.id
            WHERE o.status IN ('shipped', 'collected', 'completed') AND o.discount = 0
              AND so.i %% %(return_every)s = 7
              AND o.created_at < %(t0)s - interval '7 days'
            """
        )
        rbase = self.base("orders_return")
        n = self.sql(
            """
            INSERT INTO orders_return (id, order_id, store_id, channel, restock, refund_method,
                                       refund_amount, staff_user_id, created_at)
            SELECT %(rbase)s + n, order_id, store_id, 'pos', false, 'card', unit_price,
                   %(manager)s::bigint, created_at
            FROM scale_returns ORDER BY n
            """,
            rbase=rbase,
        )
        self.inserted("orders_return", n)
        n = self.sql(
            """
            INSERT INTO orders_returnline (return_record_id, order_line_id, quantity, amount)
            SELECT %(rbase)s + n, line_id, 1, unit_price FROM scale_returns ORDER BY n
            """,
            rbase=rbase,
        )
        self.inserted("orders_returnline", n)
        self.sql(
            """
            UPDATE orders_orderline AS l SET returned_quantity = 1
            FROM scale_returns AS r WHERE l.id = r.line_id
            """
        )

    def idempotency_keys(self) -> None:
        """The key of every till sale, answered and kept, as the API leaves them."""
        n = self.sql(
            """
            INSERT INTO channels_app_idempotencykey (scope, key, request_hash, state, owner,
                                                     response_body, created_at)
            SELECT 'user:' || o.staff_user_id, md5('sale:' || o.id),
                   md5('request:' || o.id) || md5('body:' || o.id), 'done', '',
                   jsonb_build_object('status', 201, 'body',
                                      jsonb_build_object('number', oo.number)),
                   o.created_at
            FROM scale_orders AS o JOIN orders_order AS oo ON oo.id = o.id
            WHERE o.channel = 'pos' AND o.staff_user_id IS NOT NULL
            ORDER BY o.id
            """
        )
        self.inserted("channels_app_idempotencykey", n)

    def outbox(self) -> None:
        """The order emails: a confirmation per placed web or phone order, a receipt per till
        sale to a known customer, pickup notices; delivered, except the last hour's (pending)
        and one in 500 that failed."""
        n = self.sql(
            """
            INSERT INTO outbox_outboxmessage (topic, key, payload, status, available_at,
                                              attempts, last_error, created_at, delivered_at)
            SELECT 'orders.email', 'order:' || e.id || ':' || e.kind,
                   jsonb_build_object('order', e.id, 'kind', e.kind),
                   s.status, e.at, CASE s.status WHEN 'failed' THEN 10
                                                 WHEN 'done' THEN 1 ELSE 0 END,
                   CASE WHEN s.status = 'failed' THEN 'SMTP 550: mailbox unavailable' ELSE ''
                   END,
                   e.at, CASE WHEN s.status = 'done' THEN e.at + interval '1 minute' END
            FROM (
                SELECT o.id, k.kind,
                       o.created_at + CASE WHEN k.kind IN ('ready_for_pickup', 'expired')
                                           THEN interval '1 day' ELSE interval '0' END AS at
                FROM orders_order AS o,
                     LATERAL (SELECT unnest(CASE
                         WHEN o.channel = 'pos' THEN ARRAY['receipt']
                         WHEN o.status IN ('pending_payment', 'payment_failed')
                             THEN ARRAY[]::text[]
                         WHEN o.status IN ('ready_for_pickup', 'collected')
                             THEN ARRAY['confirmation', 'ready_for_pickup']
                         WHEN o.status = 'expired'
                             THEN ARRAY['confirmation', 'ready_for_pickup', 'expired']
                         ELSE ARRAY['confirmation'] END) AS kind) AS k
                WHERE o.id > %(obase)s AND o.email <> ''
            ) AS e,
                 LATERAL (SELECT CASE WHEN e.at > %(t0)s - interval '1 hour' THEN 'pending'
                                      WHEN e.id %% 500 = 0 THEN 'failed'
                                      ELSE 'done' END AS status) AS s
            ORDER BY e.at, e.id
            """
        )
        self.inserted("outbox_outboxmessage", n)

    def journal(self) -> None:
        """A sale entry for every order that was placed, on its store's till chain (till sales)
        or the web chain, numbered after what the demo already wrote. Only the cost of reading
        the journal is measured, so the hashes are unique placeholders, not a verifiable chain:
        `verify_sales_journal` would name the first generated entry."""
        self.sql(
            """
            INSERT INTO journal_journalchain (key, store_id, last_sequence, last_hash,
                                              last_closing_hash)
            SELECT l.code, l.id, 0, '', '' FROM inventory_location AS l
            WHERE l.id IN (SELECT DISTINCT store_id FROM scale_orders
                           WHERE fulfilment = 'in_store')
            UNION ALL SELECT 'web', NULL, 0, '', ''
            ON CONFLICT (key) DO NOTHING
            """
        )
        self.sql(
            """
            CREATE TEMP TABLE scale_journal AS
            SELECT o.id AS order_id, c.id AS chain_id, o.created_at, o.total, o.channel,
                   o.staff_user_id, CASE WHEN o.fulfilment = 'in_store' THEN o.store_id END
                   AS store_id,
                   CASE WHEN c.key = 'web' THEN 'W' ELSE 'T-' || upper(c.key) END AS prefix,
                   c.last_sequence + row_number() OVER (
                       PARTITION BY c.id ORDER BY o.created_at, o.id) AS seq
            FROM scale_orders AS so
            JOIN orders_order AS o ON o.id = so.id
            LEFT JOIN inventory_location AS l
                ON l.id = o.store_id AND o.fulfilment = 'in_store'
            JOIN journal_journalchain AS c ON c.key = coalesce(l.code, 'web')
            WHERE o.status NOT IN ('pending_payment', 'payment_failed')
            """
        )
        n = self.sql(
            """
            INSERT INTO journal_journalentry (chain_id, sequence, number, kind, created_at,
                                              order_id, store_id, channel, clerk_id, total,
                                              content, previous_hash, hash)
            SELECT chain_id, seq, prefix || '-' || lpad(seq::text, 6, '0'), 'sale', created_at,
                   order_id, store_id, channel, staff_user_id, total,
                   jsonb_build_object('kind', 'sale', 'total', total::text, 'generated', true),
                   '', encode(sha256(convert_to('generated sale ' || order_id, 'UTF8')), 'hex')
            FROM scale_journal ORDER BY chain_id, seq
            """
        )
        self.inserted("journal_journalentry", n)
        self.sql(
            """
            UPDATE journal_journalchain AS c SET last_sequence = j.seq, last_hash = j.hash
            FROM (SELECT DISTINCT ON (chain_id) chain_id, seq,
                         encode(sha256(convert_to('generated sale ' || order_id, 'UTF8')), 'hex')
                         AS hash
                  FROM scale_journal ORDER BY chain_id, seq DESC) AS j
            WHERE c.id = j.chain_id
            """
        )

    def attribution(self) -> None:
        """One touch per placed order, crediting it as `order_attribute` would with a path of
        one: a till, phone or other off-web order to its own channel (at its store), a web order
        to a channel group in turn (direct, organic search, email, social, paid search, one in
        eight from a spring campaign). The dashboard's rollups are rebuilt from these."""
        tbase = self.base("marketing_touch")
        groups = "ARRAY['direct', 'organic_search', 'email', 'social', 'paid_search']"
        self.sql(
            f"""
            CREATE TEMP TABLE scale_touches AS
            SELECT %(tbase)s + row_number() OVER (ORDER BY o.id) AS touch_id, o.id AS order_id,
                   o.created_at,
                   CASE WHEN o.channel <> 'web' THEN o.channel
                        ELSE ({groups})[1 + o.id %% 5] END AS channel,
                   CASE WHEN o.channel = 'web' AND o.id %% 8 = 3 THEN 'spring' ELSE '' END
                   AS campaign,
                   CASE WHEN o.channel <> 'web' THEN o.store_id END AS store_id, o.customer_id
            FROM scale_orders AS so JOIN orders_order AS o ON o.id = so.id
            WHERE o.status NOT IN ('pending_payment', 'payment_failed')
            """,
            tbase=tbase,
        )
        n = self.sql(
            """
            INSERT INTO marketing_touch (id, channel, source, medium, campaign, click_id,
                                         referrer_host, landing_path, store_id, visitor,
                                         customer_id, at)
            SELECT touch_id, channel,
                   CASE channel WHEN 'direct' THEN '(direct)' WHEN 'organic_search' THEN 'google'
                                WHEN 'paid_search' THEN 'google' WHEN 'social' THEN 'instagram'
                                WHEN 'email' THEN 'newsletter' ELSE channel END,
                   '', campaign, '', '', '', store_id, '', customer_id, created_at
            FROM scale_touches ORDER BY touch_id
            """
        )
        self.inserted("marketing_touch", n)
        n = self.sql(
            """
            INSERT INTO marketing_orderattribution (order_id, placed_at, first_touch_id,
                                                    last_touch_id, last_non_direct_touch_id,
                                                    touch_count)
            SELECT order_id, created_at, touch_id, touch_id, touch_id, 1
            FROM scale_touches ORDER BY order_id
            """
        )
        self.inserted("marketing_orderattribution", n)
        self.sql(
            """
            INSERT INTO marketing_ordertouch (attribution_id, touch_id, position)
            SELECT order_id, touch_id, 0 FROM scale_touches ORDER BY order_id
            """
        )
        self.sql(
            "SELECT setval(pg_get_serial_sequence('marketing_touch', 'id'), "
            "(SELECT max(id) FROM marketing_touch))"
        )

    def sequences(self) -> None:
        """Rows above got explicit ids: the identity sequences move past them."""
        for table in (
            "catalog_category",
            "catalog_product",
            "catalog_variant",
            "auth_user",
            "customers_customer",
            "customers_customerevent",
            "orders_order",
            "orders_orderline",
            "orders_payment",
            "orders_return",
            "carts_cart",
            "inventory_stockmovement",
        ):
            self.value(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )


#: Each query counts the rows that break one invariant of the books.
CHECKS = {
    "stock rows whose on hand is not the sum of their movements": """
        SELECT count(*) FROM inventory_stock AS s
        LEFT JOIN (SELECT location_id, variant_id, sum(quantity) AS units
                   FROM inventory_stockmovement GROUP BY 1, 2) AS m
            USING (location_id, variant_id)
        WHERE s.on_hand <> coalesce(m.units, 0)
    """,
    "movements of a pair without a stock row": """
        SELECT count(*) FROM (SELECT DISTINCT location_id, variant_id
                              FROM inventory_stockmovement) AS m
        WHERE NOT EXISTS (SELECT 1 FROM inventory_stock AS s
                          WHERE s.location_id = m.location_id AND s.variant_id = m.variant_id)
    """,
    "stock rows whose reserved is not the sum of their active reservations": """
        SELECT count(*) FROM inventory_stock AS s
        LEFT JOIN (SELECT location_id, variant_id, sum(quantity) AS units
                   FROM inventory_reservation WHERE state = 'active' GROUP BY 1, 2) AS r
            USING (location_id, variant_id)
        WHERE s.reserved <> coalesce(r.units, 0)
    """,
    "orders whose total is not the sum of their lines": """
        SELECT count(*) FROM orders_order AS o
        JOIN (SELECT order_id, sum(line_total) AS total FROM orders_orderline GROUP BY 1) AS l
            ON l.order_id = o.id
        WHERE o.subtotal <> l.total OR o.total <> o.subtotal - o.discount
    """,
    "customer emails that are not lowercase and unique": """
        SELECT count(*) - count(DISTINCT email) + count(*) FILTER (WHERE email <> lower(email))
        FROM customers_customer WHERE email <> ''
    """,
}


def check(cursor) -> dict[str, int]:
    """{invariant: rows breaking it} for the invariants of the books (see CHECKS); empty when
    they all hold. Unique fields and the stock constraints are the database's own checks."""
    problems = {}
    for name, query in CHECKS.items():
        cursor.execute(query)
        broken = cursor.fetchone()[0]
        if broken:
            problems[name] = broken
    return problems
