"""Reads of the report rollups: each report is one or two aggregate queries over the rollup
tables, whatever the number of orders behind them."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext

from shop.channels import Channel
from shop.errors import InvalidInput
from shop.marketing.models import (
    AttributionModel,
    CartReminder,
    ChannelDaily,
    CollectDaily,
    ReminderDaily,
    Touch,
)

ZERO = Decimal("0.00")
#: The period a report covers when none is asked for: the last 30 days, today included.
DEFAULT_DAYS = 30
#: The longest period one report covers.
MAX_DAYS = 3 * 366


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive
    model: str = AttributionModel.LAST_TOUCH

    def rows(self):
        return ChannelDaily.objects.filter(
            model=self.model, day__gte=self.start, day__lte=self.end
        ).order_by()


def period_parse(*, start: str | None, end: str | None, model: str | None) -> Period:
    """The period of `from`/`to` (YYYY-MM-DD, both included) and `model` as a request gives
    them; raises `InvalidInput` naming the bad parameters."""
    bad = []
    try:
        end_day = date.fromisoformat(end) if end else timezone.localdate()
    except ValueError:
        bad.append("to")
        end_day = timezone.localdate()
    try:
        start_day = (
            date.fromisoformat(start) if start else end_day - timedelta(days=DEFAULT_DAYS - 1)
        )
    except ValueError:
        bad.append("from")
        start_day = end_day
    if bad:
        raise InvalidInput(gettext("Dates are written YYYY-MM-DD."), details=bad)
    if start_day > end_day:
        raise InvalidInput(gettext("The period ends before it starts."), details=["from", "to"])
    if (end_day - start_day).days >= MAX_DAYS:
        raise InvalidInput(
            gettext("A report covers %(MAX_DAYS)s days at most.") % {"MAX_DAYS": MAX_DAYS},
            details=["from"],
        )
    model = model or AttributionModel.LAST_TOUCH
    if model not in AttributionModel.values:
        names = ", ".join(AttributionModel.values)
        raise InvalidInput(
            gettext("The model is one of %(names)s.") % {"names": names}, details=["model"]
        )
    return Period(start=start_day, end=end_day, model=model)


def _money(row: dict) -> dict:
    revenue, returns = row["revenue"] or ZERO, row["returns"] or ZERO
    return {**row, "revenue": revenue, "returns": returns, "net": revenue - returns}


def _sums(queryset, *keys: str) -> list[dict]:
    return [
        _money(row)
        for row in queryset.values(*keys).annotate(
            orders=Sum("orders"), revenue=Sum("revenue"), returns=Sum("returns")
        )
    ]


def channel_report(period: Period) -> dict:
    """Revenue, orders, returns and net per credited channel, source and store (API.md
    "Measurement"), biggest first, and their totals. Two queries."""
    rows = sorted(
        _sums(period.rows(), "channel", "source", "store"),
        key=lambda r: (-r["net"], r["channel"], r["source"], r["store"]),
    )
    # Every sold order is credited to exactly one first touch: its rows count each order once.
    orders = (
        ChannelDaily.objects.filter(
            model=AttributionModel.FIRST_TOUCH, day__gte=period.start, day__lte=period.end
        ).aggregate(orders=Sum("orders"))["orders"]
        or 0
    )
    revenue = sum((r["revenue"] for r in rows), ZERO)
    returns = sum((r["returns"] for r in rows), ZERO)
    totals = {"orders": orders, "revenue": revenue, "returns": returns, "net": revenue - returns}
    return {"rows": rows, "totals": totals}


def channel_by_day(period: Period) -> list[dict]:
    """Net revenue per credited channel per day, oldest first. One query."""
    return sorted(_sums(period.rows(), "day", "channel"), key=lambda r: (r["day"], r["channel"]))


def channel_by_store(report_rows: list[dict]) -> list[dict]:
    """The channel report's rows summed per channel and store (no query)."""
    cells: dict[tuple, dict] = defaultdict(
        lambda: {"orders": 0, "revenue": ZERO, "returns": ZERO, "net": ZERO}
    )
    for row in report_rows:
        cell = cells[(row["channel"], row["store"])]
        for field in ("orders", "revenue", "returns", "net"):
            cell[field] += row[field]
    return [
        {"channel": channel, "store": store, **cell}
        for (channel, store), cell in sorted(cells.items())
    ]


