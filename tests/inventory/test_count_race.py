"""A count recorded while the till keeps selling, on real PostgreSQL row locks."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.utils import timezone

from inventory import services
from inventory.counts import CountedLine, stock_count_record
from inventory.models import Stock, StockCountLine, StockMovement
from shop.channels import Channel
from tests import factories

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_the_variance_is_right_to_the_unit_while_sales_go_on():
    store = factories.LocationFactory(code="count-race")
    variant = factories.VariantFactory()
    services.stock_receive(location=store, lines=[services.StockLine(variant, 100)])
    started_at = timezone.now()
    # The shelf holds 95 when counted (5 were stolen); 30 sales go on around the count.
    barrier = threading.Barrier(31)

    def sell():
        try:
            barrier.wait(timeout=30)
            services.stock_sell(
                location=store, lines=[services.StockLine(variant, 1)], channel=Channel.POS
            )
        finally:
            connection.close()

    def record():
        try:
            barrier.wait(timeout=30)
            stock_count_record(
                location=store,
                started_at=started_at,
                lines=[CountedLine(variant, 95)],
                channel=Channel.POS,
            )
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=31) as pool:
        futures = [pool.submit(sell) for _ in range(30)] + [pool.submit(record)]
        for future in futures:
            future.result()

    line = StockCountLine.objects.get()
    assert (line.expected, line.variance, line.adjusted) == (100, -5, -5)
    row = Stock.objects.get(location=store, variant=variant)
    assert row.on_hand == 95 - 30
    movements = StockMovement.objects.filter(location=store, variant=variant)
    assert sum(m.quantity for m in movements) == row.on_hand
