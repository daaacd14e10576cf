"""Cash at one till, for the same item at the same moment: sales, pickups paid at the desk and
cash refunds of returns each lock the store's drawer session and the item's stock row. They
take them in one order (the drawer, then the stock), so none of them deadlocks."""

from decimal import Decimal

import pytest

from shop.orders.returns import ReturnRequest, return_create
from shop.orders.services import order_mark_collected
from shop.payments.drawer import drawer_open
from tests.channels_app.support import receive, stock_row
from tests.shop.order_support import collect_order, run_at_once, till_sale

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROUNDS = 3
EACH = 3


def test_cash_sales_pickups_and_refunds_of_one_item_never_deadlock(store, clerk, variant):
    receive(store, variant, 100)
    drawer_open(store=store, user=clerk, opening_float=Decimal("100.00"))

    for round_no in range(ROUNDS):
        pickups = [
            collect_order(store, [(variant, 1)], email=f"pickup{round_no}-{n}@example.com")
            for n in range(EACH)
        ]
        sold = [till_sale(store, clerk, [(variant, 1)]) for _ in range(EACH)]

        def sale():
            return till_sale(store, clerk, [(variant, 1)], method="cash", tendered="20.00")

        def pickup(order):
            return lambda: order_mark_collected(
                order=order, channel="pos", user=clerk, payment_method="cash"
            )

        def refund(order):
            return lambda: return_create(
                order=order,
                store=store,
                lines=[ReturnRequest(variant.sku, 1)],
                restock=True,
                refund_method="cash",
                channel="pos",
                user=clerk,
            )

        jobs = [sale] * EACH + [pickup(o) for o in pickups] + [refund(o) for o in sold]
        results = run_at_once(jobs)

        assert [r for r in results if r[0] != "ok"] == [], round_no

    # Per round: EACH pickups sold, EACH card sales returned, EACH cash sales.
    assert stock_row(store, variant) == (100 - ROUNDS * (EACH + EACH), 0)
