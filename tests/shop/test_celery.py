import os
from datetime import timedelta

import pytest
from celery import Celery
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
def redis_app(settings):
    """A Celery app built from Django settings the way production builds it, on real Redis."""
    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")
    settings.CELERY_BROKER_URL = url
    settings.CELERY_RESULT_BACKEND = url
    settings.CELERY_TASK_ALWAYS_EAGER = False
    redis_app = Celery("omnistore-test")
    redis_app.config_from_object("django.conf:settings", namespace="CELERY")
    redis_app.autodiscover_tasks()
    with start_worker(redis_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield redis_app


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
    task = redis_app.tasks[release_expired_reservations.name]
    assert not redis_app.conf.task_always_eager
    result = task.delay()
    assert result.get(timeout=20) == 1
    assert Reservation.objects.get().state == Reservation.State.EXPIRED
