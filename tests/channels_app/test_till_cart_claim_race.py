"""The till and a web checkout complete the same shopper's cart at the same moment (real
PostgreSQL connections): the cart is sold once."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from carts.checkout import CheckoutDetails, checkout_place
from carts.errors import CheckoutInProgress
from carts.pos import TillPayment, pos_sale_complete
from shop.customers.services import customer_get_or_create
from shop.errors import DomainError
from shop.orders.models import Order
from tests import factories
from tests.channels_app.support import receive
from tests.shop.order_support import cart_with

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROUNDS = 12


def at_once(jobs):
    barrier = threading.Barrier(len(jobs))

    def run(job):
        try:
            barrier.wait(timeout=30)
            return "ok", job()
        except DomainError as exc:
            return "refused", exc
        except Exception as exc:  # a deadlock, a constraint, anything else is a failure
            return "error", f"{type(exc).__name__}: {exc}"
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return list(pool.map(run, jobs))


def test_a_cart_completed_at_the_till_and_online_at_once_is_sold_once():
    store = factories.LocationFactory(code="claim", name="Claim Store", click_and_collect=True)
    clerk = factories.clerk(store=store)
    outcomes = []
    for round_no in range(ROUNDS):
        variant = factories.VariantFactory(sku=f"CLAIM-{round_no:02d}")
        receive(store, variant, 5)
        email = f"both{round_no}@example.com"
        customer = customer_get_or_create(email=email)
        cart = cart_with([(variant, 1)], customer=customer)
        details = CheckoutDetails(
            email=email,
            fulfilment=Order.Fulfilment.COLLECT,
            store=store,
            payment_method="card" if round_no % 2 else "pay_at_pickup",
            card_token="tok_visa",
        )

        def till(cart=cart, variant=variant):
            return pos_sale_complete(
                store=store,
                clerk=clerk,
                payment=TillPayment(method="card", terminal_reference=f"T-{variant.sku}"),
                cart=cart,
            )

        def web(cart=cart, details=details, customer=customer):
            return checkout_place(cart=cart, details=details, customer=customer)

        (till_kind, till_result), (web_kind, web_result) = at_once([till, web])
        assert "error" not in (till_kind, web_kind), (till_result, web_result)
        assert sorted([till_kind, web_kind]) == ["ok", "refused"], (till_result, web_result)
        loser = till_result if till_kind == "refused" else web_result
        assert isinstance(loser, CheckoutInProgress)
        placed = Order.objects.filter(lines__variant=variant).exclude(
            status__in=Order.UNPLACED_STATUSES
        )
        assert placed.count() == 1
        outcomes.append(till_kind)
    assert len(outcomes) == ROUNDS
