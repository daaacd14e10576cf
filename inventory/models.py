from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shop.channels import Channel


class Location(models.Model):
    class Kind(models.TextChoices):
        STORE = "store", _("Store")
        WAREHOUSE = "warehouse", _("Warehouse")

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    #: Shoppers may pick up click-and-collect orders here.
    click_and_collect = models.BooleanField(default=False)
    #: Stock here counts towards "available online" and may be shipped to delivery orders.
    ships_online = models.BooleanField(default=False)
    address = models.CharField(max_length=255, blank=True)
    #: Where the location is (WGS 84 degrees): delivery allocation and pick-failure transfers
    #: prefer the nearest location. Empty: the location comes after those with coordinates.
    latitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)
    longitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class Stock(models.Model):
    """Units of one variant at one location. Written only by `inventory.services`."""

    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="stocks")
    variant = models.ForeignKey("catalog.Variant", on_delete=models.PROTECT, related_name="stocks")
    #: Physical units on the premises; always the sum of this row's ledger movements.
    on_hand = models.IntegerField(default=0)
    #: Units held by active reservations (also those past expiry that no sweeper released yet).
    reserved = models.IntegerField(default=0)
    #: Units kept back from online promises against miscounts and shrinkage.
    safety_stock = models.IntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["location", "variant"]
        constraints = [
            models.UniqueConstraint(fields=["location", "variant"], name="stock_unique_location"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stock_on_hand_gte_0"),
            models.CheckConstraint(
                condition=Q(reserved__gte=0) & Q(reserved__lte=F("on_hand")),
                name="stock_reserved_within_on_hand",
            ),
            models.CheckConstraint(condition=Q(safety_stock__gte=0), name="stock_safety_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.variant.sku} @ {self.location.code}: {self.on_hand}"


class ReservationQuerySet(models.QuerySet):
    def active(self) -> "ReservationQuerySet":
        """Reservations that still hold stock: active and not past their expiry."""
        return self.filter(state=Reservation.State.ACTIVE).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now())
        )

    def expired_unreleased(self) -> "ReservationQuerySet":
        """Past expiry but not yet released by the sweeper: these no longer count."""
        return self.filter(state=Reservation.State.ACTIVE, expires_at__lte=timezone.now())


class Reservation(models.Model):
    class State(models.TextChoices):
        ACTIVE = "active", _("Active")
        COMMITTED = "committed", _("Committed (sold)")
        RELEASED = "released", _("Released")
        EXPIRED = "expired", _("Expired")

    order_line = models.ForeignKey(
        "orders.OrderLine", on_delete=models.PROTECT, related_name="reservations"
    )
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="reservations")
    variant = models.ForeignKey("catalog.Variant", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    #: Empty for reservations that never lapse (delivery orders awaiting shipment).
    expires_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = ReservationQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["location", "variant"],
                condition=Q(state="active"),
                name="reservation_active_stock",
            ),
            models.Index(
                fields=["expires_at"], condition=Q(state="active"), name="reservation_active_expiry"
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="reservation_qty_gt_0"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.variant_id} @ {self.location_id} ({self.state})"


