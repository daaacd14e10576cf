"""The manager dashboard's tables: each chart on /manage/ draws one of them, the page shows it
beneath the chart, and /manage/export/<name>.csv downloads it. One definition for all three,
so a chart, its table and the spreadsheet always show the same numbers."""

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from inventory.reports import low_stock, stock_value_by_location
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
        "stock-value": lambda: Table(
            "stock-value",
            _("Stock value per location"),
            [
                Column("code", _("Location")),
                Column("name", _("Name")),
                Column("units", _("Units"), "int"),
                Column("value", _("Value at selling price"), "money"),
            ],
            stock_value_by_location(),
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
            low_stock(),
        ),  # fmt: skip
    }
    if only is not None:
        return {only: builders[only]()} if only in builders else {}
    return {name: build() for name, build in builders.items()}


TABLE_NAMES = (
    "channels", "daily", "channel-store", "campaigns", "sales-channels", "collect",
    "reminders", "stock-value", "low-stock", "vat",
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
    """VAT collected per channel and rate, from the sales journal (returns and voids
    deducted, delivery included)."""
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
