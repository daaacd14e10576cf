"""Sends requests through a fresh Omnistore process and prints what came back, as JSON.

For settings read once at start-up (metrics, log format), which a test cannot change in the
process that runs it: `python -m tests.shop.oneshot '[{"path": "/healthz"}]'` with the
environment to try. Each request may give "headers" and "remote_addr"; logs go to stderr.
"""

import json
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()  # lets the test client's host in
    client = Client()
    answers = []
    for ask in json.loads(sys.argv[1]):
        response = client.get(
            ask["path"],
            headers=ask.get("headers", {}),
            REMOTE_ADDR=ask.get("remote_addr", "127.0.0.1"),
        )
        answers.append(
            {
                "status": response.status_code,
                "request_id": response.get("X-Request-ID"),
                "body": response.content.decode(),
            }
        )
    print(
        json.dumps(
            {
                "answers": answers,
                "middleware": settings.MIDDLEWARE,
                "metrics_imported": "shop.metrics" in sys.modules,
            }
        )
    )


if __name__ == "__main__":
    main()
