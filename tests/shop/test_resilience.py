"""Nothing is lost or done twice when a dependency fails: the broker is down or hung, a worker
is killed in the middle of a send, two deliverers race for one message.

On PostgreSQL and Redis with real commits: the outbox publishes only after commit.
"""

import os
import runpy
import signal
import time
from decimal import Decimal

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings as django_settings
from django.core import mail
from django.utils import timezone
from rest_framework.test import APIClient

from inventory.models import Stock, StockMovement
from shop.customers.models import CustomerEvent
from shop.orders.models import Order, Return
from shop.outbox.models import OutboxMessage
from shop.outbox.tasks import deliver_due_outbox, deliver_outbox_message
from shop.payments.models import CashDrawerSession, Payment
from tests import factories
from tests.channels_app.support import receive
from tests.conftest import auth
from tests.shop.order_support import collect_order, run_at_once
from tests.shop.resilience_support import (
    DOWN_BROKER_URL,
    celery_app,
    redis_celery_app,
    silent_port,
    unacked_tasks,
    wait_for,
    worker_process,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

#: Seconds a request may take with the broker down: it must not wait for the broker.
PROMPT = 5.0
#: The outbox lease in the kill test: short, so the test waits it out for real.
LEASE = 2


def footprint() -> dict:
    """Everything a request of these tests can leave behind."""
    return {
        "orders": list(Order.objects.order_by("pk").values_list("number", "status")),
        "movements": StockMovement.objects.count(),
        "stock": list(Stock.objects.order_by("pk").values_list("on_hand", "reserved")),
        "payments": list(Payment.objects.order_by("pk").values_list("method", "status")),
        "returns": Return.objects.count(),
        "drawers": CashDrawerSession.objects.count(),
        "events": CustomerEvent.objects.count(),
        "outbox": list(OutboxMessage.objects.order_by("pk").values_list("key", "status")),
    }


def post_twice(client: APIClient, url: str, body: dict | None = None) -> dict:
    """Posts, then posts again with the same Idempotency-Key, as a client does that never got
    the first answer: both answers are the same 2xx, each comes promptly, and the second
    changes nothing."""
    key = f"retry-{url}"
    answers, after = [], []
    for _ in range(2):
        started = time.monotonic()
        response = client.post(url, body, format="json", headers={"Idempotency-Key": key})
        took = time.monotonic() - started
        assert took < PROMPT, f"POST {url} took {took:.1f} s with the broker down"
        answers.append(response)
        after.append(footprint())
    first, again = answers
    assert 200 <= first.status_code < 300, first.content
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert after[1] == after[0], f"the retry of POST {url} did the work again"
    return first.json()


def shopper_checkout(store: str, sku: str, quantity: int, email: str, payment: dict) -> Order:
    shopper = APIClient()
    added = shopper.post("/api/cart/lines/", {"sku": sku, "quantity": quantity}, format="json")
    assert added.status_code == 201, added.content
    body = {"email": email, "fulfilment": "collect", "store": store, "payment": payment}
    placed = post_twice(shopper, "/api/checkout/", body)
    assert placed["status"] == "placed"
    return Order.objects.get(number=placed["number"])


def outbox_rows() -> set[tuple[str, str, str, int]]:
    return set(OutboxMessage.objects.values_list("topic", "key", "status", "attempts"))


@pytest.mark.redis
def test_with_the_broker_down_every_channel_works_once_and_the_sweeper_catches_up(caplog):
    store = factories.LocationFactory(code="st1", name="Store One", click_and_collect=True)
    tee = factories.VariantFactory(sku="TEE-M", price=Decimal("19.90"))
    receive(store, tee, 10)
    clerk = auth(APIClient(), factories.clerk(store=store))
    regular = factories.CustomerFactory(email="reg@example.com")

    with celery_app(DOWN_BROKER_URL):
        at_pickup = shopper_checkout(
            "st1", "TEE-M", 2, "ann@example.com", {"method": "pay_at_pickup"}
        )
        by_card = shopper_checkout(
            "st1", "TEE-M", 1, "bob@example.com", {"method": "card", "card_token": "tok_visa"}
        )
        post_twice(clerk, "/api/stores/st1/drawer/open/", {"float": "100.00"})
        sale = post_twice(
            clerk,
            "/api/pos/sales/",
            {
                "lines": [{"sku": "TEE-M", "quantity": 1}],
                "customer": regular.pk,
                "payment": {"method": "cash", "tendered": "50.00"},
            },
        )
        assert sale["change_due"] == "30.10"
        till = Order.objects.get(number=sale["number"])
        ready = post_twice(clerk, f"/api/pickups/{at_pickup.number}/ready/")
        assert ready["status"] == "ready_for_pickup"
        for order in (at_pickup, by_card):
            collected = post_twice(clerk, f"/api/pickups/{order.number}/collected/")
            assert collected["status"] == "collected"
        returned = post_twice(
            clerk,
            "/api/returns/",
            {
                "order": by_card.number,
                "store": "st1",
                "lines": [{"sku": "TEE-M", "quantity": 1}],
                "restock": True,
            },
        )
        assert returned["refund_amount"] == "19.90"

    # Every change happened once, and so did every row of what it must cause.
    assert Order.objects.count() == 3
    assert Stock.objects.values_list("on_hand", "reserved").get() == (10 - 2 - 1 - 1 + 1, 0)
    assert Return.objects.count() == 1
    [refund] = Payment.objects.filter(refund_of__isnull=False)
    assert (refund.status, refund.amount) == (Payment.Status.PENDING, Decimal("19.90"))
    emails = {
        f"order:{at_pickup.pk}:confirmation",
        f"order:{by_card.pk}:confirmation",
        f"order:{till.pk}:receipt",
        f"order:{at_pickup.pk}:ready_for_pickup",
    }
    waiting = {("orders.email", key, "pending", 0) for key in emails}
    waiting.add(("payments.refund", f"payment:{refund.pk}:refund", "pending", 0))
    assert outbox_rows() == waiting
    # Each was published after its commit, the publish failed, and the request went on.
    failed = {r.args[0] for r in caplog.records if r.getMessage().startswith("Could not publish")}
    assert failed == {key for _, key, _, _ in waiting}
    assert mail.outbox == []

    # The broker is back, with a worker: the sweeper's beat task delivers what waited, once.
    with redis_celery_app() as app, start_worker(app, pool="solo", perform_ping_check=False):
        sweep = app.tasks[deliver_due_outbox.name]
        assert sweep.delay().get(timeout=20) == len(waiting)
        assert sweep.delay().get(timeout=20) == 0

    assert sorted((m.to, m.subject) for m in mail.outbox) == sorted(
        [
            (["ann@example.com"], f"Your order {at_pickup.number}"),
            (["bob@example.com"], f"Your order {by_card.number}"),
            (["reg@example.com"], f"Your receipt {till.number}"),
            (["ann@example.com"], f"Order {at_pickup.number} is ready for pickup"),
        ]
    )
    assert outbox_rows() == {(topic, key, "done", 1) for topic, key, _, _ in waiting}
    refund.refresh_from_db()
    assert refund.status == Payment.Status.REFUNDED
    assert refund.reference.startswith("test_re_")


@pytest.mark.redis
def test_a_broker_that_never_answers_does_not_hold_up_a_checkout():
    store = factories.LocationFactory(code="st1", name="Store One", click_and_collect=True)
    receive(store, factories.VariantFactory(sku="TEE-M"), 1)

    with silent_port(give_up_after=4 * PROMPT) as port, celery_app(f"redis://127.0.0.1:{port}/0"):
        order = shopper_checkout("st1", "TEE-M", 1, "ann@example.com", {"method": "pay_at_pickup"})

    message = OutboxMessage.objects.get()
    assert (message.key, message.status) == (f"order:{order.pk}:confirmation", "pending")
    assert mail.outbox == []


@pytest.mark.redis
def test_a_worker_killed_while_sending_leaves_the_email_to_the_sweeper(settings, tmp_path):
    settings.OUTBOX_LEASE_SECONDS = LEASE
    store = factories.LocationFactory(code="st1", name="Store One", click_and_collect=True)
    tee = factories.VariantFactory(sku="TEE-M")
    receive(store, tee, 1)
    mail_dir, log = tmp_path / "mail", tmp_path / "worker.log"
    mail_dir.mkdir()

    with redis_celery_app() as app:
        queue = app.conf.task_default_queue
        with worker_process(queue=queue, mail_dir=mail_dir, log=log, lease_seconds=LEASE) as worker:
            # Committed, then published to the worker, which claims the email and starts sending.
            order = collect_order(store, [(tee, 1)], email="ann@example.com")
            wait_for(
                lambda: any(mail_dir.glob("sending-*")),
                timeout=30,
                what="the worker started sending",
                process=worker,
                log=log,
            )
            os.kill(worker.pid, signal.SIGKILL)
            assert worker.wait(timeout=10) == -signal.SIGKILL
        # The broker still holds the task (acks_late): it would hand it out again later.
        assert unacked_tasks(queue) == [deliver_outbox_message.name]

    message = OutboxMessage.objects.get(key=f"order:{order.pk}:confirmation")
    assert (message.status, message.attempts, message.delivered_at) == ("pending", 1, None)
    assert message.available_at > timezone.now()  # still leased to the dead worker
    assert list(mail_dir.glob("*.log")) == []
    assert deliver_due_outbox() == 0  # nobody sends it while the lease lasts
    time.sleep(max((message.available_at - timezone.now()).total_seconds(), 0) + 0.05)

    assert deliver_due_outbox() == 1
    assert deliver_due_outbox() == 0
    assert deliver_outbox_message(message.key) is False  # the broker's redelivery, later

    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["ann@example.com"], f"Your order {order.number}")
    ]
    assert list(mail_dir.glob("*.log")) == []  # the killed send never happened
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("done", 2)


