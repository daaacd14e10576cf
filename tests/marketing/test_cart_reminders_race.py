"""Two runs of the reminder job at the same moment, on real PostgreSQL: one email per cart."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection

from carts.services import cart_for_customer, cart_line_add
from shop.marketing.models import CartReminder
from shop.marketing.reminders import cart_reminders_send, reminders_switched_on_at
from shop.outbox.models import OutboxMessage
from tests import factories
from tests.channels_app.support import receive

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_concurrent_runs_send_one_reminder_per_cart(store):
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False) as clock:
        reminders_switched_on_at()
        clock.shift(timedelta(minutes=1))
        tee = factories.VariantFactory(sku="TEE-RACE")
        receive(store, tee, 10)
        for n in range(5):
            customer = factories.CustomerFactory(email=f"r{n}@example.com", marketing_consent=True)
            cart_line_add(
                cart=cart_for_customer(customer=customer), sku=tee.sku, quantity=1, channel="web"
            )
        clock.shift(timedelta(minutes=61))
        barrier = threading.Barrier(2)

        def job():
            try:
                barrier.wait(timeout=30)
                return cart_reminders_send().sent
            finally:
                connection.close()

        with ThreadPoolExecutor(max_workers=2) as pool:
            sent = list(pool.map(lambda _: job(), range(2)))
    assert sum(sent) == 5
    assert CartReminder.objects.filter(status="sent").count() == 5
    assert OutboxMessage.objects.filter(key__startswith="cart-reminder:").count() == 5
    assert sorted(m.to[0] for m in mail.outbox) == [f"r{n}@example.com" for n in range(5)]
