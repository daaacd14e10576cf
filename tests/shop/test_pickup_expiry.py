"""Collect orders not picked up by their deadline expire and give their stock back, once."""

from collections import Counter
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from inventory import services as stock
from inventory.models import Reservation, Stock, StockMovement
from shop.customers.models import CustomerEvent
from shop.orders.models import Order
from shop.orders.services import order_mark_collected, order_mark_ready, orders_expire_overdue
from shop.orders.tasks import expire_overdue_pickups
from shop.outbox.models import OutboxMessage
from tests import factories
from tests.channels_app.support import receive, stock_row
from tests.shop.order_support import collect_order, run_at_once

LATER = timedelta(days=settings.PICKUP_DAYS, hours=1)


def reservations_of(order: Order) -> list[Reservation]:
    return list(Reservation.objects.filter(order_line__order=order))


def make_overdue(order: Order) -> None:
    """Moves the order's pickup deadline (and so its hold) into the past."""
    past = timezone.now() - timedelta(minutes=5)
    Order.objects.filter(pk=order.pk).update(pickup_deadline=past)
    stock.reservations_set_expiry(reservations=reservations_of(order), expires_at=past)


def expired_events(order: Order) -> int:
    return CustomerEvent.objects.filter(
        kind=CustomerEvent.Kind.PICKUP_EXPIRED, payload__order=order.number
    ).count()


@pytest.fixture
def shelf(store, variant):
    receive(store, variant, 5)