class StockMovement(models.Model):
    """The append-only stock ledger: one row per change of on-hand units."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", pgettext_lazy("stock movement", "Receipt")
        SALE = "sale", _("Sale")
        RESERVATION_COMMIT = "reservation_commit", _("Reservation committed")
        RETURN = "return", _("Return")
        TRANSFER_IN = "transfer_in", _("Transfer in")
        TRANSFER_OUT = "transfer_out", _("Transfer out")
        ADJUSTMENT = "adjustment", _("Adjustment")

    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="movements")
    variant = models.ForeignKey("catalog.Variant", on_delete=models.PROTECT, related_name="+")
    #: Signed change of on-hand units.
    quantity = models.IntegerField()
    kind = models.CharField(max_length=30, choices=Kind.choices)
    reference = models.CharField(max_length=120, blank=True)
    #: For adjustments: count, damage, theft or other.
    reason = models.CharField(max_length=20, blank=True)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    #: When it happened on the shop floor, for a sale recorded after the fact (an offline
    #: till's, sent once the line is back); null: at `created_at`. Counts compare with it.
    occurred_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["location", "variant", "-id"]),
            # The admin's ledger filtered by kind, newest first.
            models.Index(fields=["kind", "-created_at", "-id"], name="movement_kind_newest"),
            # One location's sales or counts over a period (count suggestions, accuracy).
            models.Index(
                fields=["location", "kind", "created_at"], name="movement_location_kind_time"
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(quantity=0), name="movement_qty_not_0"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.quantity:+d} {self.variant_id} @ {self.location_id}"


class StockDiscrepancy(models.Model):
    """Units a sale handed over that the books could not give: an offline till sale of a unit
    that another channel sold or promised meanwhile. Stock never goes negative and a
    collector's unit is never taken for it; a manager resolves it (count, transfer, write off).
    """

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("discrepancy status", "Open")
        RESOLVED = "resolved", pgettext_lazy("discrepancy status", "Resolved")

    class Resolution(models.TextChoices):
        COUNT = "count", _("Counted: the units were there")
        TRANSFER = "transfer", _("Transferred in from another location")
        WRITE_OFF = "write_off", _("Written off")

    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="discrepancies")
    variant = models.ForeignKey("catalog.Variant", on_delete=models.PROTECT, related_name="+")
    #: Units sold but not taken from stock.
    quantity = models.PositiveIntegerField()
    #: Units the sale wanted and the free units found when it was recorded.
    requested = models.PositiveIntegerField()
    available = models.PositiveIntegerField()
    channel = models.CharField(max_length=20, choices=Channel.choices)
    reference = models.CharField(max_length=120, blank=True)
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    resolution = models.CharField(max_length=20, choices=Resolution.choices, blank=True)
    note = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "stock discrepancies"
        indexes = [
            models.Index(
                fields=["location", "status", "-created_at"], name="discrepancy_store_open"
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="discrepancy_qty_gt_0"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.variant_id} @ {self.location_id} ({self.status})"


class PostcodeCentroid(models.Model):
    """The centre of a postcode or of a postcode prefix (an area, a district), so that the
    distance from a location to a delivery address is known without geocoding it."""

    country = models.CharField(max_length=2)
    #: Upper case, without spaces: "75011", "SW1A", "SW".
    prefix = models.CharField(max_length=12)
    latitude = models.DecimalField(max_digits=8, decimal_places=5)
    longitude = models.DecimalField(max_digits=8, decimal_places=5)

    class Meta:
        ordering = ["country", "prefix"]
        constraints = [
            models.UniqueConstraint(fields=["country", "prefix"], name="postcode_centroid_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.country} {self.prefix}"


class StockCount(models.Model):
    """A cycle count: what a clerk found on the shelf for some SKUs at one location. Written
    only by `inventory.counts`."""

    class Source(models.TextChoices):
        COUNT = "count", _("Cycle count")
        #: A unit a clerk could not find when picking an order.
        NOT_FOUND = "not_found", _("Not found when picking")

    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="counts")
    #: When the clerk started counting: movements after it happened while they counted.
    started_at = models.DateTimeField()
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.COUNT)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    reference = models.CharField(max_length=120, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["location", "-created_at"], name="count_location_newest")]

    def __str__(self) -> str:
        return f"Count at {self.location} on {self.created_at:%Y-%m-%d %H:%M}"


class StockCountLine(models.Model):
    count = models.ForeignKey(StockCount, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey("catalog.Variant", on_delete=models.PROTECT, related_name="+")
    #: What the record held when counting started: on hand then, movements since taken out.
    expected = models.IntegerField()
    counted = models.PositiveIntegerField()
    #: When this SKU was counted (its first scan): movements after it are not variances.
    counted_at = models.DateTimeField()
    #: counted − expected: negative when units are missing.
    variance = models.IntegerField()
    #: The signed adjustment posted (the variance, unless it would have taken held units).
    adjusted = models.IntegerField(default=0)
    #: Units promised to orders that the shelf does not have: left reserved, a pick problem.
    reserved_shortfall = models.PositiveIntegerField(default=0)
    movement = models.OneToOneField(
        StockMovement, null=True, blank=True, on_delete=models.PROTECT, related_name="count_line"
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["count", "variant"], name="count_line_unique_variant"),
        ]

    def __str__(self) -> str:
        return f"{self.variant_id}: {self.counted} counted, {self.variance:+d}"
