"""Settings of a worker process that the resilience tests start and kill: the project's
settings from the environment, with a slow file mail backend writing into SLOW_MAIL_DIR."""

import os

from shop.settings import *  # noqa: F403

MAILERS = {
    "default": {
        "BACKEND": "tests.shop.slow_mail.SlowFileBackend",
        "OPTIONS": {
            "file_path": os.environ["SLOW_MAIL_DIR"],
            "delay": float(os.environ.get("SLOW_MAIL_DELAY", "60")),
        },
    }
}
# Killed by the test: no remote-control queue of it is left behind in Redis.
CELERY_WORKER_ENABLE_REMOTE_CONTROL = False
