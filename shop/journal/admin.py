"""The journal in the admin: read only (nothing in it is ever changed), and the Z report of
each closing, printable from its page."""

from django.contrib import admin
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from shop.admin_base import LargeTableMixin, ReadOnlyAdmin
from shop.journal.legal import seller_details
from shop.journal.models import Closing, JournalChain, JournalEntry, ReceiptPrint, VatDaily


@admin.register(JournalChain)
class JournalChainAdmin(ReadOnlyAdmin):
    list_display = ["key", "store", "last_sequence", "last_hash"]


@admin.register(JournalEntry)
class JournalEntryAdmin(LargeTableMixin, ReadOnlyAdmin):
    list_display = ["number", "kind", "created_at", "chain", "channel", "total", "order"]
    list_filter = ["kind", "chain"]
    list_select_related = ["chain", "order"]
    search_fields = ["=number"]
    ordering = ["-created_at", "-id"]
    fields = [
        "number",
        "kind",
        "created_at",
        "chain",
        "sequence",
        "order",
        "return_record",
        "store",
        "channel",
        "clerk",
        "total",
        "content",
        "previous_hash",
        "hash",
    ]


@admin.register(Closing)
class ClosingAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "period", "period_start", "period_end", "total", "created_at"]
    list_filter = ["period", "chain"]
    list_select_related = ["chain"]
    ordering = ["-period_start", "chain__key", "period"]
    fields = ["z_report", "chain", "period", "period_start", "period_end", "created_at", "hash"]
    readonly_fields = ["z_report"]

    class Media:
        js = ["js/print-button.js"]

    @admin.display(description="Total")
    def total(self, closing):
        return closing.content["totals"]["total"]

    @admin.display(description="Z report")
    def z_report(self, closing):
        html = render_to_string(
            "journal/z_report.html", {"closing": closing, "seller": seller_details()}
        )
        return mark_safe(html)  # the template escapes what it shows


@admin.register(ReceiptPrint)
class ReceiptPrintAdmin(ReadOnlyAdmin):
    list_display = ["entry", "copy", "printed_at", "printed_by"]
    list_select_related = ["entry", "printed_by"]
    ordering = ["-printed_at", "-id"]


@admin.register(VatDaily)
class VatDailyAdmin(ReadOnlyAdmin):
    """The VAT rollup the dashboard reads; rebuilt from the journal, never edited."""

    list_display = ["day", "channel", "rate", "net", "tax", "gross"]
    list_filter = ["channel", "rate"]
    ordering = ["-day", "channel", "rate"]
