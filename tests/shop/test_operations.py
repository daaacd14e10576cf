import json
import logging
import os
import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest
from celery import Celery
from celery.contrib.testing.worker import start_worker
from django.db import connections
from django.test import override_settings

from shop import health, request_id

NOTHING_LISTENS = "redis://127.0.0.1:1/0"
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")


def oneshot(tmp_path, requests: list[dict], **env: str) -> tuple[dict, str]:
    """Runs requests in a fresh process with these environment variables: (answers, stderr)."""
    environment = {
        **os.environ,
        # Nothing here may need the database: a throwaway SQLite file proves it.
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        "PROMETHEUS_METRICS": "off",
        "LOG_FORMAT": "text",
        **env,
    }
    result = subprocess.run(
        [sys.executable, "-m", "tests.shop.oneshot", json.dumps(requests)],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout), result.stderr


# --- /healthz and /readyz ------------------------------------------------------------------


def test_healthz_answers_without_the_database(client):
    # No `db` fixture: pytest-django turns any query into an error.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.fixture
def no_broker(settings):
    settings.CELERY_BROKER_URL = ""


@pytest.mark.django_db
def test_readyz_is_ok_on_the_test_database(client, no_broker):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["cache"]["status"] == "ok"
    assert body["checks"]["broker"] == {"status": "not configured", "critical": False}


@pytest.mark.django_db
def test_readyz_is_degraded_not_down_when_the_broker_is_unreachable(client, settings):
    settings.CELERY_BROKER_URL = NOTHING_LISTENS
    started = time.monotonic()
    response = client.get("/readyz")
    assert time.monotonic() - started < 2
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["broker"]["status"] == "down"
    assert NOTHING_LISTENS not in response.content.decode()  # no broker address in the answer
    assert body["checks"]["database"]["status"] == "ok"


@pytest.mark.redis
@pytest.mark.django_db
def test_readyz_reports_a_broker_that_answers(client, settings):
    settings.CELERY_BROKER_URL = REDIS_URL
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["checks"]["broker"]["status"] == "ok"


@pytest.fixture
def database_connect(monkeypatch, db):
    """Replaces how a *new* database connection is opened; the test's own stays as it is."""

    def replace(connect):
        monkeypatch.setattr(type(connections["default"]), "get_new_connection", connect)

    return replace


def test_readyz_is_down_when_the_database_refuses_connections(client, database_connect, no_broker):
    def refuse(self, conn_params):
        raise self.Database.OperationalError("connection refused")

    database_connect(refuse)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["checks"]["database"]["status"] == "down"
    assert body["checks"]["cache"]["status"] == "ok"


def test_readyz_answers_in_time_when_the_database_hangs(
    client, database_connect, monkeypatch, no_broker
):
    released = threading.Event()

    def hang(self, conn_params):
        released.wait(30)
        raise self.Database.OperationalError("connection timed out")

    database_connect(hang)
    monkeypatch.setattr(health.Database, "timeout", timedelta(seconds=0.2))
    started = time.monotonic()
    try:
        response = client.get("/readyz")
        elapsed = time.monotonic() - started
    finally:
        released.set()
    # The check's budget plus the library's second of grace, not the stuck connect's time.
    assert elapsed < 0.2 + 1 + 1
    assert response.status_code == 503
    assert response.json()["checks"]["database"]["status"] == "down"


@pytest.mark.django_db
def test_readyz_is_down_when_the_cache_is_unreachable(client, no_broker):
    unreachable = {"BACKEND": "django.core.cache.backends.redis.RedisCache"}
    # A context manager, not `settings`: the cache is back before the suite's fixtures clear it.
    with override_settings(CACHES={"default": {**unreachable, "LOCATION": NOTHING_LISTENS}}):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["status"] == "down"
    assert response.json()["checks"]["cache"]["status"] == "down"


# --- Request ids ---------------------------------------------------------------------------


def test_a_request_gets_an_id_that_its_log_records_carry(client, caplog):
    caplog.set_level(logging.WARNING, logger="django.request")
    response = client.get("/no-such-page/")  # Django logs a warning while answering the 404
    assert response.status_code == 404
    given = response["X-Request-ID"]
    assert len(given) == 32
    (record,) = [r for r in caplog.records if r.name == "django.request"]
    assert record.request_id == given
    assert client.get("/healthz")["X-Request-ID"] != given


