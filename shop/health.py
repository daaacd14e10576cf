"""Probes: `/healthz` (the process answers) and `/readyz` (what it depends on answers).

`/readyz` runs django-health-check's checks side by side. The database and the cache are
needed to sell: either down answers 503. The Celery broker is not: a sale writes its side
effects as rows and the sweepers deliver them later, so a broker outage answers 200 "degraded"
and the instance stays in the load balancer.
"""

import asyncio
import contextlib
import dataclasses
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from health_check import checks
from health_check.base import HealthCheck, HealthCheckResult
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView
from kombu.exceptions import OperationalError

from shop.celery import app as celery_app

#: A probe answers within this, plus a second of grace, whatever hangs behind it.
TIMEOUT = timedelta(seconds=2)
#: Threads for the blocking checks, kept across requests: a request waits for its checks' time
#: budget, never for a thread stuck in a connect (the event loop's own executor is joined when
#: the request's loop closes, which would hold the answer until the connect gives up).
_EXECUTOR = ThreadPoolExecutor(max_workers=4, thread_name_prefix="readyz")


@require_GET
@never_cache
def healthz(request):
    """Liveness: answers without touching the database, the cache or the broker."""
    return JsonResponse({"status": "ok"})


class Database(checks.Database):
    timeout = TIMEOUT


@dataclasses.dataclass
class Broker(HealthCheck):
    """Opens a connection to the Celery broker: tasks can be queued (no worker needed)."""

    url: str = dataclasses.field(default="", repr=False)
    timeout = TIMEOUT

    def run(self) -> None:
        seconds = self.timeout.total_seconds()
        connection = celery_app.connection_for_write(
            self.url,
            connect_timeout=seconds,
            transport_options={"socket_connect_timeout": seconds, "socket_timeout": seconds},
        )
        try:
            connection.ensure_connection(max_retries=0)
        except (OSError, OperationalError) as exc:
            raise ServiceUnavailable("cannot connect to the broker") from exc
        finally:
            connection.release()


def _report(result: HealthCheckResult | None, *, critical: bool) -> dict:
    if result is None:
        return {"status": "not configured", "critical": critical}
    report = {
        "status": "down" if result.error else "ok",
        "critical": critical,
        "seconds": round(result.time_taken, 3),
    }
    if result.error:
        report["error"] = str(result.error)
    return report


class ReadinessView(HealthCheckView):
    """Readiness: every check's status as JSON; 503 only when a critical one is down."""

    def get_executor(self):
        return contextlib.nullcontext(_EXECUTOR)

    def named_checks(self) -> dict[str, tuple[HealthCheck | None, bool]]:
        """name: (check, or None when not configured; whether the shop needs it to sell)."""
        broker_url = settings.CELERY_BROKER_URL
        return {
            "database": (Database(), True),
            "cache": (checks.Cache(timeout=TIMEOUT), True),
            "broker": (Broker(url=broker_url) if broker_url else None, False),
        }

    async def get(self, request, *args, **kwargs):
        named = self.named_checks()
        configured = {name: check for name, (check, _) in named.items() if check is not None}
        with self.get_executor() as executor:
            results = await asyncio.gather(
                *(check.get_result(executor) for check in configured.values())
            )
        by_name = dict(zip(configured, results, strict=True))
        report = {
            name: _report(by_name.get(name), critical=critical)
            for name, (_, critical) in named.items()
        }
        down = [r for r in report.values() if r["status"] == "down"]
        if any(r["critical"] for r in down):
            status, code = "down", 503
        else:
            status, code = ("degraded" if down else "ok"), 200
        return JsonResponse({"status": status, "checks": report}, status=code)


readyz = ReadinessView.as_view()
