"""VAT collected per channel and rate over a period, read from the sales journal: every sale,
return, refund and void there carries its VAT breakdown (all but sales negative, delivery
included), so what the report shows is what the closings and the tax return add up.

One aggregate query over the entries of the period, whatever their number."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from shop.journal.models import JournalEntry

_VAT_BY_CHANNEL = """
SELECT e.channel, (t ->> 'rate')::numeric AS rate,
       SUM((t ->> 'net')::numeric), SUM((t ->> 'tax')::numeric), SUM((t ->> 'gross')::numeric)
FROM {table} e CROSS JOIN LATERAL jsonb_array_elements(e.content -> 'tax_lines') t
WHERE e.created_at >= %s AND e.created_at < %s
GROUP BY 1, 2
ORDER BY 1, 2
"""


def _day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, the day after end 00:00) in the shop's time zone."""
    tz = timezone.get_current_timezone()
    return (
        datetime.combine(start, time.min, tzinfo=tz),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz),
    )


def vat_by_channel(*, start: date, end: date) -> list[dict]:
    """Per channel and VAT rate (ascending), the net, VAT and gross journalled from `start`
    to `end` (both days included): sales less returns, refunds and voids."""
    sql = _VAT_BY_CHANNEL.format(table=connection.ops.quote_name(JournalEntry._meta.db_table))
    with connection.cursor() as cursor:
        cursor.execute(sql, _day_bounds(start, end))
        rows = cursor.fetchall()
    cent = Decimal("0.01")
    return [
        {
            "channel": channel,
            "rate": rate.quantize(cent),
            "net": net.quantize(cent),
            "tax": tax.quantize(cent),
            "gross": gross.quantize(cent),
        }
        for channel, rate, net, tax, gross in rows
    ]
