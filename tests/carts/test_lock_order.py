"""Every sale locks the rows other sales also update in one order, the stock rows last: the till
sale and the web checkout write everything else first, then count a limited promotion's use,
then take or hold the stock, so a hot item's stock row is held for the end of the transaction
only and the two channels never wait on each other in a cycle."""

import re
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from carts.checkout import CheckoutDetails, checkout_place
from carts.models import Promotion
from carts.pos import TillPayment, pos_sale_complete
from inventory.models import Reservation
from shop.customers.services import customer_get_or_create
from shop.orders.models import Order
from tests.carts.support import promotion
from tests.channels_app.support import receive, stock_row
from tests.shop.order_support import cart_with, run_at_once, till_sale

STOCK = re.compile(r"\binventory_stock\b")
WRITE = re.compile(r'^(?:INSERT(?: OR IGNORE)? INTO|UPDATE|DELETE FROM) "?(\w+)"?')
#: What may follow the first statement on a stock row: the stock change and its own rows.
STOCK_TABLES = {"inventory_stock", "inventory_stockmovement", "inventory_reservation"}
#: What a sale that is placed in one transaction writes before the promotion counter.
SALE_TABLES = {
    "orders_order",
    "orders_orderline",
    "orders_payment",
    "customers_customerevent",
    "outbox_outboxmessage",
}
#: A card checkout's first transaction: the order, its cart claimed, the charge attempt.
CARD_HOLD_TABLES = {"orders_order", "orders_orderline", "orders_payment", "carts_cart"}


def first_transaction(queries: CaptureQueriesContext) -> list[str]:
    """The statements of the first transaction the service opens (a savepoint in a test)."""
    sqls = [query["sql"].strip() for query in queries.captured_queries]
    start = next(i for i, sql in enumerate(sqls) if sql.startswith("SAVEPOINT"))
    name = sqls[start].split()[1]
    return sqls[start + 1 : sqls.index(f"RELEASE SAVEPOINT {name}", start)]


def touched(statements: list[str]) -> list[str]:
    """The table each statement writes, in order; any statement on the stock table counts as
    `inventory_stock` (reading it there is locking it), other reads are left out."""
    tables = []
    for sql in statements:
        if STOCK.search(sql):
            tables.append("inventory_stock")
        elif match := WRITE.match(sql):
            tables.append(match.group(1))
    return tables


def assert_stock_last_and_promotion_just_before(tables: list[str], *, before: set[str]):
    """The stock rows are locked after everything else, the promotion counter just before them
    (only its usage rows in between), and `before` is all written before the counter."""
    stock_at = tables.index("inventory_stock")
    assert set(tables[stock_at:]) <= STOCK_TABLES, tables
    promotion_at = tables.index("carts_promotion")
    assert set(tables[promotion_at + 1 : stock_at]) <= {"carts_promotionusage"}, tables
    assert before <= set(tables[:promotion_at]), tables


@pytest.fixture
def limited(db):
    return promotion(kind="fixed", value="1.00", usage_limit=100)


def details(store, *, method: str = "pay_at_pickup", email="ann@example.com") -> CheckoutDetails:
    return CheckoutDetails(
        email=email,
        fulfilment=Order.Fulfilment.COLLECT,
        store=store,
        payment_method=method,
        card_token="tok_visa" if method == "card" else "",
    )


class TestStatementOrder:
    def test_a_till_sale(self, store, clerk, tee_at_store, limited):
        customer = customer_get_or_create(email="ann@example.com")

        with CaptureQueriesContext(connection) as queries:
            till_sale(store, clerk, [(tee_at_store, 1)], customer=customer)

        tables = touched(first_transaction(queries))
        assert_stock_last_and_promotion_just_before(tables, before=SALE_TABLES)

    def test_a_till_sale_from_a_cart(self, store, clerk, tee_at_store, limited):
        customer = customer_get_or_create(email="ann@example.com")
        cart = cart_with([(tee_at_store, 1)], customer=customer)

        with CaptureQueriesContext(connection) as queries:
            pos_sale_complete(
                store=store,
                clerk=clerk,
                payment=TillPayment(method="card", terminal_reference="TERM-1"),
                cart=cart,
            )

        tables = touched(first_transaction(queries))
        assert_stock_last_and_promotion_just_before(tables, before=SALE_TABLES | {"carts_cart"})

    @pytest.mark.parametrize(
        ("method", "before"),
        [("pay_at_pickup", SALE_TABLES | {"carts_cart"}), ("card", CARD_HOLD_TABLES)],
    )
    def test_a_checkout(self, store, tee_at_store, limited, method, before):
        cart = cart_with([(tee_at_store, 1)])

        with CaptureQueriesContext(connection) as queries:
            checkout_place(cart=cart, details=details(store, method=method))

        tables = touched(first_transaction(queries))
        # Pay at pickup places the order in that transaction (and empties the cart); a card
        # checkout holds the stock there and places the order after the payment.
        assert_stock_last_and_promotion_just_before(tables, before=before)


ROUNDS = 3
PER_CHANNEL = 4


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_tills_and_checkouts_of_one_item_under_a_limited_promotion_never_deadlock(
    store, clerk, tee
):
    """Before the checkout held its stock last, a checkout (stock, then the promotion) and a
    till sale (the promotion, then stock) of the same item deadlocked."""
    receive(store, tee, 100)
    limited = promotion(kind="fixed", value="1.00", usage_limit=1_000)
    outcomes = Counter()

    for round_no in range(ROUNDS):
        shoppers = []
        for n in range(PER_CHANNEL):
            customer = customer_get_or_create(email=f"web{round_no}-{n}@example.com")
            shoppers.append((cart_with([(tee, 1)], customer=customer), customer))

        def till():
            return till_sale(store, clerk, [(tee, 1)])

        def web(cart, customer):
            return lambda: checkout_place(
                cart=cart, details=details(store, email=customer.email), customer=customer
            )

        jobs = [till] * PER_CHANNEL + [web(cart, customer) for cart, customer in shoppers]
        results = run_at_once(jobs)
        assert [r for r in results if r[0] != "ok"] == [], round_no
        outcomes.update(order.channel for _, order in results)

    sales = ROUNDS * PER_CHANNEL
    assert outcomes == {"pos": sales, "web": sales}
    assert stock_row(store, tee) == (100 - sales, sales)
    assert Reservation.objects.filter(state=Reservation.State.ACTIVE).count() == sales
    assert Promotion.objects.get(pk=limited.pk).times_used == 2 * sales
