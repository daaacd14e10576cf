"""Walking the chains: every entry's hash recomputed from its content and the previous entry's
hash, sequences without gaps, and each entry compared with the sale, return or cancelled line
it records, so an order altered behind the journal's back is found as well as an altered
entry."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Prefetch

from shop.journal.hashing import chain_hash
from shop.journal.models import Closing, JournalChain, JournalEntry
from shop.journal.services import return_lines, return_shipping, sale_lines, sale_shipping
from shop.orders.models import OrderLine, Return, ReturnLine

BATCH = 500


@dataclass
class Broken:
    entry: JournalEntry
    reason: str

    def as_dict(self) -> dict:
        return {
            "id": self.entry.pk,
            "chain": self.entry.chain.key,
            "sequence": self.entry.sequence,
            "number": self.entry.number,
            "reason": self.reason,
        }


@dataclass
class Verification:
    entries: int = 0
    broken: list[Broken] = field(default_factory=list)
    closings: int = 0
    #: The first closing whose hash or link does not hold: (closing, reason).
    broken_closing: tuple[Closing, str] | None = None

    @property
    def ok(self) -> bool:
        return not self.broken and self.broken_closing is None

    @property
    def first_broken(self) -> Broken | None:
        return min(self.broken, key=lambda b: b.entry.created_at) if self.broken else None

    def as_dict(self) -> dict:
        first = self.first_broken
        closing = None
        if self.broken_closing is not None:
            broken, reason = self.broken_closing
            closing = {"id": broken.pk, "closing": str(broken), "reason": reason}
        return {
            "ok": self.ok,
            "entries": self.entries,
            "first_broken": first.as_dict() if first else None,
            "closings": self.closings,
            "first_broken_closing": closing,
        }


def _batches(chain: JournalChain, after: int) -> Iterator[list[JournalEntry]]:
    rows = (
        JournalEntry.objects.filter(chain=chain)
        .select_related("chain", "order")
        .prefetch_related(
            Prefetch("order__lines", queryset=OrderLine.objects.order_by("id")),
            Prefetch(
                "return_record",
                queryset=Return.objects.prefetch_related(
                    Prefetch(
                        "lines",
                        queryset=ReturnLine.objects.select_related("order_line").order_by("id"),
                    )
                ),
            ),
        )
        .order_by("sequence")
    )
    while True:
        batch = list(rows.filter(sequence__gt=after)[:BATCH])
        if not batch:
            return
        yield batch
        after = batch[-1].sequence


def _source_mismatch(entry: JournalEntry) -> str | None:
    """What differs between the entry and the records it was made from, if anything."""
    content = entry.content
    if entry.kind == JournalEntry.Kind.SALE:
        if str(entry.order.total) != content["total"]:
            number, total = entry.order.number, entry.order.total
            return f"order {number} total is {total}, the journal says {content['total']}"
        if sale_lines(entry.order.lines.all()) != content["lines"]:
            return f"order {entry.order.number} lines differ from the journal"
        # Entries written before delivery carried VAT have no "shipping": their orders' delivery
        # tax is still the column default, zero.
        if sale_shipping(entry.order).get("shipping") != content.get("shipping") and (
            "shipping" in content or entry.order.shipping_tax
        ):
            return f"order {entry.order.number} delivery differs from the journal"
    elif entry.kind == JournalEntry.Kind.RETURN:
        record = entry.return_record
        if str(-record.refund_amount) != content["total"]:
            return f"return of {entry.order.number} amount differs from the journal"
        if return_lines(record.lines.all()) != content["lines"]:
            return f"return of {entry.order.number} lines differ from the journal"
        if return_shipping(record).get("shipping") != content.get("shipping"):
            return f"return of {entry.order.number} delivery refund differs from the journal"
    elif entry.kind == JournalEntry.Kind.REFUND:
        cancelled = {line.sku: line.cancelled_quantity for line in entry.order.lines.all()}
        for line in content["lines"]:
            if cancelled.get(line["sku"], 0) < line["quantity"]:
                return (
                    f"order {entry.order.number} has fewer cancelled {line['sku']} than the "
                    "journal says"
                )
    if str(entry.total) != content["total"]:
        return "the entry's total column differs from its content"
    return None


def journal_verify(*, start: datetime | None = None, end: datetime | None = None) -> Verification:
    """Checks every chain (entries created in [start, end) when given; the entry before
    `start` anchors the first link). Reads in batches: a fixed number of queries per batch."""
    result = Verification()
    for chain in JournalChain.objects.order_by("key"):
        after, previous_hash = 0, ""
        if start is not None:
            anchor = (
                JournalEntry.objects.filter(chain=chain, created_at__lt=start)
                .order_by("-sequence")
                .only("sequence", "hash")
                .first()
            )
            if anchor is not None:
                after, previous_hash = anchor.sequence, anchor.hash
        expected = after + 1
        for batch in _batches(chain, after):
            for entry in batch:
                if end is not None and entry.created_at >= end:
                    break
                result.entries += 1
                reason = None
                if entry.sequence != expected:
                    reason = f"number {expected} is missing"
                elif entry.previous_hash != previous_hash:
                    reason = "the link to the previous entry is broken"
                elif chain_hash(previous_hash, entry.content) != entry.hash:
                    reason = "the entry's content does not match its hash"
                elif entry.content.get("sequence") != entry.sequence:
                    reason = "the entry's number differs from its content"
                else:
                    reason = _source_mismatch(entry)
                if reason:
                    result.broken.append(Broken(entry, reason))
                    break  # the rest of this chain cannot be trusted; report the first
                expected, previous_hash = entry.sequence + 1, entry.hash
            else:
                continue
            break
    if start is None and end is None:
        closings_verify(result)
    return result


def closings_verify(result: Verification) -> None:
    """Walks each chain's closings in the order they were made: hashes and links."""
    previous: dict[int, str] = {}
    rows = Closing.objects.select_related("chain").order_by("chain_id", "created_at", "id")
    for closing in rows.iterator(chunk_size=1000):
        result.closings += 1
        expected = previous.get(closing.chain_id, "")
        if closing.previous_hash != expected:
            result.broken_closing = (closing, "the link to the previous closing is broken")
        elif chain_hash(expected, closing.content) != closing.hash:
            result.broken_closing = (closing, "the closing's content does not match its hash")
        if result.broken_closing:
            return
        previous[closing.chain_id] = closing.hash
