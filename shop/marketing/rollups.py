"""The report rollups, rebuilt from orders, their attribution and returns.

`reports_refresh` rebuilds the rollups (sales per channel, click and collect, cart reminders)
of the days from a date on: a handful of aggregate queries, whatever the number of orders, and
one bulk INSERT of their groups per table. Beat rebuilds the last `REPORTS_REFRESH_RECENT_DAYS`
every 15 minutes and the last `REPORTS_REFRESH_DAYS` every 6 hours (orders are collected,
cancelled and returned for weeks after they are placed);
`python manage.py refresh_reports` runs the longer one once.

Money is split in whole cents: under the linear model an order of N touches gives each
`cents // N`, and the first `cents % N` touches of its path one cent more, so the shares of
every order (and of every return) add up to its amount exactly, and every model's totals are
the same revenue to the cent.
"""

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Mod, TruncDate
from django.utils import timezone

from shop.journal.vat_report import vat_rollup_refresh
from shop.marketing.models import (
    AttributionModel,
    CartReminder,
    ChannelDaily,
    CollectDaily,
    OrderAttribution,
    ReminderDaily,
)
from shop.orders.models import Order, Return

Status = Order.Status
#: Orders that count as sold: placed and not cancelled or expired.
SOLD = [
    Status.PLACED,
    Status.READY_FOR_PICKUP,
    Status.COLLECTED,
    Status.SHIPPED,
    Status.COMPLETED,
]
#: The touch each single-touch model credits (the linear model credits the whole path).
CREDITED = {
    AttributionModel.LAST_TOUCH: "last_touch",
    AttributionModel.FIRST_TOUCH: "first_touch",
    AttributionModel.LAST_NON_DIRECT: "last_non_direct_touch",
}
KEYS = ("day", "sales_channel", "channel", "source", "campaign", "store")
BIG = BigIntegerField()
#: The key of the PostgreSQL advisory lock that serialises refreshes.
REFRESH_LOCK = 0x6D6B7467


def _tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _cents(amount: str) -> Cast:
    return Cast(ExpressionWrapper(F(amount) * 100, output_field=BIG), BIG)


def _credit_groups(base, *, model: str, attribution: str, day_of: str, amount: str, **filters):
    """Sums `amount` (in cents) per day and credited touch for `model`, over the rows of `base`
    (attributions or returns); `attribution`: the path from `base` to the attribution."""
    if model == AttributionModel.LINEAR:
        touch = f"{attribution}path__touch__"
        cents, count = _cents(amount), F(f"{attribution}touch_count")
        extra = Case(
            When(**{f"{attribution}path__position__lt": Mod(cents, count)}, then=Value(1)),
            default=Value(0),
            output_field=BIG,
        )
        share = ExpressionWrapper(cents / count + extra, output_field=BIG)
    else:
        touch = f"{attribution}{CREDITED[model]}__"
        share = _cents(amount)
    return (
        base.filter(**filters)
        .values(  # prefixed: a return has a channel and a store of its own
            k_day=TruncDate(day_of, tzinfo=_tz()),
            k_sales_channel=F(f"{attribution}order__channel"),
            k_channel=F(f"{touch}channel"),
            k_source=F(f"{touch}source"),
            k_campaign=F(f"{touch}campaign"),
            k_store=Coalesce(F(f"{attribution}order__store__code"), Value("")),
        )
        .annotate(orders=Count(f"{attribution}pk", distinct=True), cents=Sum(share))
        .order_by()
    )


