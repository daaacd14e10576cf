"""Prometheus metrics with prometheus-client: request counts and latencies, and `/metrics`.

Imported only when PROMETHEUS_METRICS is on (settings add the middleware, urls the view), so
with it off nothing here runs. Several worker processes (gunicorn) share their numbers when
PROMETHEUS_MULTIPROC_DIR names an empty directory (prometheus-client's multiprocess mode).
"""

import ipaddress
import os
import time
from inspect import iscoroutinefunction

from django.conf import settings
from django.http import HttpResponse, HttpResponseForbidden
from django.utils.decorators import sync_and_async_middleware
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

#: Any other method is counted as "other", so a client cannot grow the label set.
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

REQUESTS = Counter(
    "omnistore_http_requests",
    "HTTP requests answered, by method, view name and status code.",
    ["method", "view", "status"],
)
LATENCY = Histogram(
    "omnistore_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and view name.",
    ["method", "view"],
)


def _observe(request, response, started: float) -> None:
    method = request.method if request.method in METHODS else "other"
    match = getattr(request, "resolver_match", None)
    # The view's name, not the path: one series per view whatever the ids in the URL.
    view = match.view_name if match else "<unmatched>"
    REQUESTS.labels(method, view, str(response.status_code)).inc()
    LATENCY.labels(method, view).observe(time.perf_counter() - started)


@sync_and_async_middleware
def metrics_middleware(get_response):
    if iscoroutinefunction(get_response):

        async def middleware(request):
            started = time.perf_counter()
            response = await get_response(request)
            _observe(request, response, started)
            return response

    else:

        def middleware(request):
            started = time.perf_counter()
            response = get_response(request)
            _observe(request, response, started)
            return response

    return middleware


def _may_scrape(request) -> bool:
    # A request that came through a reverse proxy shows the proxy's address, often 127.0.0.1:
    # the scraper must reach the app server directly.
    if "x-forwarded-for" in request.headers or "forwarded" in request.headers:
        return False
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in network for network in settings.PROMETHEUS_METRICS_ALLOWED_NETWORKS)


def metrics_view(request):
    """The metrics in Prometheus' text format, for scrapers on the allowed networks only."""
    if not _may_scrape(request):
        return HttpResponseForbidden("Metrics are served to the allowed networks only.\n")
    registry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
