"""Orders tell the journal about voids, returns and cancelled lines through signals (orders
never import it)."""

from django.conf import settings
from django.dispatch import receiver

from shop.journal.invoices import invoice_pdf
from shop.journal.receipts import receipt_print
from shop.journal.services import (
    journal_lock_chain,
    journal_record_line_cancel,
    journal_record_return,
    journal_record_void,
)
from shop.orders.signals import (
    order_amending,
    order_email_attachments,
    order_line_cancelled,
    order_returned,
    order_voided,
)


@receiver(order_voided, dispatch_uid="journal_void")
def _record_void(sender, *, order, channel, user=None, **kwargs):
    journal_record_void(order=order, channel=channel, user=user)


@receiver(order_returned, dispatch_uid="journal_return")
def _record_return(sender, *, record, **kwargs):
    journal_record_return(record=record)


@receiver(order_amending, dispatch_uid="journal_lock_before_stock")
def _lock_chain(sender, *, order, **kwargs):
    journal_lock_chain(order=order)


@receiver(order_line_cancelled, dispatch_uid="journal_line_cancel")
def _record_line_cancel(sender, *, signal, **details):
    journal_record_line_cancel(**details)


@receiver(order_email_attachments, dispatch_uid="journal_invoice_attachment")
def _invoice_attachment(sender, *, order, kind, **kwargs):
    """With INVOICE_PDF_IN_EMAIL, the confirmation and the till receipt carry the invoice."""
    if not settings.INVOICE_PDF_IN_EMAIL or kind not in ("confirmation", "receipt"):
        return None
    printed = receipt_print(order=order)
    if printed is None:
        return None
    pdf = invoice_pdf(order=order, printed=printed)
    return (f"invoice-{printed.entry.number}.pdf", pdf, "application/pdf")
