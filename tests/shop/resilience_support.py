"""Failing dependencies for the resilience tests: a broker that is down or hung, a Celery app
built from the settings for one test, and a real worker process to kill."""

import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import redis
from celery import Celery, _state
from django.db import connection
from django.test import override_settings

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")
#: Nothing listens on port 1: a broker that is down refuses the connection at once.
DOWN_BROKER_URL = "redis://127.0.0.1:1/0"


@contextmanager
def celery_app(broker_url: str, **settings) -> Iterator[Celery]:
    """A Celery app on `broker_url`, made the current app for the block; `settings` are more
    CELERY_ settings for it.

    It is built from the Django settings the way `shop.celery` builds the project's app (the
    CELERY_ namespace: publish retry policy, broker timeouts), with a queue of its own so that
    a worker of another test on the same Redis never takes its tasks.

    Why not use `shop.celery.app` with overridden settings: Celery reads the CELERY_ settings
    as it needs them, so the overrides alone would switch it, but it keeps the broker
    connection and producer pools it builds on its first publish. The project app would then
    publish through the pools of whichever broker a test used first, and the pools made here
    would outlive the test. A fresh app, closed at the end, has neither problem. The outbox's
    tasks are shared tasks, which look the current app up each time they are called, so while
    this app is current `deliver_outbox_message.delay()` publishes through it. At the end the
    previous current and default apps come back (an embedded worker makes its app the default
    of every thread).
    """
    queue = f"omnistore-test-{uuid.uuid4().hex[:12]}"
    overrides = {
        "CELERY_BROKER_URL": broker_url,
        "CELERY_TASK_ALWAYS_EAGER": False,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        **settings,
    }
    previous, previous_default = _state.get_current_app(), _state.default_app
    # Held for the whole block, since the app reads the settings as it goes.
    with override_settings(**overrides):
        app = Celery("omnistore-test")
        app.config_from_object("django.conf:settings", namespace="CELERY")
        app.autodiscover_tasks()
        app.set_current()
        try:
            yield app
        finally:
            app.close()
            previous.set_current()
            _state.set_default_app(previous_default)


@contextmanager
def redis_celery_app() -> Iterator[Celery]:
    """`celery_app` on the test Redis (REDIS_URL), with results that expire soon; its queue and
    any task of it left unacknowledged are removed from Redis afterwards."""
    with celery_app(
        REDIS_URL,
        CELERY_RESULT_BACKEND=REDIS_URL,
        CELERY_RESULT_EXPIRES=timedelta(minutes=1),
        # An embedded worker then leaves the logging set-up and Redis as they were.
        CELERY_WORKER_HIJACK_ROOT_LOGGER=False,
        CELERY_WORKER_ENABLE_REMOTE_CONTROL=False,
    ) as app:
        try:
            yield app
        finally:
            forget_queue(app)


def _redis() -> redis.Redis:
    return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=5)


def unacked_tasks(queue: str) -> list[str]:
    """Names of the tasks of `queue` that a worker took and never acknowledged (acks_late):
    Redis hands them out again after its visibility timeout."""
    names = []
    for raw in _redis().hgetall("unacked").values():  # kombu: tag -> [message, exchange, key]
        message, _exchange, routing_key = json.loads(raw)
        if routing_key == queue:
            names.append(message["headers"]["task"])
    return names


def forget_queue(app: Celery) -> None:
    """Removes the app's queue, its binding and its unacknowledged tasks from Redis."""
    queue = app.conf.task_default_queue
    client = _redis()
    for tag, raw in client.hgetall("unacked").items():
        if json.loads(raw)[2] == queue:
            client.hdel("unacked", tag)
            client.zrem("unacked_index", tag)
    with app.connection_for_write() as broker:
        declared = app.amqp.queues[queue].bind(broker.default_channel)
        declared.declare()  # kombu deletes the bindings it knows of in this connection
        declared.delete()


@contextmanager
def silent_port(*, give_up_after: float) -> Iterator[int]:
    """A local port that takes connections and never answers, like a broker or mail server
    that is overloaded or cut off mid-way. Nothing accepts them: the kernel completes the
    handshakes on its own. After `give_up_after` seconds, or at the end, the listener closes,
    which resets the connections, so a client with no timeout fails late instead of hanging
    the test."""
    listener = socket.create_server(("127.0.0.1", 0), backlog=64)
    closer = threading.Timer(give_up_after, listener.close)
    closer.start()
    try:
        yield listener.getsockname()[1]
    finally:
        closer.cancel()
        listener.close()


def current_database_url() -> str:
    """DATABASE_URL of the database this test runs on (pytest-django's test database), for a
    process it starts."""
    db = connection.settings_dict
    user = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        user += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{user}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@contextmanager
def worker_process(
    *, queue: str, mail_dir: Path, log: Path, lease_seconds: int, mail_delay: float = 60
) -> Iterator[subprocess.Popen]:
    """A real `celery worker` process (solo pool: tasks run in the main process) consuming
    `queue` on REDIS_URL, on this test's database, sending mail through `SlowFileBackend` into
    `mail_dir`. Whatever happens, it is killed and reaped at the end."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.shop.worker_settings",
        "DATABASE_URL": current_database_url(),
        "CELERY_BROKER_URL": REDIS_URL,
        "OUTBOX_LEASE_SECONDS": str(lease_seconds),
        "SLOW_MAIL_DIR": str(mail_dir),
        "SLOW_MAIL_DELAY": str(mail_delay),
    }
    command = [
        *(sys.executable, "-m", "celery", "-A", "shop", "worker"),
        *("--pool", "solo", "--queues", queue, "--hostname", f"{queue}@%h"),
        *("--without-heartbeat", "--without-mingle", "--without-gossip", "--loglevel", "INFO"),
    ]
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=output)
        try:
            yield process
        finally:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=10)


def wait_for(
    condition: Callable[[], bool],
    *,
    timeout: float,
    what: str,
    process: subprocess.Popen | None = None,
    log: Path | None = None,
) -> None:
    """Polls `condition` until it holds; fails after `timeout` seconds, or at once if
    `process` exits first, with the process's log."""
    deadline = time.monotonic() + timeout
    while not condition():
        ended = process is not None and process.poll() is not None
        if ended or time.monotonic() > deadline:
            output = log.read_text(errors="replace")[-4000:] if log and log.exists() else ""
            problem = f"exited ({process.returncode})" if ended else f"waited {timeout} s"
            raise AssertionError(f"{problem} before {what}\n{output}")
        time.sleep(0.05)
