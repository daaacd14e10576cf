"""`run_idempotent`, the claim-and-replay mechanism the checkout page and the API share."""

from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.utils import timezone

from channels_app.idempotency import (
    IdempotencyKeyInProgress,
    IdempotencyKeyReused,
    form_fingerprint,
    run_idempotent,
)
from channels_app.models import IdempotencyKey

pytestmark = pytest.mark.django_db


class Counter:
    def __init__(self, result=None):
        self.calls = 0
        self.result = result

    def __call__(self):
        self.calls += 1
        return self.result if self.result is not None else {"n": self.calls}


def run(fn, *, key="k", fingerprint="f", scope="session:a"):
    return run_idempotent(scope=scope, key=key, fingerprint=fingerprint, fn=fn)


def test_runs_once_and_replays_the_result():
    fn = Counter()

    assert run(fn) == {"n": 1}
    assert run(fn) == {"n": 1}
    assert fn.calls == 1
    assert IdempotencyKey.objects.get().state == IdempotencyKey.State.DONE


def test_other_request_with_the_key_is_refused():
    fn = Counter()
    run(fn)

    with pytest.raises(IdempotencyKeyReused):
        run(fn, fingerprint="other")
    assert fn.calls == 1


def test_keys_belong_to_their_scope():
    fn = Counter()

    run(fn, scope="session:a")
    run(fn, scope="session:b")

    assert fn.calls == 2


def test_a_running_key_is_in_progress():
    IdempotencyKey.objects.create(scope="session:a", key="k", request_hash="f")
    fn = Counter()

    with pytest.raises(IdempotencyKeyInProgress):
        run(fn)
    assert fn.calls == 0


def test_a_stale_running_key_is_taken_over():
    claimed = IdempotencyKey.objects.create(scope="session:a", key="k", request_hash="f")
    IdempotencyKey.objects.filter(pk=claimed.pk).update(
        created_at=timezone.now() - timedelta(minutes=10)
    )
    fn = Counter()

    assert run(fn) == {"n": 1}
    assert IdempotencyKey.objects.get().state == IdempotencyKey.State.DONE


def test_a_failure_frees_the_key():
    def boom():
        raise ValueError("no")

    with pytest.raises(ValueError, match="no"):
        run(boom)
    assert not IdempotencyKey.objects.exists()
    assert run(Counter()) == {"n": 1}


def test_form_fingerprint_ignores_the_csrf_token():
    factory = RequestFactory()
    one = factory.post("/checkout/", {"a": "1", "csrfmiddlewaretoken": "x"})
    two = factory.post("/checkout/", {"a": "1", "csrfmiddlewaretoken": "y"})
    other = factory.post("/checkout/", {"a": "2", "csrfmiddlewaretoken": "x"})

    assert form_fingerprint(one) == form_fingerprint(two)
    assert form_fingerprint(one) != form_fingerprint(other)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_request_taken_over_while_running_cannot_apply_twice():
    """The answer is stored in the transaction of the work, under the claim's owner token: a
    request whose key was taken over (it looked dead) while it still ran rolls its work back
    and answers what the takeover did. The work happens once."""
    import threading

    from django.db import connection

    from inventory.models import Location

    first_is_working, takeover_done = threading.Event(), threading.Event()
    answers = []

    def slow_work():
        Location.objects.create(code="first", name="Made by the first request")
        first_is_working.set()
        takeover_done.wait(timeout=10)
        return {"made_by": "first"}

    def first_request():
        try:
            answers.append(run(slow_work))
        finally:
            connection.close()

    thread = threading.Thread(target=first_request)
    thread.start()
    assert first_is_working.wait(timeout=10)
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(minutes=10))

    def fast_work():
        Location.objects.create(code="second", name="Made by the retry")
        return {"made_by": "second"}

    assert run(fast_work) == {"made_by": "second"}
    takeover_done.set()
    thread.join(timeout=10)

    assert answers == [{"made_by": "second"}]
    assert list(Location.objects.values_list("code", flat=True)) == ["second"]


def test_without_atomic_a_domain_error_frees_the_key():
    from shop.errors import Conflict

    def refused():
        raise Conflict("out of stock")

    with pytest.raises(Conflict):
        run_idempotent(scope="s", key="k", fingerprint="f", fn=refused, atomic=False)
    assert not IdempotencyKey.objects.exists()


def test_without_atomic_an_unknown_failure_keeps_the_key_in_progress():
    """Part of the work may have committed (an order placed, then a crash): the key is not
    freed, so a retry cannot do the work a second time while the first may still count."""

    def crashed():
        raise RuntimeError("lost the connection after placing the order")

    with pytest.raises(RuntimeError):
        run_idempotent(scope="s", key="k", fingerprint="f", fn=crashed, atomic=False)
    assert IdempotencyKey.objects.get().state == IdempotencyKey.State.PROCESSING
    with pytest.raises(IdempotencyKeyInProgress):
        run_idempotent(scope="s", key="k", fingerprint="f", fn=Counter(), atomic=False)


def test_without_atomic_a_stuck_key_waits_until_its_request_cannot_be_running(settings):
    claimed = IdempotencyKey.objects.create(scope="s", key="k", request_hash="f")
    IdempotencyKey.objects.filter(pk=claimed.pk).update(
        created_at=timezone.now() - timedelta(minutes=10)
    )
    with pytest.raises(IdempotencyKeyInProgress):  # a card checkout may still be paying
        run_idempotent(scope="s", key="k", fingerprint="f", fn=Counter(), atomic=False)

    IdempotencyKey.objects.filter(pk=claimed.pk).update(
        created_at=timezone.now() - 2 * settings.PAYMENT_WINDOW - timedelta(minutes=3)
    )
    assert run_idempotent(scope="s", key="k", fingerprint="f", fn=Counter(), atomic=False) == {
        "n": 1
    }
