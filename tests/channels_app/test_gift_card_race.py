"""The web and the till spend one gift card at the same moment (real PostgreSQL, committed
transactions, one thread and connection per channel)."""

from collections import Counter
from decimal import Decimal

import pytest

from carts.checkout import CheckoutDetails, checkout_place
from carts.pos import pos_sale_complete
from shop.customers.services import customer_get_or_create
from shop.orders.models import Order
from shop.payments.errors import StoredValueTooLow
from shop.payments.models import Payment
from shop.payments.stored_value import gift_card_by_code, gift_card_issue
from shop.payments.tenders import Tender
from tests import factories
from tests.channels_app.support import receive
from tests.shop.order_support import cart_with, run_at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROUNDS = 6


def guarded(job):
    def run():
        try:
            return job()
        except StoredValueTooLow:
            return "refused"

    return run


def test_web_and_till_spending_30_of_a_50_card_at_once_one_wins_each_round():
    store = factories.LocationFactory(code="race", name="Race Store", click_and_collect=True)
    clerk = factories.clerk(store=store)
    variant = factories.VariantFactory(sku="BAG-30", price=Decimal("30.00"))
    receive(store, variant, 100)
    winners = Counter()

    for round_no in range(ROUNDS):
        code = gift_card_issue(amount=Decimal("50.00"), channel="api").code
        email = f"web{round_no}@example.com"
        cart = cart_with([(variant, 1)], customer=customer_get_or_create(email=email))
        spend = Tender("gift_card", amount=Decimal("30.00"), code=code)

        def web(cart=cart, email=email, spend=spend):
            checkout_place(
                cart=cart,
                details=CheckoutDetails(
                    email=email,
                    fulfilment=Order.Fulfilment.COLLECT,
                    store=store,
                    payment_method="",
                    tenders=(spend,),
                ),
            )
            return "web"

        def till(spend=spend):
            pos_sale_complete(
                store=store, clerk=clerk, payment=None, lines=[(variant, 1)], tenders=(spend,)
            )
            return "till"

        results = run_at_once([guarded(web), guarded(till)])

        outcomes = sorted(result for status, result in results if status == "ok")
        assert len(outcomes) == 2, results  # no deadlock, no error
        assert outcomes.count("refused") == 1, results
        winners.update(o for o in outcomes if o != "refused")
        account = gift_card_by_code(code)
        assert account.balance == Decimal("20.00")
        assert account.balance == sum(account.entries.values_list("amount", flat=True))
        assert Payment.objects.filter(stored_value=account).count() == 1

    assert sum(winners.values()) == ROUNDS


def test_two_sales_using_two_cards_in_opposite_orders_do_not_deadlock():
    store = factories.LocationFactory(code="race", name="Race Store")
    clerk = factories.clerk(store=store)
    variant = factories.VariantFactory(sku="CAP-20", price=Decimal("20.00"))
    receive(store, variant, 100)

    for _ in range(ROUNDS):
        first = gift_card_issue(amount=Decimal("50.00"), channel="api").code
        second = gift_card_issue(amount=Decimal("50.00"), channel="api").code

        def sale(codes):
            def run():
                pos_sale_complete(
                    store=store,
                    clerk=clerk,
                    payment=None,
                    lines=[(variant, 1)],
                    tenders=tuple(
                        Tender("gift_card", amount=Decimal("10.00"), code=c) for c in codes
                    ),
                )
                return "sold"

            return run

        results = run_at_once([sale([first, second]), sale([second, first])])

        assert results == [("ok", "sold"), ("ok", "sold")]
        for code in (first, second):
            assert gift_card_by_code(code).balance == Decimal("30.00")
