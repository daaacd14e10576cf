from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

MONEY = {"max_digits": 12, "decimal_places": 2}


class Cart(models.Model):
    """The one open cart of a customer (or of an anonymous session), shared by every channel."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("cart status", "Open")
        MERGED = "merged", _("Merged into the customer's cart")

    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.CASCADE, related_name="carts"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    #: Short code (and QR code) with which a clerk loads this cart at the till.
    handoff_code = models.CharField(max_length=12)
    promotions = models.ManyToManyField("carts.Promotion", blank=True, related_name="+")
    #: The order whose payment is under way; a second checkout of this cart waits for it.
    pending_order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["customer"], condition=Q(status="open"), name="cart_one_open_per_customer"
            ),
            models.UniqueConstraint(
                fields=["handoff_code"], condition=Q(status="open"), name="cart_unique_handoff"
            ),
        ]

    def __str__(self) -> str:
        return f"Cart {self.handoff_code}"


class CartLine(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey("catalog.Variant", on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField()
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "variant"], name="cartline_unique_variant"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="cartline_qty_gt_0"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.variant_id}"


class PromotionQuerySet(models.QuerySet):
    def running(self, now=None) -> "PromotionQuerySet":
        now = now or timezone.now()
        return self.filter(
            Q(is_active=True),
            Q(starts_at__isnull=True) | Q(starts_at__lte=now),
            Q(ends_at__isnull=True) | Q(ends_at__gt=now),
        )


class Promotion(models.Model):
    """A discount that prices the same on every channel (the web, the till, an order)."""

    class Kind(models.TextChoices):
        PERCENTAGE = "percentage", _("Percentage off")
        FIXED = "fixed", _("Fixed amount off")

    name = models.CharField(max_length=120)
    #: Empty: applied automatically to every cart that qualifies. Otherwise entered by code.
    code = models.CharField(max_length=40, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    #: Percent (e.g. 15.00) or amount in the shop currency, by `kind`.
    value = models.DecimalField(**MONEY)
    #: Empty both: the whole cart. Otherwise only lines of these categories or variants.
    categories = models.ManyToManyField("catalog.Category", blank=True, related_name="+")
    variants = models.ManyToManyField("catalog.Variant", blank=True, related_name="+")
    min_subtotal = models.DecimalField(**MONEY, default=0)
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    #: How many orders may use it in all; empty for no limit.
    usage_limit = models.PositiveIntegerField(null=True, blank=True)
    #: Uses counted against `usage_limit`; kept only while there is a limit (every use is a
    #: `PromotionUsage`, so a promotion without a limit is not written by the sales it applies to).
    times_used = models.PositiveIntegerField(default=0)
    first_order_only = models.BooleanField(default=False)
    #: Only for the customer with this email (e.g. a cart reminder's first-order code);
    #: empty for everyone.
    email = models.EmailField(blank=True)
    is_active = models.BooleanField(default=True)

    objects = PromotionQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"], condition=~Q(code=""), name="promotion_unique_code"
            ),
            models.CheckConstraint(condition=Q(value__gt=0), name="promotion_value_gt_0"),
            models.CheckConstraint(
                condition=~Q(kind="percentage") | Q(value__lte=100),
                name="promotion_percentage_lte_100",
            ),
            models.CheckConstraint(
                condition=Q(usage_limit__isnull=True) | Q(times_used__lte=F("usage_limit")),
                name="promotion_usage_within_limit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})" if self.code else self.name


class PromotionUsage(models.Model):
    """One order that used a promotion, with what it took off."""

    promotion = models.ForeignKey(Promotion, on_delete=models.PROTECT, related_name="usages")
    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="promotions")
    amount = models.DecimalField(**MONEY)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["promotion", "order"], name="usage_unique_order"),
        ]

    def __str__(self) -> str:
        return f"{self.promotion} on {self.order}"


class TillDevice(models.Model):
    """A till (a browser on a store's counter) that may sell offline. Its number is part of
    every receipt number it prints: `{store}-{device}-{sequence}`."""

    #: Made by the device the first time it opens the till, kept in its storage.
    uuid = models.UUIDField(unique=True)
    store = models.ForeignKey("inventory.Location", on_delete=models.PROTECT, related_name="+")
    #: 1, 2, 3... within the store.
    number = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "number"], name="till_device_unique_number"),
        ]

    def __str__(self) -> str:
        return f"till {self.number} @ {self.store_id}"


class TillSale(models.Model):
    """A sale the till made on the device (online or offline) and sent with its own id: the
    same `client_sale_id` sent again answers with this sale, never a second one."""

    client_sale_id = models.UUIDField(unique=True)
    order = models.OneToOneField("orders.Order", on_delete=models.PROTECT, related_name="till_sale")
    device = models.ForeignKey(TillDevice, on_delete=models.PROTECT, related_name="sales")
    #: The device's receipt counter: 1, 2, 3... with no gap.
    sequence = models.PositiveIntegerField()
    receipt_number = models.CharField(max_length=60, unique=True)
    #: When the sale was made on the device, if it was offline.
    created_offline_at = models.DateTimeField(null=True, blank=True)
    #: What the customer paid, and what the server's pricing said when the sale arrived.
    paid_total = models.DecimalField(**MONEY)
    priced_total = models.DecimalField(**MONEY)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["device", "sequence"], name="till_sale_unique_sequence"
            ),
        ]

    def __str__(self) -> str:
        return self.receipt_number

    @property
    def price_difference(self):
        """Paid minus priced: flagged for a manager, never charged again."""
        return self.paid_total - self.priced_total


class TillCart(models.Model):
    """The sale a clerk is ringing up at a store's till (the online till's pages). Its scanned
    items and promotion codes are a cart owned by the till, priced and completed like any
    cart; a shopper's cart loaded by its handoff code takes its place until the sale ends."""

    store = models.ForeignKey("inventory.Location", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    #: The till's own cart: the scanned items and codes of a walk-in sale.
    cart = models.OneToOneField(Cart, on_delete=models.CASCADE, related_name="till")
    #: A shopper's cart loaded at the till; it is the sale while it is loaded.
    loaded_cart = models.ForeignKey(
        Cart, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "user"], name="till_cart_one_per_clerk"),
        ]

    def __str__(self) -> str:
        return f"till sale of {self.user_id} @ {self.store_id}"