def project_settings(monkeypatch, **env: str) -> dict:
    """shop/settings.py as it reads with these environment variables."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(django_settings.BASE_DIR / "shop" / "settings.py"))


def test_a_mail_server_that_never_answers_fails_the_attempt_within_the_lease(settings, monkeypatch):
    smtp = {"EMAIL_HOST": "127.0.0.1", "EMAIL_USE_TLS": "false"}
    default = project_settings(monkeypatch, **smtp, EMAIL_PORT="25")
    assert default["MAILERS"]["default"]["OPTIONS"]["timeout"] < default["OUTBOX_LEASE_SECONDS"]
    store = factories.LocationFactory(code="st1", name="Store One", click_and_collect=True)
    tee = factories.VariantFactory(sku="TEE-M")
    receive(store, tee, 1)
    with celery_app(DOWN_BROKER_URL):
        order = collect_order(store, [(tee, 1)], email="ann@example.com")
    key = f"order:{order.pk}:confirmation"

    with silent_port(give_up_after=4 * PROMPT) as port:
        configured = project_settings(monkeypatch, **smtp, EMAIL_PORT=str(port), EMAIL_TIMEOUT="1")
        settings.MAILERS = configured["MAILERS"]
        started = time.monotonic()
        assert deliver_outbox_message(key) is False
        took = time.monotonic() - started

    assert took < PROMPT, f"the send waited {took:.1f} s on a mail server that never answers"
    message = OutboxMessage.objects.get(key=key)
    # Given up for now, not lost: tried again after a backoff.
    assert (message.status, message.attempts) == ("pending", 1)
    assert "timed out" in message.last_error
    assert message.available_at > timezone.now()


def test_the_task_and_the_sweeper_at_once_send_one_email(settings):
    # A slow mail server, so that every deliverer is in flight at the same time.
    settings.MAILERS = {
        "default": {"BACKEND": "tests.shop.slow_mail.SlowMemoryBackend", "OPTIONS": {"delay": 0.5}}
    }
    store = factories.LocationFactory(code="st1", name="Store One", click_and_collect=True)
    tee = factories.VariantFactory(sku="TEE-M")
    receive(store, tee, 1)
    with celery_app(DOWN_BROKER_URL):  # its task is lost: the email waits in the outbox
        order = collect_order(store, [(tee, 1)], email="ann@example.com")
    key = f"order:{order.pk}:confirmation"

    def task():
        return deliver_outbox_message(key)

    outcomes = run_at_once([task, deliver_due_outbox, task, deliver_due_outbox])

    assert [kind for kind, _ in outcomes] == ["ok"] * 4, outcomes
    assert sum(delivered for _, delivered in outcomes) == 1
    assert [m.to for m in mail.outbox] == [["ann@example.com"]]
    message = OutboxMessage.objects.get(key=key)
    assert (message.status, message.attempts) == ("done", 1)
