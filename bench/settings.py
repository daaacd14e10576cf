"""Settings of the page benchmark's server: the shipped settings, served as in production.

Only what a benchmark must control differs from `shop.settings`: DEBUG off (no query log, no
debug pages), persistent database connections (CONN_MAX_AGE None: one connection per worker
thread for the whole run), the bench URLconf (the shop plus a bare reference view) and quiet
logging, so the console does not cost time. DATABASE_URL names the bench database.
"""

import warnings

from shop.settings import *  # noqa: F403
from shop.settings import DATABASES, THROTTLE_RATES

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "bench.urls"
DATABASES["default"]["CONN_MAX_AGE"] = None
# One client sends every request of a run: the abuse limits (tested on their own) would answer
# most of them with a cheap 429 and hide the cost of the page.
THROTTLE_RATES = {scope: "1000000/minute" for scope in THROTTLE_RATES}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    # 4xx responses are counted and reported by the benchmark; no line per response.
    "loggers": {"django.request": {"level": "ERROR"}},
}

# WhiteNoise warns, once per process, that STATIC_ROOT (collectstatic's output) is missing;
# the storefront's static files are not what this benchmark measures.
warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
