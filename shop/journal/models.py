"""The sales journal: an append-only chain of entries (sales, returns, voids, refunds) per
store and one for the web shop, each hashed over its content and the previous entry's hash, and
the period closings (day, month, fiscal year), chained the same way. Written only by
`shop.journal.services`; nothing that entered it is ever changed or deleted: the models refuse
it here, the admin shows them read-only and on PostgreSQL a trigger refuses it (migration 0002).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 12, "decimal_places": 2}
WEB_CHAIN = "web"


class AppendOnly(Exception):
    """Raised on any attempt to change or delete what entered the journal."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnly(
            gettext("%(name)s rows are never updated.") % {"name": self.model.__name__}
        )

    def delete(self):
        raise AppendOnly(
            gettext("%(name)s rows are never deleted.") % {"name": self.model.__name__}
        )


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnly(
                gettext("%(name)s %(pk)s is never updated.")
                % {"name": type(self).__name__, "pk": self.pk}
            )
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly(
            gettext("%(name)s %(pk)s is never deleted.")
            % {"name": type(self).__name__, "pk": self.pk}
        )


class JournalChain(models.Model):
    """One chain: a store's till (`key` = the store code) or the web shop (`web`). Its row is
    the lock every append takes, so numbers come one after the other without gaps; the last
    sequence and hash are a convenience for appending, verification never trusts them."""

    key = models.CharField(max_length=40, unique=True)
    store = models.ForeignKey(
        "inventory.Location", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    #: Number of the last entry (receipts, credit notes: their document number).
    last_sequence = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, blank=True)
    last_closing_hash = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return "Web shop" if self.key == WEB_CHAIN else f"Store {self.key}"

    @property
    def prefix(self) -> str:
        """Document numbers: `W-000042` for the web shop, `T-<store>-000042` for a till."""
        return "W" if self.key == WEB_CHAIN else f"T-{self.key.upper()}"


class JournalEntry(AppendOnlyModel):
    class Kind(models.TextChoices):
        SALE = "sale", _("Sale")
        RETURN = "return", _("Return")
        VOID = "void", _("Void")
        #: Money given back outside a return or a void (units cancelled before hand-over).
        REFUND = "refund", _("Refund")

    chain = models.ForeignKey(JournalChain, on_delete=models.PROTECT, related_name="entries")
    #: 1, 2, 3… within the chain, without gaps: the receipt's or credit note's number.
    sequence = models.PositiveBigIntegerField()
    number = models.CharField(max_length=40, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    created_at = models.DateTimeField()
    order = models.ForeignKey(
        "orders.Order", on_delete=models.PROTECT, related_name="journal_entries"
    )
    return_record = models.ForeignKey(
        "orders.Return", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    store = models.ForeignKey(
        "inventory.Location", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(max_length=20)
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    #: Signed: what the customer paid (sale), or minus what was given back (return, void).
    total = models.DecimalField(**MONEY)
    #: Everything the entry says (lines, totals, VAT per rate, tenders, time, store, clerk), as
    #: hashed: `hash` = SHA-256 of `previous_hash` and the canonical JSON of this.
    content = models.JSONField()
    previous_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["chain", "sequence"]
        verbose_name_plural = "journal entries"
        constraints = [
            models.UniqueConstraint(fields=["chain", "sequence"], name="journal_entry_seq_unique"),
        ]
        indexes = [
            models.Index(fields=["chain", "created_at"], name="journal_entry_chain_time"),
            models.Index(fields=["created_at"], name="journal_entry_time"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"


class Closing(AppendOnlyModel):
    """The totals of a chain for one day, month or fiscal year, and since the chain began."""

    class Period(models.TextChoices):
        DAY = "day", _("Day")
        MONTH = "month", _("Month")
        YEAR = "year", _("Fiscal year")

    chain = models.ForeignKey(JournalChain, on_delete=models.PROTECT, related_name="closings")
    period = models.CharField(max_length=10, choices=Period.choices)
    #: First and last day of the period (shop time zone), both included.
    period_start = models.DateField()
    period_end = models.DateField()
    created_at = models.DateTimeField()
    #: Period totals, cumulative totals, the last entry covered (sequence and hash): as hashed.
    content = models.JSONField()
    previous_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["chain", "-period_start", "period"]
        constraints = [
            models.UniqueConstraint(
                fields=["chain", "period", "period_start"], name="closing_once_per_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.chain} {self.get_period_display().lower()} {self.period_start}"


class ReceiptPrint(models.Model):
    """Each time a receipt or invoice is printed or downloaded: the first is the original,
    every later one a duplicate."""

    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="prints")
    copy = models.PositiveIntegerField()
    printed_at = models.DateTimeField(auto_now_add=True)
    printed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entry", "copy"], name="receipt_print_copy_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.entry.number} copy {self.copy}"

    @property
    def is_duplicate(self) -> bool:
        return self.copy > 1


class VatDaily(models.Model):
    """VAT journalled per day, channel and rate (sales less returns, refunds and voids): the
    dashboard's VAT table, rebuilt from the journal with the other report rollups
    (`shop.journal.vat_report.vat_rollup_refresh`), so reading it costs the same at any size."""

    day = models.DateField()
    channel = models.CharField(max_length=20)
    rate = models.DecimalField(max_digits=5, decimal_places=2)
    net = models.DecimalField(**MONEY)
    tax = models.DecimalField(**MONEY)
    gross = models.DecimalField(**MONEY)

    class Meta:
        verbose_name_plural = "VAT per day"
        constraints = [
            models.UniqueConstraint(fields=["day", "channel", "rate"], name="vat_daily_unique")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.channel} {self.rate} %"
