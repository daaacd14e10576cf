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