def _model_rows(model: str, since: datetime) -> list[ChannelDaily]:
    totals: dict[tuple, dict] = defaultdict(lambda: {"orders": 0, "revenue": 0, "returns": 0})
    sales = _credit_groups(
        OrderAttribution.objects.all(),
        model=model,
        attribution="",
        day_of="placed_at",
        amount="order__total",
        placed_at__gte=since,
        order__status__in=SOLD,
    )
    for group in sales:
        row = totals[tuple(group[f"k_{key}"] for key in KEYS)]
        row["orders"] += group["orders"]
        row["revenue"] += group["cents"]
    returns = _credit_groups(
        Return.objects.all(),
        model=model,
        attribution="order__attribution__",
        day_of="created_at",
        amount="refund_amount",
        created_at__gte=since,
        order__attribution__isnull=False,  # attributed later by `orders_attribute_missing`
    )
    for group in returns:
        totals[tuple(group[f"k_{key}"] for key in KEYS)]["returns"] += group["cents"]
    return [
        ChannelDaily(
            model=model,
            **dict(zip(KEYS, key, strict=True)),
            orders=row["orders"],
            revenue=Decimal(row["revenue"]) / 100,
            returns=Decimal(row["returns"]) / 100,
        )
        for key, row in totals.items()
    ]


def _collect_rows(since: datetime) -> list[CollectDaily]:
    collect = Q(order__fulfilment=Order.Fulfilment.COLLECT)
    groups = (
        OrderAttribution.objects.filter(placed_at__gte=since)
        .exclude(order__status__in=Order.UNPLACED_STATUSES)
        .values(
            day=TruncDate("placed_at", tzinfo=_tz()),
            sales_channel=F("order__channel"),
            store=Coalesce(F("order__store__code"), Value("")),
        )
        .annotate(
            orders=Count("pk"),
            collect_orders=Count("pk", filter=collect),
            collected=Count("pk", filter=collect & Q(order__status=Status.COLLECTED)),
            expired=Count("pk", filter=collect & Q(order__status=Status.EXPIRED)),
        )
        .order_by()
    )
    return [CollectDaily(**group) for group in groups]


def _reminder_rows(since: datetime) -> list[ReminderDaily]:
    """Reminders per day and outcome, with what the sent ones led to; a recovered order counts
    only while it is sold, for its total less what its returns refunded."""
    refunded = (
        Return.objects.filter(order=OuterRef("recovered_order"))
        .values("order")
        .annotate(amount=Sum("refund_amount"))
        .values("amount")
    )
    money = DecimalField(max_digits=14, decimal_places=2)
    net = ExpressionWrapper(
        F("recovered_order__total") - Coalesce(Subquery(refunded), Value(0, money)),
        output_field=money,
    )
    sold = Q(recovered_order__status__in=SOLD)
    groups = (
        CartReminder.objects.filter(created_at__gte=since)
        .exclude(status=CartReminder.Status.PENDING)
        .values("status", "skip_reason", day=TruncDate("created_at", tzinfo=_tz()))
        .annotate(
            reminders=Count("pk"),
            clicked=Count("pk", filter=Q(clicked_at__isnull=False)),
            recovered_orders=Count("pk", filter=sold),
            recovered_revenue=Coalesce(Sum(net, filter=sold), Value(0, money)),
        )
        .order_by()
    )
    return [ReminderDaily(**group) for group in groups]


def refresh_start(days: int | None = None) -> date:
    days = settings.REPORTS_REFRESH_DAYS if days is None else days
    return timezone.localdate() - timedelta(days=days)


@transaction.atomic
def reports_refresh(*, since: date | None = None) -> int:
    """Rebuilds the rollups of every day from `since` (default: the last
    `REPORTS_REFRESH_DAYS` days); returns the rows written."""
    since = since or refresh_start()
    if connection.vendor == "postgresql":
        # Two refreshes at once (a slow one and the next beat) would both insert their rows.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [REFRESH_LOCK])
    start = datetime.combine(since, time.min, tzinfo=_tz())
    rows = [row for model in AttributionModel.values for row in _model_rows(model, start)]
    ChannelDaily.objects.filter(day__gte=since).delete()
    CollectDaily.objects.filter(day__gte=since).delete()
    ReminderDaily.objects.filter(day__gte=since).delete()
    written = len(ChannelDaily.objects.bulk_create(rows, batch_size=2000))
    written += len(CollectDaily.objects.bulk_create(_collect_rows(start), batch_size=2000))
    written += vat_rollup_refresh(since=since)
    return written + len(ReminderDaily.objects.bulk_create(_reminder_rows(start), batch_size=2000))
