"""The manager dashboard's tables: each chart on /manage/ draws one of them, the page shows it
beneath the chart, and /manage/export/<name>.csv downloads it. One definition for all three,
so a chart, its table and the spreadsheet always show the same numbers."""

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal
from functools import cache

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from inventory.accuracy import StoreAccuracy, stock_accuracy_by_store
from inventory.reports import stock_reports
from shop.catalog.taxes import rate_label
from shop.journal.vat_report import vat_by_channel
from shop.marketing.models import CartReminder
from shop.marketing.reports import (
    Period,
    channel_by_day,
    channel_by_store,
    channel_label,
    channel_report,
    collect_report,
    reminder_report,
    sales_channels,
    top_campaigns,
)

WEB = "web (no store)"
ALL_CHANNELS = _("All channels")
#: Characters that make a spreadsheet read a cell as a formula; campaign and source names come
#: from links anyone can craft, so such a cell is written with a leading quote.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    #: "text", "money", "int" or "percent": how the page formats and aligns it.
    kind: str = "text"


@dataclass
class Table:
    name: str
    title: str
    columns: list[Column]
    rows: list[dict] = field(default_factory=list)
    #: When the figures were computed, for tables that are not live (the stock reports).
    as_of: datetime | None = None


MONEY_COLUMNS = [
    Column("orders", _("Orders"), "int"),
    Column("revenue", _("Revenue"), "money"),
    Column("returns", _("Returns"), "money"),
    Column("net", _("Net"), "money"),
]


def _named(row: dict) -> dict:
    """The row with its channel codes replaced by their names."""
    names = {key: channel_label(row[key]) for key in ("channel", "sales_channel") if key in row}
    return {**row, **names}


def _store(row: dict) -> dict:
    """The row as people read it: channels by their names, the store's code or WEB."""
    return {**_named(row), "store": row["store"] or WEB}


def _days(period: Period) -> list:
    return [period.start + timedelta(days=n) for n in range((period.end - period.start).days + 1)]


def dashboard_tables(period: Period, *, only: str | None = None) -> dict[str, Table]:
    """The dashboard's tables for `period` (or only the one named `only`), in page order."""
    accuracy = cache(lambda: _accuracy_by_store(period))  # three tables, one read
    stock = cache(stock_reports)  # two tables, one cache read
    builders: dict[str, Callable[[], Table]] = {
        "channels": lambda: _channels(period),
        "daily": lambda: _daily(period),
        "channel-store": lambda: _channel_store(period),
        "campaigns": lambda: Table(
            "campaigns",
            _("Top campaigns"),
            [
                Column("campaign", _("Campaign")),
                Column("source", _("Source")),
                Column("channel", _("Channel")),
                *MONEY_COLUMNS,
            ],
            [_named(row) for row in top_campaigns(period)],
        ),  # fmt: skip
        "sales-channels": lambda: Table(
            "sales-channels",
            _("Sales channels"),
            [
                Column("sales_channel", _("Sold through")),
                Column("store", _("Store")),
                *MONEY_COLUMNS,
                Column("average_order", _("Average order"), "money"),
            ],
            [_store(row) for row in sales_channels(period)],
        ),  # fmt: skip
        "collect": lambda: Table(
            "collect",
            _("Click and collect"),
            [
                Column("store", _("Store")),
                Column("orders", _("Orders"), "int"),
                Column("collect_orders", _("Click and collect"), "int"),
                Column("collect_share", _("Share"), "percent"),
                Column("collected", _("Collected"), "int"),
                Column("expired", _("Not collected"), "int"),
                Column("pickup_rate", _("Pickup rate"), "percent"),
            ],
            [_store(row) for row in collect_report(period)],
        ),  # fmt: skip
        "reminders": lambda: _reminders(period),
        "vat": lambda: _vat(period),
        "accuracy": lambda: _accuracy(accuracy()),
        "accuracy-daily": lambda: _accuracy_daily(period, accuracy()),
        "variances": lambda: _variances(accuracy()),
        "stock-value": lambda: Table(
            "stock-value",
            _("Stock value per location"),
            [
                Column("code", _("Location")),
                Column("name", _("Name")),
                Column("units", _("Units"), "int"),
                Column("value", _("Value at selling price"), "money"),
            ],
            stock()["stock_value"],
            as_of=stock()["computed_at"],
        ),  # fmt: skip
        "low-stock": lambda: Table(
            "low-stock",
            _("Low stock"),
            [
                Column("location_code", _("Location")),
                Column("sku", _("SKU")),
                Column("product", _("Product")),
                Column("variant_name", _("Variant")),
                Column("on_hand", _("On hand"), "int"),
                Column("available", _("To sell"), "int"),
            ],
            stock()["low_stock"],
            as_of=stock()["computed_at"],
        ),  # fmt: skip
    }
    if only is not None:
        return {only: builders[only]()} if only in builders else {}
    return {name: build() for name, build in builders.items()}


TABLE_NAMES = (
    "channels", "daily", "channel-store", "campaigns", "sales-channels", "collect",
    "reminders", "stock-value", "low-stock", "vat", "accuracy", "accuracy-daily", "variances",
)  # fmt: skip


def _channels(period: Period) -> Table:
    report = channel_report(period)
    rows = [_store(row) for row in report["rows"]]
    return Table(
        "channels",
        _("Channels, sources and stores"),
        [Column("channel", _("Channel")), Column("source", _("Source")),
         Column("store", _("Store")), *MONEY_COLUMNS],
        rows,
    )  # fmt: skip


