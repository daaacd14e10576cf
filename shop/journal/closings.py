"""Period closings (the Z reports): for each chain, every complete day, month and fiscal year
with entries gets one closing with the period's totals by VAT rate and by tender and the
cumulative totals since the chain began, hashed into the chain of closings. Running the job
twice closes each period once."""

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import TruncDate
from django.utils import timezone

from shop.journal.hashing import chain_hash
from shop.journal.models import Closing, JournalChain, JournalEntry

Period = Closing.Period
ZERO = Decimal("0.00")


def period_of(kind: str, day: date) -> tuple[date, date]:
    """First and last day of the day, month or fiscal year holding `day`."""
    if kind == Period.DAY:
        return day, day
    if kind == Period.MONTH:
        start = day.replace(day=1)
    else:
        month = settings.FISCAL_YEAR_START_MONTH
        year = day.year if day.month >= month else day.year - 1
        start = date(year, month, 1)
    months = 1 if kind == Period.MONTH else 12
    after = date(
        start.year + (start.month - 1 + months) // 12, (start.month - 1 + months) % 12 + 1, 1
    )
    return start, after - timedelta(days=1)


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return (
        datetime.combine(start, time.min, tzinfo=tz),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz),
    )


class _Totals:
    def __init__(self, seed: dict | None = None):
        seed = seed or {}
        self.count = seed.get("count", 0)
        self.total = Decimal(seed.get("total", "0.00"))
        self.by_kind: dict[str, Decimal] = defaultdict(lambda: ZERO)
        self.rates: dict[str, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO, ZERO])
        self.tenders: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for kind, amount in seed.get("by_kind", {}).items():
            self.by_kind[kind] = Decimal(amount)
        for row in seed.get("tax_lines", []):
            self.rates[row["rate"]] = [Decimal(row[k]) for k in ("net", "tax", "gross")]
        for row in seed.get("tenders", []):
            self.tenders[row["method"]] = Decimal(row["amount"])

    def add(self, content: dict) -> None:
        self.count += 1
        self.total += Decimal(content["total"])
        self.by_kind[content["kind"]] += Decimal(content["total"])
        for row in content["tax_lines"]:
            sums = self.rates[row["rate"]]
            for i, k in enumerate(("net", "tax", "gross")):
                sums[i] += Decimal(row[k])
        for tender in content["tenders"]:
            self.tenders[tender["method"]] += Decimal(tender["amount"])

    def merge(self, other: "_Totals") -> "_Totals":
        merged = _Totals(self.as_dict())
        merged.count += other.count
        merged.total += other.total
        for kind, amount in other.by_kind.items():
            merged.by_kind[kind] += amount
        for rate, sums in other.rates.items():
            merged.rates[rate] = [a + b for a, b in zip(merged.rates[rate], sums, strict=True)]
        for method, amount in other.tenders.items():
            merged.tenders[method] += amount
        return merged

    def as_dict(self) -> dict:
        return {
            "count": self.count,
            "total": str(self.total),
            "by_kind": {k: str(v) for k, v in sorted(self.by_kind.items())},
            "tax_lines": [
                {"rate": rate, "net": str(n), "tax": str(t), "gross": str(g)}
                for rate, (n, t, g) in sorted(self.rates.items(), key=lambda r: Decimal(r[0]))
            ],
            "tenders": [{"method": m, "amount": str(a)} for m, a in sorted(self.tenders.items())],
        }


@transaction.atomic
def closing_create(*, chain: JournalChain, kind: str, start: date, end: date) -> Closing | None:
    """Closes one period of one chain; None if it was closed already."""
    # The chain's row lock: closings are hashed one after the other, and no entry of this
    # chain is appended meanwhile.
    JournalChain.objects.filter(pk=chain.pk).update(last_closing_hash=F("last_closing_hash"))
    chain.refresh_from_db(fields=["last_closing_hash"])
    if Closing.objects.filter(chain=chain, period=kind, period_start=start).exists():
        return None
    lower, upper = _bounds(start, end)
    period = _Totals()
    first = last = None
    entries = JournalEntry.objects.filter(
        chain=chain, created_at__gte=lower, created_at__lt=upper
    ).order_by("sequence")
    for entry in entries.only("sequence", "hash", "content").iterator(chunk_size=1000):
        period.add(entry.content)
        first = first or entry
        last = entry
    previous = (
        Closing.objects.filter(chain=chain, period=kind, period_start__lt=start)
        .order_by("-period_start")
        .first()
    )
    cumulative = _Totals(previous.content["cumulative"] if previous else None).merge(period)
    content = {
        "chain": chain.key,
        "period": kind,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "first_entry": first.sequence if first else None,
        "last_entry": last.sequence if last else None,
        "last_entry_hash": last.hash if last else None,
        "totals": period.as_dict(),
        "cumulative": cumulative.as_dict(),
    }
    digest = chain_hash(chain.last_closing_hash, content)
    try:
        with transaction.atomic():
            closing = Closing.objects.create(
                chain=chain,
                period=kind,
                period_start=start,
                period_end=end,
                created_at=timezone.now(),
                content=content,
                previous_hash=chain.last_closing_hash,
                hash=digest,
            )
    except IntegrityError:
        return None
    JournalChain.objects.filter(pk=chain.pk).update(last_closing_hash=digest)
    return closing


def periods_to_close(chain: JournalChain, kind: str, *, today: date) -> list[tuple[date, date]]:
    """Complete periods (ended before today) with entries and no closing yet, oldest first."""
    current_start, _ = period_of(kind, today)
    days = (
        JournalEntry.objects.filter(
            chain=chain, created_at__lt=_bounds(current_start, current_start)[0]
        )
        .annotate(day=TruncDate("created_at", tzinfo=timezone.get_current_timezone()))
        .values_list("day", flat=True)
        .distinct()
    )
    periods = sorted({period_of(kind, day) for day in days})
    closed = set(
        Closing.objects.filter(chain=chain, period=kind).values_list("period_start", flat=True)
    )
    return [(start, end) for start, end in periods if start not in closed]


def sales_periods_close(*, today: date | None = None) -> list[Closing]:
    """The closing job: every chain's complete days, months and fiscal years."""
    today = today or timezone.localdate()
    made = []
    rank = {Period.DAY: 0, Period.MONTH: 1, Period.YEAR: 2}
    for chain in JournalChain.objects.order_by("key"):
        due = [
            (end, rank[kind], kind, start)
            for kind in rank
            for start, end in periods_to_close(chain, kind, today=today)
        ]
        # By the day they end, the day before its month and the month before its year: a
        # month's closings follow one another in the chain (an archive holds them together).
        for end, _, kind, start in sorted(due):
            closing = closing_create(chain=chain, kind=kind, start=start, end=end)
            if closing is not None:
                made.append(closing)
    return made
