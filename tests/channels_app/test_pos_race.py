"""The till and the web reach for a store's last unit at the same moment (real PostgreSQL row
locks, committed transactions, one thread and connection per channel)."""

from collections import Counter

import pytest
from django.db.models import Sum

from carts.checkout import CheckoutDetails, checkout_place
from carts.pos import TillPayment, pos_sale_complete
from inventory.errors import InsufficientStock
from inventory.models import Reservation, StockMovement
from shop.customers.services import customer_get_or_create
from shop.orders.models import Order, OrderLine
from tests import factories
from tests.channels_app.support import receive, stock_row
from tests.shop.order_support import cart_with, run_at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROUNDS = 15


def test_the_last_unit_goes_to_exactly_one_channel_each_round():
    store = factories.LocationFactory(code="race", name="Race Store", click_and_collect=True)
    clerk = factories.clerk(store=store)
    winners = Counter()

    for round_no in range(ROUNDS):
        variant = factories.VariantFactory(sku=f"LAST-{round_no:02d}")
        receive(store, variant, 1)
        email = f"web{round_no}@example.com"
        customer = customer_get_or_create(email=email)
        cart = cart_with([(variant, 1)], customer=customer)
        # Alternate how the web pays: a card charged between reserve and place, or at pickup.
        method = "card" if round_no % 2 else "pay_at_pickup"
        details = CheckoutDetails(
            email=email,
            fulfilment=Order.Fulfilment.COLLECT,
            store=store,
            payment_method=method,
            card_token="tok_visa" if method == "card" else "",
        )

        def till(variant=variant):
            return pos_sale_complete(
                store=store,
                clerk=clerk,
                payment=TillPayment(method="card", terminal_reference=f"T-{variant.sku}"),
                lines=[(variant, 1)],
            )

        def web(cart=cart, details=details, customer=customer):
            return checkout_place(cart=cart, details=details, customer=customer)

        (till_kind, till_result), (web_kind, web_result) = run_at_once([till, web])

        kinds = sorted([till_kind, web_kind])
        assert kinds == ["insufficient", "ok"], (round_no, till_result, web_result)
        loser = web_result if web_kind == "insufficient" else till_result
        assert isinstance(loser, InsufficientStock)
        assert loser.code == "insufficient_stock"
        assert loser.details == [{"sku": variant.sku, "requested": 1, "available": 0}]

        orders = Order.objects.filter(lines__variant=variant)
        reservations = Reservation.objects.filter(variant=variant)
        ledger = StockMovement.objects.filter(location=store, variant=variant)
        on_hand, reserved = stock_row(store, variant)
        assert on_hand == ledger.aggregate(total=Sum("quantity"))["total"]
        assert reserved == sum(
            r.quantity for r in reservations.filter(state=Reservation.State.ACTIVE)
        )
        if till_kind == "ok":
            winners["till"] += 1
            assert (on_hand, reserved) == (0, 0)
            assert [(o.channel, o.status) for o in orders] == [("pos", "completed")]
            assert ledger.filter(kind="sale").get().quantity == -1
            assert not reservations.exists()
            assert not Order.objects.filter(customer=customer).exists()
            assert cart.lines.count() == 1  # the web shopper's cart is untouched
        else:
            winners["web"] += 1
            assert (on_hand, reserved) == (1, 1)
            assert [(o.channel, o.status) for o in orders] == [("web", "placed")]
            assert reservations.get().state == Reservation.State.ACTIVE
            assert not ledger.filter(kind="sale").exists()
            assert cart.lines.count() == 0
        assert OrderLine.objects.filter(variant=variant).count() == 1

    assert sum(winners.values()) == ROUNDS
