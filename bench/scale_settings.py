"""Settings of the scale benchmark's servers and set-up: the page benchmark's (the shipped
settings served as in production, see `bench/settings.py`) plus:

- `bench.querycount`, which tells the client how many queries each request sent;
- throttle rates no client of the benchmark can reach (the throttles still count every
  request in the cache, as in production; only the limits are out of the way);
- Celery publishing to an in-memory broker: a request pays for enqueuing its tasks, as with a
  real broker, and no worker runs them (in production a worker does, outside the request).
"""

from bench.settings import *  # noqa: F403
from bench.settings import MIDDLEWARE, REST_FRAMEWORK, THROTTLE_RATES

MIDDLEWARE = ["bench.querycount.query_count_middleware", *MIDDLEWARE]

THROTTLE_RATES = {scope: "1000000/minute" for scope in THROTTLE_RATES}
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": THROTTLE_RATES}

CELERY_BROKER_URL = "memory://localhost/"
CELERY_TASK_ALWAYS_EAGER = False