@pytest.mark.usefixtures("shelf")
class TestExpiry:
    def test_an_overdue_order_expires_and_its_stock_comes_free(
        self, store, variant, django_capture_on_commit_callbacks
    ):
        order = collect_order(store, [(variant, 2)])
        assert stock_row(store, variant) == (5, 2)
        movements = StockMovement.objects.count()

        with django_capture_on_commit_callbacks(execute=True):
            expired = orders_expire_overdue(now=order.pickup_deadline + timedelta(minutes=1))

        assert expired == 1
        order.refresh_from_db()
        assert order.status == Order.Status.EXPIRED
        assert stock_row(store, variant) == (5, 0)
        assert [r.state for r in reservations_of(order)] == [Reservation.State.RELEASED]
        assert StockMovement.objects.count() == movements  # nothing left the shelf
        event = CustomerEvent.objects.get(kind=CustomerEvent.Kind.PICKUP_EXPIRED)
        assert (event.customer, event.channel, event.store) == (order.customer, "system", store)
        assert event.payload == {"order": order.number}
        [email] = mail.outbox
        assert (email.to, email.subject) == (
            ["ann@example.com"],
            f"Order {order.number} was not collected",
        )
        assert OutboxMessage.objects.get(key=f"order:{order.pk}:expired").status == "done"

    def test_running_it_twice_changes_nothing_more(
        self, store, variant, django_capture_on_commit_callbacks
    ):
        order = collect_order(store, [(variant, 2)])
        now = order.pickup_deadline + timedelta(minutes=1)
        with django_capture_on_commit_callbacks(execute=True):
            orders_expire_overdue(now=now)

        with django_capture_on_commit_callbacks(execute=True) as second_run:
            again = orders_expire_overdue(now=now)

        assert again == 0
        assert second_run == []
        assert stock_row(store, variant) == (5, 0)
        assert expired_events(order) == 1
        assert len(mail.outbox) == 1

    def test_the_celery_task_expires_once(self, store, variant, django_capture_on_commit_callbacks):
        order = collect_order(store, [(variant, 3)])
        make_overdue(order)

        with django_capture_on_commit_callbacks(execute=True):
            first = expire_overdue_pickups.delay().get()
            second = expire_overdue_pickups.delay().get()

        assert (first, second) == (1, 0)
        order.refresh_from_db()
        assert order.status == Order.Status.EXPIRED
        assert stock_row(store, variant) == (5, 0)
        assert expired_events(order) == 1
        assert [m.subject for m in mail.outbox] == [f"Order {order.number} was not collected"]

    def test_an_order_not_yet_due_is_untouched(self, store, variant):
        due = collect_order(store, [(variant, 2)], email="due@example.com")
        make_overdue(due)
        waiting = collect_order(store, [(variant, 1)], email="waiting@example.com")

        assert orders_expire_overdue() == 1

        due.refresh_from_db()
        waiting.refresh_from_db()
        assert due.status == Order.Status.EXPIRED
        assert waiting.status == Order.Status.PLACED
        assert [r.state for r in reservations_of(waiting)] == [Reservation.State.ACTIVE]
        assert stock_row(store, variant) == (5, 1)
        assert expired_events(waiting) == 0

    def test_a_ready_order_expires_and_a_collected_one_does_not(self, store, variant):
        ready = collect_order(store, [(variant, 1)], email="ready@example.com")
        order_mark_ready(order=ready, channel="pos")
        collected = collect_order(store, [(variant, 1)], email="took@example.com")
        order_mark_collected(
            order=collected, channel="pos", payment_method="card", terminal_reference="T-1"
        )
        late = max(ready.pickup_deadline, collected.pickup_deadline) + timedelta(minutes=1)

        assert orders_expire_overdue(now=late) == 1

        ready.refresh_from_db()
        collected.refresh_from_db()
        assert (ready.status, collected.status) == (Order.Status.EXPIRED, Order.Status.COLLECTED)
        assert stock_row(store, variant) == (4, 0)

    def test_a_hold_the_sweeper_released_first_is_not_released_again(self, store, variant):
        order = collect_order(store, [(variant, 2)])
        make_overdue(order)
        assert stock.reservations_release_expired() == 1
        assert stock_row(store, variant) == (5, 0)

        assert orders_expire_overdue() == 1

        order.refresh_from_db()
        assert order.status == Order.Status.EXPIRED
        assert stock_row(store, variant) == (5, 0)
        assert [r.state for r in reservations_of(order)] == [Reservation.State.EXPIRED]

    def test_the_freed_units_can_be_sold_again(self, store, variant, clerk):
        order = collect_order(store, [(variant, 5)])
        orders_expire_overdue(now=order.pickup_deadline + timedelta(minutes=1))

        stock.stock_sell(location=store, lines=[stock.StockLine(variant, 5)], channel="pos")

        assert stock_row(store, variant) == (0, 0)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_four_workers_expire_each_order_exactly_once():
    store = factories.LocationFactory(code="exp", name="Expiry Store", click_and_collect=True)
    shirts = factories.VariantFactory()
    mugs = factories.VariantFactory()
    receive(store, shirts, 20)
    receive(store, mugs, 20)
    overdue = [
        collect_order(store, [(shirts, 1), (mugs, 2)], email=f"late{n}@example.com")
        for n in range(8)
    ]
    waiting = collect_order(store, [(shirts, 3), (mugs, 1)], email="waiting@example.com")
    for order in overdue:
        make_overdue(order)
    mail.outbox = []  # the confirmations of the checkouts above
    assert stock_row(store, shirts) == (20, 11)
    assert stock_row(store, mugs) == (20, 17)

    outcomes = run_at_once([orders_expire_overdue] * 4)

    assert [kind for kind, _ in outcomes] == ["ok"] * 4, outcomes
    assert sum(result for _, result in outcomes) == 8
    statuses = Counter(Order.objects.values_list("status", flat=True))
    assert statuses == {Order.Status.EXPIRED: 8, Order.Status.PLACED: 1}
    for order in overdue:
        assert expired_events(order) == 1
        assert OutboxMessage.objects.get(key=f"order:{order.pk}:expired").status == "done"
        assert {r.state for r in reservations_of(order)} == {Reservation.State.RELEASED}
    assert sorted(m.to[0] for m in mail.outbox) == sorted(o.email for o in overdue)
    assert stock_row(store, shirts) == (20, 3)
    assert stock_row(store, mugs) == (20, 1)
    # The counter agrees with the reservations that still hold stock.
    for row in Stock.objects.filter(location=store):
        held = Reservation.objects.filter(
            location=store, variant=row.variant, state=Reservation.State.ACTIVE
        )
        assert row.reserved == sum(r.quantity for r in held)
    assert waiting.status == Order.Status.PLACED