def test_a_sane_incoming_request_id_is_kept(client):
    incoming = "3f2a9c1e-proxy-0042"
    assert client.get("/healthz", headers={"X-Request-ID": incoming})["X-Request-ID"] == incoming


@pytest.mark.parametrize(
    "incoming",
    ["short", "has spaces in it", "x" * 200, "line\nbreak-forged-record", "quote\"'<tag>"],
)
def test_a_doubtful_incoming_request_id_is_replaced(client, incoming):
    given = client.get("/healthz", headers={"X-Request-ID": incoming})["X-Request-ID"]
    assert given != incoming
    assert len(given) == 32


def test_log_records_outside_a_request_say_so(client):
    client.get("/healthz")
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "after", None, None)
    request_id.RequestIdFilter().filter(record)
    assert record.request_id == request_id.NO_REQUEST


def test_json_logs_carry_the_request_id(tmp_path):
    out, stderr = oneshot(
        tmp_path,
        [{"path": "/no-such-page/", "headers": {"X-Request-ID": "json-log-check-1"}}],
        LOG_FORMAT="json",
    )
    assert out["answers"][0]["status"] == 404
    lines = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    (not_found,) = [line for line in lines if line["logger"] == "django.request"]
    assert not_found["request_id"] == "json-log-check-1"
    assert not_found["level"] == "WARNING"
    assert not_found["message"] == "Not Found: /no-such-page/"


@pytest.fixture
def worker_app(settings):
    """A Celery app on real Redis with one task that tells the request id it runs under."""
    settings.CELERY_BROKER_URL = REDIS_URL
    settings.CELERY_RESULT_BACKEND = REDIS_URL
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app = Celery("omnistore-request-id")
    app.config_from_object("django.conf:settings", namespace="CELERY")

    @app.task(name="tests.request_id_seen")
    def request_id_seen():
        return request_id.request_id.get()

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield app


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_task_enqueued_in_a_request_runs_under_its_id(worker_app):
    task = worker_app.tasks["tests.request_id_seen"]
    token = request_id.request_id.set("enqueued-by-request-7")
    try:
        result = task.delay()
    finally:
        request_id.request_id.reset(token)
    assert result.get(timeout=20) == "enqueued-by-request-7"
    assert task.delay().get(timeout=20) == request_id.NO_REQUEST


# --- Metrics -------------------------------------------------------------------------------


def test_by_default_logs_are_text_and_metrics_are_not_installed(tmp_path):
    out, stderr = oneshot(
        tmp_path, [{"path": "/metrics", "headers": {"X-Request-ID": "text-log-check-1"}}]
    )
    assert "WARNING [text-log-check-1] django.request: Not Found: /metrics" in stderr
    assert out["answers"][0]["status"] == 404
    assert not any("metrics" in name for name in out["middleware"])
    assert out["metrics_imported"] is False


def test_metrics_when_on(tmp_path):
    out, _ = oneshot(
        tmp_path,
        [
            {"path": "/healthz"},
            {"path": "/metrics"},
            {"path": "/metrics", "remote_addr": "203.0.113.9"},
            {"path": "/metrics", "headers": {"X-Forwarded-For": "203.0.113.9"}},
        ],
        PROMETHEUS_METRICS="on",
    )
    assert "shop.metrics.metrics_middleware" in out["middleware"]
    healthz, metrics, from_outside, through_a_proxy = out["answers"]
    assert metrics["status"] == 200
    assert (
        'omnistore_http_requests_total{method="GET",status="200",view="healthz"} 1.0'
        in metrics["body"]
    )
    assert "omnistore_http_request_duration_seconds_bucket" in metrics["body"]
    assert from_outside["status"] == 403
    assert through_a_proxy["status"] == 403


def test_metrics_allowed_networks_come_from_the_environment(tmp_path):
    out, _ = oneshot(
        tmp_path,
        [{"path": "/metrics", "remote_addr": "10.1.2.3"}, {"path": "/metrics"}],
        PROMETHEUS_METRICS="on",
        PROMETHEUS_METRICS_ALLOWED_NETWORKS="10.0.0.0/8",
    )
    assert [answer["status"] for answer in out["answers"]] == [200, 403]
