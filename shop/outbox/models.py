from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    """A side effect (an email, a refund, a feed rebuild) that must happen because of a change.

    Written in the same transaction as that change, so it exists exactly when the change does;
    delivered afterwards by a task, or by the beat sweeper when the task was lost.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DONE = "done", _("Delivered")
        #: Gave up after the last attempt; a manager can send it again from the admin.
        FAILED = "failed", _("Failed")

    #: Which handler delivers it (`shop.outbox.handlers`), e.g. "orders.email".
    topic = models.CharField(max_length=60)
    #: Unique per side effect ("order:12:confirmation"): the same one asked twice is one row.
    key = models.CharField(max_length=200, unique=True)
    payload = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    #: Not tried before this time: a claim sets it one lease ahead, a failure one backoff.
    available_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["available_at"],
                condition=models.Q(status="pending"),
                name="outbox_pending_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.topic} {self.key} ({self.status})"
