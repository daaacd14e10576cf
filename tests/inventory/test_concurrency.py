"""Races on real PostgreSQL row locks (SQLite ignores them): these run with real threads and
committed transactions."""

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from inventory import services
from inventory.errors import InsufficientStock
from inventory.models import Reservation, Stock, StockMovement
from shop.channels import Channel
from tests import factories

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_in_threads(jobs, *, workers: int):
    """Starts every job at the same moment, each on its own connection; returns outcomes."""
    barrier = threading.Barrier(len(jobs))

    def run(job):
        try:
            barrier.wait(timeout=30)
            job()
            return "ok"
        except InsufficientStock:
            return "insufficient"
        except Exception as exc:  # anything else (deadlock, constraint) is a failure
            return f"error: {type(exc).__name__}: {exc}"
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(run, jobs))


def test_thirty_channels_race_for_the_last_unit():
    store = factories.LocationFactory(code="race", click_and_collect=True)
    variant = factories.VariantFactory()
    services.stock_receive(location=store, lines=[services.StockLine(variant, 1)])
    lines = [factories.OrderLineFactory(variant=variant) for _ in range(15)]

    def collect(line):
        return lambda: services.stock_reserve(
            requests=[services.ReservationRequest(line, store, 1)], expires_at=None
        )

    def till():
        services.stock_sell(
            location=store, lines=[services.StockLine(variant, 1)], channel=Channel.POS
        )

    jobs = [collect(line) for line in lines] + [till] * 15
    outcomes = Counter(run_in_threads(jobs, workers=30))

    assert outcomes == {"ok": 1, "insufficient": 29}
    row = Stock.objects.get(location=store, variant=variant)
    sold = StockMovement.objects.filter(kind="sale").count()
    reserved = Reservation.objects.filter(state="active").count()
    assert sold + reserved == 1
    assert (row.on_hand, row.reserved) == (1 - sold, reserved)


def test_opposite_transfers_do_not_deadlock():
    a = factories.LocationFactory(code="ta")
    b = factories.LocationFactory(code="tb")
    variants = [factories.VariantFactory() for _ in range(3)]
    for location in (a, b):
        services.stock_receive(
            location=location, lines=[services.StockLine(v, 100) for v in variants]
        )

    def move(source, destination):
        ordered = variants if source is a else list(reversed(variants))
        return lambda: services.stock_transfer(
            source=source,
            destination=destination,
            lines=[services.StockLine(v, 1) for v in ordered],
        )

    jobs = [move(a, b), move(b, a)] * 10
    assert Counter(run_in_threads(jobs, workers=20)) == {"ok": 20}
    for location in (a, b):
        assert sorted(
            Stock.objects.filter(location=location).values_list("on_hand", flat=True)
        ) == [100, 100, 100]
