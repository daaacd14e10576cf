import os
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

from inventory import services
from inventory.models import Reservation
from inventory.tasks import release_expired_reservations
from shop.celery import app
from tests import factories


def test_without_a_broker_tasks_run_in_process(settings):
    assert not settings.CELERY_BROKER_URL
    assert app.conf.task_always_eager


def test_the_sweeper_is_scheduled_with_beat():
    schedule = app.conf.beat_schedule["release-expired-reservations"]
    assert schedule["task"] == release_expired_reservations.name


@pytest.fixture
def redis_app():
    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")
    saved = {key: app.conf[key] for key in ("broker_url", "result_backend", "task_always_eager")}
    app.conf.update(broker_url=url, result_backend=url, task_always_eager=False)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield app
    finally:
        app.conf.update(saved)


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_worker_on_redis_runs_the_sweeper(redis_app):
    store = factories.LocationFactory(code="celery")
    variant = factories.VariantFactory()
    services.stock_receive(location=store, lines=[services.StockLine(variant, 2)])
    line = factories.OrderLineFactory(variant=variant, quantity=2)
    services.stock_reserve(
        requests=[services.ReservationRequest(line, store, 2)],
        expires_at=timezone.now() - timedelta(seconds=1),
    )
    result = release_expired_reservations.delay()
    assert result.get(timeout=20) == 1
    assert Reservation.objects.get().state == Reservation.State.EXPIRED