def _daily(period: Period) -> Table:
    """Net revenue per channel and day, every day of the period (0 where nothing sold)."""
    by_day = channel_by_day(period)
    channels = sorted({row["channel"] for row in by_day})
    net = {(row["day"], row["channel"]): row["net"] for row in by_day}
    rows = [
        {"day": day, **{channel: net.get((day, channel), Decimal("0.00")) for channel in channels}}
        for day in _days(period)
    ]
    columns = [Column("day", _("Day"))] + [Column(c, channel_label(c), "money") for c in channels]
    return Table("daily", _("Net revenue per channel and day"), columns, rows)


def _channel_store(period: Period) -> Table:
    cells = channel_by_store(channel_report(period)["rows"])
    return Table(
        "channel-store",
        _("Channel × store"),
        [Column("channel", _("Channel")), Column("store", _("Store")), *MONEY_COLUMNS],
        [_store(row) for row in cells],
    )


VAT_COLUMNS = [
    Column("channel", _("Channel")),
    Column("rate", _("VAT rate"), "percent"),
    Column("net", _("Net"), "money"),
    Column("tax", _("VAT"), "money"),
    Column("gross", _("Gross"), "money"),
]


def _vat(period: Period) -> Table:
    """VAT collected per channel and rate, from the sales journal (returns, refunds
    and voids deducted, delivery included)."""
    by_channel = vat_by_channel(start=period.start, end=period.end)
    totals: dict[Decimal, dict] = {}
    for row in by_channel:
        total = totals.setdefault(row["rate"], {"channel": str(ALL_CHANNELS), "rate": row["rate"]})
        for key in ("net", "tax", "gross"):
            total[key] = total.get(key, Decimal("0.00")) + row[key]
    rows = [
        {**row, "rate": rate_label(row["rate"])}
        for row in [*map(_named, by_channel), *(totals[rate] for rate in sorted(totals))]
    ]
    return Table("vat", _("VAT collected per rate (sales journal)"), VAT_COLUMNS, rows)


def _accuracy_by_store(period: Period) -> list[StoreAccuracy]:
    zone = timezone.get_current_timezone()
    start = datetime.combine(period.start, time.min, tzinfo=zone)
    end = datetime.combine(period.end + timedelta(days=1), time.min, tzinfo=zone)
    return stock_accuracy_by_store(start=start, end=end, with_days=True)


def _accuracy(stores: list[StoreAccuracy]) -> Table:
    return Table(
        "accuracy",
        _("Stock accuracy per location"),
        [
            Column("store", _("Location")),
            Column("counts", _("Counts"), "int"),
            Column("counted_skus", _("SKUs counted"), "int"),
            Column("matched", _("Record matched the shelf"), "int"),
            Column("accuracy", _("Accuracy"), "percent"),
            Column("reserved_shortfall", _("Held units missing"), "int"),
        ],
        [
            {
                "store": entry.location.name,
                "counts": entry.counts,
                "counted_skus": entry.counted_skus,
                "matched": entry.matched,
                "accuracy": entry.matched_percent,
                "reserved_shortfall": entry.reserved_shortfall,
            }
            for entry in stores
        ],
    )


def _accuracy_daily(period: Period, stores: list[StoreAccuracy]) -> Table:
    """The accuracy of each location that counted, per day of the period (empty on days
    without a count)."""
    counted = [entry for entry in stores if entry.over_time]
    share = {
        (entry.location.code, point.day): (point.matched_share * 100).quantize(Decimal("0.1"))
        for entry in counted
        for point in entry.over_time
    }
    return Table(
        "accuracy-daily",
        _("Stock accuracy per day"),
        [Column("day", _("Day"))]
        + [Column(entry.location.code, entry.location.name, "percent") for entry in counted],
        [
            {"day": day, **{e.location.code: share.get((e.location.code, day)) for e in counted}}
            for day in (_days(period) if counted else [])
        ],
    )


def _variances(stores: list[StoreAccuracy]) -> Table:
    return Table(
        "variances",
        _("Stock adjustments per location and reason"),
        [
            Column("store", _("Location")),
            Column("reason", _("Reason")),
            Column("units", _("Units"), "int"),
            Column("movements", _("Adjustments"), "int"),
        ],
        [
            {
                "store": entry.location.name,
                "reason": reason.reason,
                "units": reason.units,
                "movements": reason.movements,
            }
            for entry in stores
            for reason in entry.by_reason
        ],
    )


def _lowered(label) -> str:
    text = str(label)
    return text[:1].lower() + text[1:]


def _reminders(period: Period) -> Table:
    skipped = [
        Column(f"skipped_{reason.value}",
               _("Skipped: %(reason)s") % {"reason": _lowered(reason.label)}, "int")
        for reason in CartReminder.SkipReason
    ]  # fmt: skip
    return Table(
        "reminders",
        _("Cart reminders and what they recovered"),
        [
            Column("day", _("Day")),
            Column("sent", _("Sent"), "int"),
            Column("skipped", _("Skipped"), "int"),
            Column("clicked", _("Link followed"), "int"),
            Column("click_rate", _("Click rate"), "percent"),
            Column("recovered_orders", _("Recovered orders"), "int"),
            Column("recovery_rate", _("Recovery rate"), "percent"),
            Column("recovered_revenue", _("Recovered revenue"), "money"),
            *skipped,
        ],
        reminder_report(period)["rows"],
    )


def _cell(value, kind: str) -> str:
    text = "" if value is None else str(value)
    return "'" + text if kind == "text" and text.startswith(FORMULA_STARTS) else text


def table_csv_write(table: Table, out) -> None:
    """Writes `table` as CSV into the file-like `out`: a header row of column titles, then
    one row per table row, amounts as plain decimals."""
    writer = csv.writer(out)
    writer.writerow([column.title for column in table.columns])
    for row in table.rows:
        writer.writerow([_cell(row.get(column.key), column.kind) for column in table.columns])