def sales_channels(period: Period) -> list[dict]:
    """Per sales channel (where the order was sold) and store: orders, revenue, returns, net
    and average order, the same under every model. One query."""
    # Read under the first-touch model, where each order is one row: under linear an order
    # shared by two touches would count twice.
    single = Period(start=period.start, end=period.end, model=AttributionModel.FIRST_TOUCH)
    rows = _sums(single.rows(), "sales_channel", "store")
    for row in rows:
        row["average_order"] = (
            (row["revenue"] / row["orders"]).quantize(Decimal("0.01")) if row["orders"] else ZERO
        )
    return sorted(rows, key=lambda r: (-r["net"], r["sales_channel"], r["store"]))


def top_campaigns(period: Period, *, limit: int = 10) -> list[dict]:
    """The campaigns that earned most, net of returns. One query."""
    rows = (
        period.rows()
        .exclude(campaign="")
        .values("campaign", "source", "channel")
        .annotate(orders=Sum("orders"), revenue=Sum("revenue"), returns=Sum("returns"))
        .annotate(net=F("revenue") - F("returns"))
        .order_by("-net", "campaign")[:limit]
    )
    return [_money(row) for row in rows]


def collect_report(period: Period) -> list[dict]:
    """Per store: orders, click-and-collect share and pickup rate (collected out of collect
    orders that were collected or expired). One query."""
    rows = (
        CollectDaily.objects.filter(day__gte=period.start, day__lte=period.end)
        .values("store")
        .annotate(
            orders=Sum("orders"),
            collect_orders=Sum("collect_orders"),
            collected=Sum("collected"),
            expired=Sum("expired"),
        )
        .order_by("store")
    )
    result = []
    for row in rows:
        ended = row["collected"] + row["expired"]
        result.append(
            {
                **row,
                "collect_share": _percent(row["collect_orders"], row["orders"]),
                "pickup_rate": _percent(row["collected"], ended),
            }
        )
    return result


def reminder_report(period: Period) -> dict:
    """Per day the cart reminders were handled: sent, skipped per reason, clicked, recovered
    orders and their revenue net of returns, click and recovery rates of the sent ones; and
    the period's totals. One query."""
    rows = (
        ReminderDaily.objects.filter(day__gte=period.start, day__lte=period.end)
        .values("day", "status", "skip_reason")
        .annotate(
            reminders=Sum("reminders"),
            clicked=Sum("clicked"),
            recovered_orders=Sum("recovered_orders"),
            recovered_revenue=Sum("recovered_revenue"),
        )
        .order_by("day")
    )
    days: dict[date, dict] = {}
    totals = _reminder_figures()
    for row in rows:
        for figures in (days.setdefault(row["day"], _reminder_figures(day=row["day"])), totals):
            if row["status"] == CartReminder.Status.SENT:
                figures["sent"] += row["reminders"]
            else:
                figures["skipped"] += row["reminders"]
                figures[f"skipped_{row['skip_reason']}"] += row["reminders"]
            figures["clicked"] += row["clicked"]
            figures["recovered_orders"] += row["recovered_orders"]
            figures["recovered_revenue"] += row["recovered_revenue"]
    for figures in (*days.values(), totals):
        figures["click_rate"] = _percent(figures["clicked"], figures["sent"])
        figures["recovery_rate"] = _percent(figures["recovered_orders"], figures["sent"])
    return {"rows": list(days.values()), "totals": totals}


def _reminder_figures(**keys) -> dict:
    skipped = {f"skipped_{reason}": 0 for reason in CartReminder.SkipReason.values}
    return {**keys, "sent": 0, "skipped": 0, **skipped, "clicked": 0, "recovered_orders": 0,
            "recovered_revenue": ZERO}  # fmt: skip


#: What the dashboard calls each channel code: touch channel groups and sales channels.
CHANNEL_LABELS = {**dict(Channel.choices), **dict(Touch.Group.choices)}


def channel_label(code: str) -> str:
    """The readable name of a channel code ("organic_search" → "Organic search"); an unknown
    code (a sales channel added since) is shown as it is."""
    return str(CHANNEL_LABELS.get(code, code))


def _percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / whole).quantize(Decimal("0.1"))
