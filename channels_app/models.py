from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class IdempotencyKey(models.Model):
    """A client's `Idempotency-Key` with the response of the first request that used it."""

    class State(models.TextChoices):
        PROCESSING = "processing", _("Processing")
        DONE = "done", _("Done")

    #: Whose key: "user:<id>" or "session:<key>"; two callers may pick the same key.
    scope = models.CharField(max_length=80)
    key = models.CharField(max_length=255)
    #: SHA-256 of method, path and body: the same key with another request is refused.
    request_hash = models.CharField(max_length=64)
    state = models.CharField(max_length=20, choices=State.choices, default=State.PROCESSING)
    #: A token of the request now holding a processing key; only it may finish or free it.
    owner = models.CharField(max_length=32, blank=True)
    #: What the first request returned, replayed for a repeat (for the API: status and body).
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="idempotency_unique_key"),
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.key} ({self.state})"


class FeedSnapshot(models.Model):
    """The last build of one product feed (Google, local inventory, Meta), served as it is until
    stock, reservations or the catalogue change (see `channels_app.feeds.snapshots`)."""

    name = models.CharField(max_length=40, unique=True)
    content = models.TextField()
    content_type = models.CharField(max_length=60)
    #: Quoted strong ETag: a hash of `content`.
    etag = models.CharField(max_length=80)
    built_at = models.DateTimeField()
    #: What the feed was built from; a different fingerprint now means a rebuild is due.
    fingerprint = models.CharField(max_length=64)
    items = models.PositiveIntegerField(default=0)
    #: Items left out or changed, each `{"id", "problem"}`: the feed's validation report.
    report = models.JSONField(default=list, blank=True)
    #: Lines in `report`, so the admin's list need not read the report (or the feed).
    left_out = models.PositiveIntegerField("report lines", default=0)
    build_seconds = models.FloatField(default=0)

    def __str__(self) -> str:
        return self.name


class ChannelCredential(models.Model):
    """A token with which a marketplace integration calls the API, or a kiosk device signs in.
    Only its SHA-256 is kept: the token itself is shown once, when a manager creates it."""

    class Kind(models.TextChoices):
        MARKETPLACE = "marketplace", _("Marketplace integration")
        KIOSK = "kiosk", _("Kiosk device")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    #: The marketplace's code (as orders name it), or the kiosk's label.
    name = models.SlugField(max_length=60)
    #: The store a kiosk stands in (kiosks only).
    store = models.ForeignKey(
        "inventory.Location", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    #: The user the integration acts as (no password; signs in with the token alone).
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="channel_credential"
    )
    digest = models.CharField(max_length=64, unique=True)
    #: The token's last characters, to tell tokens apart in the admin.
    last4 = models.CharField(max_length=4)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="kiosk") | models.Q(store__isnull=False),
                name="kiosk_credential_has_store",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.name} (…{self.last4})"


class MarketplaceOrder(models.Model):
    """A marketplace's order id, claimed before its order is placed: the same marketplace and
    external id twice is one order."""

    marketplace = models.SlugField(max_length=60)
    external_id = models.CharField(max_length=100)
    order = models.OneToOneField(
        "orders.Order", null=True, on_delete=models.PROTECT, related_name="marketplace_ref"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["marketplace", "external_id"], name="marketplace_order_unique_external_id"
            )
        ]

    def __str__(self) -> str:
        return f"{self.marketplace} {self.external_id}"
