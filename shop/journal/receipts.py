"""Printing a sale's receipt or invoice: the first print is the original, every later one is
logged and marked DUPLICATE (as the law on till software requires)."""

from django.db import IntegrityError, transaction
from django.db.models import Max

from shop.journal.models import JournalEntry, ReceiptPrint
from shop.orders.models import Order


def sale_entry(order: Order) -> JournalEntry | None:
    """The journal entry of the order's sale: its number is the receipt's or invoice's."""
    return JournalEntry.objects.filter(order=order, kind=JournalEntry.Kind.SALE).first()


def receipt_print(*, order: Order, user=None) -> ReceiptPrint | None:
    """Logs one print of the order's receipt and says which copy it is (None: the order is not
    in the journal, it was never sold)."""
    entry = sale_entry(order)
    if entry is None:
        return None
    for _ in range(5):  # another print of the same receipt at the same moment takes the number
        copy = (entry.prints.aggregate(last=Max("copy"))["last"] or 0) + 1
        try:
            with transaction.atomic():
                printed = ReceiptPrint.objects.create(
                    entry=entry,
                    copy=copy,
                    printed_by=user if user and user.is_authenticated else None,
                )
        except IntegrityError:
            continue
        printed.entry = entry
        return printed
    raise RuntimeError(f"Could not log a print of {entry.number}.")
