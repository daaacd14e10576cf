"""Stock figures for the manager dashboard.

Each reads every stock row (160,000 at retail scale), so the dashboard never computes them on
its request: `stock_reports` answers from the cache, which beat refreshes every few minutes
(`stock_reports_refresh`); only a cold cache (a first visit, a restarted local-memory cache)
pays for one computation, which then serves everyone until it is refreshed."""

from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db.models import DecimalField, ExpressionWrapper, F, Sum
from django.utils import timezone

from inventory.models import Location, Stock

MONEY = DecimalField(max_digits=16, decimal_places=2)


def stock_value_by_location() -> list[dict]:
    """Per active location: units on hand and their value at today's selling prices. One query."""
    rows = (
        Location.objects.filter(is_active=True)
        .values("code", "name")
        .annotate(
            units=Sum("stocks__on_hand"),
            value=Sum(ExpressionWrapper(F("stocks__on_hand") * F("stocks__variant__price"), MONEY)),
        )
        .order_by("code")
    )
    return [
        {**row, "units": row["units"] or 0, "value": row["value"] or Decimal("0.00")}
        for row in rows
    ]


def low_stock(*, limit: int = 25) -> list[dict]:
    """Stock rows with `LOW_STOCK_UNITS` or fewer units to sell (on hand less held and safety
    stock), fewest first. One query."""
    available = F("on_hand") - F("reserved") - F("safety_stock")
    rows = (
        Stock.objects.filter(location__is_active=True, variant__is_active=True)
        .annotate(available=available)
        .filter(available__lte=settings.LOW_STOCK_UNITS)
        .values(
            "available",
            "on_hand",
            location_code=F("location__code"),
            sku=F("variant__sku"),
            product=F("variant__product__name"),
            variant_name=F("variant__name"),
        )
        .order_by("available", "location__code", "variant__sku")[:limit]
    )
    return [{**row, "available": max(row["available"], 0)} for row in rows]


STOCK_REPORTS_KEY = "inventory:stock-reports"


def stock_reports_refresh() -> dict:
    """Computes the stock value per location and the low-stock list now, and caches them
    (beat, every `STOCK_REPORTS_REFRESH_SECONDS`) for a little longer than that period."""
    reports = {
        "computed_at": timezone.now(),
        "stock_value": stock_value_by_location(),
        "low_stock": low_stock(),
    }
    cache.set(STOCK_REPORTS_KEY, reports, settings.STOCK_REPORTS_REFRESH_SECONDS * 2)
    return reports


def stock_reports() -> dict:
    """{"computed_at", "stock_value", "low_stock"}: the last refresh (no query), or a new one
    when the cache has none."""
    return cache.get(STOCK_REPORTS_KEY) or stock_reports_refresh()
