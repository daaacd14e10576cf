"""VAT collected per channel and rate over a period, from the sales journal: every sale,
return, refund and void there carries its VAT breakdown (all but sales negative, delivery
included), so what the report shows is what the closings and the tax return add up.

The journal is summed per day into `VatDaily` by `vat_rollup_refresh`, with the other report
rollups (beat, every 15 minutes for the last days); `vat_by_channel` reads those rows, one
query whatever the number of sales."""

from collections import defaultdict
from datetime import date, datetime, time
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from shop.journal.models import JournalEntry, VatDaily

CENT = Decimal("0.01")


def vat_rollup_refresh(*, since: date) -> int:
    """Rebuilds the VAT rows of every day from `since` (in the caller's transaction); returns
    the rows written."""
    zone = timezone.get_current_timezone()
    entries = JournalEntry.objects.filter(
        created_at__gte=datetime.combine(since, time.min, tzinfo=zone)
    ).values_list("created_at", "channel", "content__tax_lines")
    totals: dict[tuple, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 3)
    for created_at, channel, tax_lines in entries.iterator(chunk_size=2000):
        day = timezone.localtime(created_at, zone).date()
        for line in tax_lines or []:
            sums = totals[(day, channel, Decimal(line["rate"]).quantize(CENT))]
            for i, key in enumerate(("net", "tax", "gross")):
                sums[i] += Decimal(line[key])
    VatDaily.objects.filter(day__gte=since).delete()
    rows = [
        VatDaily(day=day, channel=channel, rate=rate, net=net, tax=tax, gross=gross)
        for (day, channel, rate), (net, tax, gross) in totals.items()
    ]
    return len(VatDaily.objects.bulk_create(rows, batch_size=2000))


def vat_by_channel(*, start: date, end: date) -> list[dict]:
    """Per channel and VAT rate (ascending), the net, VAT and gross journalled from `start`
    to `end` (both days included) as of the last refresh: sales less returns, refunds and
    voids."""
    rows = (
        VatDaily.objects.filter(day__gte=start, day__lte=end)
        .values("channel", "rate")
        .annotate(net=Sum("net"), tax=Sum("tax"), gross=Sum("gross"))
        .order_by("channel", "rate")
    )
    return [
        {
            "channel": row["channel"],
            "rate": row["rate"].quantize(CENT),
            "net": row["net"].quantize(CENT),
            "tax": row["tax"].quantize(CENT),
            "gross": row["gross"].quantize(CENT),
        }
        for row in rows
    ]
