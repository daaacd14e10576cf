"""The outbox: a side effect is a row written with its change, published after commit without
ever failing the caller, and delivered once, by its task or by the sweeper."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from shop.outbox import services as outbox_services
from shop.outbox.delivery import outbox_deliver, outbox_deliver_due
from shop.outbox.email import email_enqueue
from shop.outbox.handlers import outbox_handler
from shop.outbox.models import OutboxMessage
from shop.outbox.services import outbox_enqueue, outbox_retry

pytestmark = pytest.mark.django_db

calls: list[dict] = []


@outbox_handler("tests.record")
def _record(payload: dict) -> None:
    if payload.get("fail"):
        raise RuntimeError("the mail server said no")
    calls.append(payload)


@pytest.fixture(autouse=True)
def _no_calls():
    calls.clear()


def message(key: str) -> OutboxMessage:
    return OutboxMessage.objects.get(key=key)


def test_asking_twice_is_one_message(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        outbox_enqueue(topic="tests.record", key="k1", payload={"n": 1})
        outbox_enqueue(topic="tests.record", key="k1", payload={"n": 2})

    assert OutboxMessage.objects.filter(key="k1").count() == 1
    assert calls == [{"n": 1}]
    assert message("k1").status == "done"
    assert message("k1").delivered_at is not None


def test_an_unknown_topic_fails_in_the_caller():
    with pytest.raises(LookupError):
        outbox_enqueue(topic="tests.nobody", key="k")
    assert not OutboxMessage.objects.exists()


def test_nothing_is_written_or_sent_when_the_change_rolls_back(django_capture_on_commit_callbacks):
    def failing_sale() -> None:
        with transaction.atomic():
            outbox_enqueue(topic="tests.record", key="gone")
            raise ValueError("the sale failed")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(ValueError, match="the sale failed"):
            failing_sale()
    assert callbacks == []
    assert not OutboxMessage.objects.exists()


def test_a_broker_that_is_down_never_fails_the_caller(
    monkeypatch, django_capture_on_commit_callbacks
):
    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError("no broker")

    monkeypatch.setattr(outbox_services.deliver_outbox_message, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        outbox_enqueue(topic="tests.record", key="later", payload={"n": 1})

    assert message("later").status == "pending"
    assert calls == []
    assert outbox_deliver_due() == 1  # the sweeper, once the worker runs again
    assert outbox_deliver_due() == 0
    assert calls == [{"n": 1}]


def test_a_held_message_is_left_to_its_holder():
    OutboxMessage.objects.create(topic="tests.record", key="held", available_at=timezone.now())
    OutboxMessage.objects.filter(key="held").update(
        available_at=timezone.now() + timedelta(minutes=4)  # claimed by a worker now running
    )
    assert outbox_deliver(key="held") is False
    assert outbox_deliver_due() == 0
    # The worker died: when its lease ends the message is due again.
    OutboxMessage.objects.filter(key="held").update(
        available_at=timezone.now() - timedelta(seconds=1)
    )
    assert outbox_deliver_due() == 1
    assert (message("held").status, message("held").attempts) == ("done", 1)


def test_a_failure_is_retried_later_then_given_up(settings):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    OutboxMessage.objects.create(
        topic="tests.record", key="bad", payload={"fail": True}, available_at=timezone.now()
    )

    assert outbox_deliver(key="bad") is False
    failed = message("bad")
    assert (failed.status, failed.attempts) == ("pending", 1)
    assert "the mail server said no" in failed.last_error
    assert failed.available_at > timezone.now()  # backs off
    assert outbox_deliver_due() == 0

    OutboxMessage.objects.filter(key="bad").update(available_at=timezone.now())
    assert outbox_deliver(key="bad") is False
    assert (message("bad").status, message("bad").attempts) == ("failed", 2)

    OutboxMessage.objects.filter(key="bad").update(payload={})
    assert outbox_retry(message=message("bad")) is True
    assert outbox_deliver(key="bad") is True
    assert message("bad").status == "done"


def test_email_is_sent_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        email_enqueue(key="hello", to=["ann@example.com"], subject="Hi", body="Hello Ann")
    assert outbox_deliver(key="hello") is False
    assert outbox_deliver_due() == 0
    [sent] = mail.outbox
    assert (sent.to, sent.subject, sent.body) == (["ann@example.com"], "Hi", "Hello Ann")
