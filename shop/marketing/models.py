"""Cart reminders and recommendations; touches, each order's attribution and the report
rollups."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ReminderProgram(models.Model):
    """One row: when abandoned-cart reminders were switched on. Carts idle since before then
    are never reminded (a shop switching the feature on must not mail years-old carts)."""

    switched_on_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Cart reminders on since {self.switched_on_at:%Y-%m-%d %H:%M}"


class CartReminder(models.Model):
    """One abandoned cart, claimed once: the row is inserted before anything is sent, so two
    runs of the job (or a redelivered task) meet on its unique key and only one acts. Either
    the reminder was sent, or it was skipped with a reason. Reports read it: `clicked_at` is
    the first visit of the restore link, `recovered_order` the order it led to."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Claimed")
        SENT = "sent", pgettext_lazy("reminder status", "Sent")
        SKIPPED = "skipped", pgettext_lazy("reminder status", "Skipped")

    class SkipReason(models.TextChoices):
        PAID_SINCE = "paid_since", _("Paid an order since the cart was last touched")
        NO_CONSENT = "no_consent", _("No consent to marketing email")
        NOTHING_SELLABLE = "nothing_sellable", _("Nothing in the cart can be sold any more")
        BEFORE_SWITCH_ON = "before_switch_on", _("Idle since before reminders were switched on")

    cart = models.ForeignKey("carts.Cart", on_delete=models.CASCADE, related_name="+")
    #: When the cart's current contents began (its oldest line): one reminder per filling of
    #: the cart, however often the job runs; an emptied and refilled cart may get another.
    cart_started_at = models.DateTimeField()
    #: The cart's last change as the job saw it.
    cart_touched_at = models.DateTimeField()
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    email = models.EmailField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    skip_reason = models.CharField(max_length=20, choices=SkipReason.choices, blank=True)
    #: The single-use first-order code it carried, if the customer had never ordered.
    promotion = models.OneToOneField(
        "carts.Promotion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    clicked_at = models.DateTimeField(null=True, blank=True)
    recovered_order = models.OneToOneField(
        "orders.Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recovered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cart", "cart_started_at"], name="reminder_one_per_cart_filling"
            ),
            models.CheckConstraint(
                condition=Q(status="skipped") ^ Q(skip_reason=""), name="reminder_skip_has_reason"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="reminder_status_newest"),
            models.Index(
                fields=["email", "-sent_at"],
                condition=Q(status="sent", recovered_order__isnull=True),
                name="reminder_open_by_email",
            ),
        ]

    def __str__(self) -> str:
        return f"Reminder of cart {self.cart_id} to {self.email}"


class ProductSimilarity(models.Model):
    """Item-to-item: customers who showed interest in `product` also did in `similar`
    (purchases on every channel, views, cart adds; returns count against). Rebuilt by the
    `build_recommendations` job; requests only read it."""

    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="+")
    similar = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="+")
    #: Co-occurrence normalised by both items' popularity (cosine), 0 to 1.
    score = models.FloatField()
    #: Customers interested in both.
    support = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["product", "similar"], name="similarity_unique_pair"),
        ]
        indexes = [models.Index(fields=["product", "-score"], name="similarity_by_product")]

    def __str__(self) -> str:
        return f"{self.product_id} → {self.similar_id} ({self.score:.2f})"


class ProductPopularity(models.Model):
    """Net units sold on every channel (returns taken off), for the cold start: a category's
    best sellers. Rebuilt with the similarities."""

    product = models.OneToOneField("catalog.Product", on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey("catalog.Category", on_delete=models.CASCADE, related_name="+")
    units = models.IntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["category", "-units"], name="popularity_by_category"),
            models.Index(fields=["-units"], name="popularity_overall"),
        ]

    def __str__(self) -> str:
        return f"{self.product_id}: {self.units}"


# Touches (what brought a visitor), each order's attribution, and the report rollups.

MONEY = {"max_digits": 14, "decimal_places": 2}


class Touch(models.Model):
    """One contact of a visitor or customer with the shop: a visit from a campaign, a search
    engine, another site, an email; a sale at the till, a kiosk or marketplace order; a QR scan."""

    class Group(models.TextChoices):
        DIRECT = "direct", _("Direct")
        ORGANIC_SEARCH = "organic_search", _("Organic search")
        PAID_SEARCH = "paid_search", _("Paid search")
        SOCIAL = "social", _("Social")
        EMAIL = "email", _("Email")
        REFERRAL = "referral", _("Referral")
        #: A QR code printed in a store or on its windows (utm_medium=qr).
        QR = "qr", _("Store QR code")

    #: A channel group above, or the sales channel of an order placed off the website
    #: ("pos", "kiosk", "marketplace", ...): those are touches of their own channel.
    channel = models.CharField(max_length=20, db_index=True)
    source = models.CharField(max_length=100, blank=True)
    medium = models.CharField(max_length=100, blank=True)
    campaign = models.CharField(max_length=100, blank=True)
    #: gclid, fbclid or "" : the kind of ad click id the visit carried.
    click_id = models.CharField(max_length=10, blank=True)
    referrer_host = models.CharField(max_length=255, blank=True)
    landing_path = models.CharField(max_length=300, blank=True)
    #: The store the touch happened in or for (a till sale, a store's QR code).
    store = models.ForeignKey(
        "inventory.Location", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: The anonymous browser (the `visitor` cookie) until it is joined to a customer.
    visitor = models.CharField(max_length=32, blank=True)
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["visitor", "at"], name="touch_visitor_at"),
            models.Index(fields=["customer", "at"], name="touch_customer_at"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.source or '-'} {self.campaign or ''}".strip()


class OrderAttribution(models.Model):
    """What an order is credited to, fixed when it is placed and never rewritten later."""

    order = models.OneToOneField(
        "orders.Order", primary_key=True, on_delete=models.CASCADE, related_name="attribution"
    )
    placed_at = models.DateTimeField(db_index=True)
    #: The touches within the lookback window before the order, oldest first.
    first_touch = models.ForeignKey(Touch, on_delete=models.PROTECT, related_name="+")
    last_touch = models.ForeignKey(Touch, on_delete=models.PROTECT, related_name="+")
    #: The last touch that was not a direct visit (the last touch when all were direct).
    last_non_direct_touch = models.ForeignKey(Touch, on_delete=models.PROTECT, related_name="+")
    #: How many touches share the order under the linear model (`OrderTouch` rows).
    touch_count = models.PositiveSmallIntegerField()

    def __str__(self) -> str:
        return f"Attribution of order {self.order_id}"


class OrderTouch(models.Model):
    """One touch on an order's path, for the linear model."""

    attribution = models.ForeignKey(OrderAttribution, on_delete=models.CASCADE, related_name="path")
    touch = models.ForeignKey(Touch, on_delete=models.PROTECT, related_name="+")
    #: 0 for the oldest touch: linear shares give the leftover cents to the first positions.
    position = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["attribution", "position"], name="ordertouch_one_per_position"
            )
        ]

    def __str__(self) -> str:
        return f"Touch {self.position + 1} of order {self.attribution_id}"


class AttributionModel(models.TextChoices):
    LAST_TOUCH = "last_touch", _("Last touch")
    FIRST_TOUCH = "first_touch", _("First touch")
    LINEAR = "linear", _("Linear")
    LAST_NON_DIRECT = "last_non_direct", _("Last non-direct touch")


class ChannelDaily(models.Model):
    """Rollup: one day's sales and returns credited to a touch's channel, source and campaign,
    by the order's sales channel and store, under one attribution model. Rebuilt by
    `reports_refresh`; reports read only this table."""

    day = models.DateField()
    model = models.CharField(max_length=20, choices=AttributionModel.choices)
    #: The channel the order was sold through (web, pos, kiosk, marketplace, ...).
    sales_channel = models.CharField(max_length=20)
    #: The credited touch's channel (a channel group, or a sales channel of its own).
    channel = models.CharField(max_length=20)
    source = models.CharField(max_length=100, blank=True)
    campaign = models.CharField(max_length=100, blank=True)
    #: The order's store code, "" for web delivery (denormalised: reports join nothing).
    store = models.CharField(max_length=32, blank=True)
    #: Orders credited here (an order shared by the linear model counts once in each row).
    orders = models.PositiveIntegerField(default=0)
    revenue = models.DecimalField(**MONEY, default=0)
    #: Refunded on returns made that day, credited as the returned order was.
    returns = models.DecimalField(**MONEY, default=0)

    class Meta:
        indexes = [models.Index(fields=["model", "day"], name="channeldaily_model_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.model} {self.channel} {self.source}"


class CollectDaily(models.Model):
    """Rollup: one day's orders of a store and how many were click-and-collect, collected or
    left to expire (orders counted on the day they were placed)."""

    day = models.DateField()
    store = models.CharField(max_length=32, blank=True)
    sales_channel = models.CharField(max_length=20)
    orders = models.PositiveIntegerField(default=0)
    collect_orders = models.PositiveIntegerField(default=0)
    collected = models.PositiveIntegerField(default=0)
    expired = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["day"], name="collectdaily_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.store or 'web'} {self.sales_channel}"


class ReminderDaily(models.Model):
    """Rollup: the cart reminders handled on one day with one outcome (sent, or skipped for a
    reason), and what the sent ones led to, counted back on the day they were sent so a day's
    rates read directly. Rebuilt by `reports_refresh` with the other rollups."""

    day = models.DateField()
    status = models.CharField(max_length=10, choices=CartReminder.Status.choices)
    skip_reason = models.CharField(
        max_length=20, choices=CartReminder.SkipReason.choices, blank=True
    )
    reminders = models.PositiveIntegerField(default=0)
    #: Reminders whose link was followed at least once.
    clicked = models.PositiveIntegerField(default=0)
    #: Reminders that recovered an order still sold (not cancelled or expired).
    recovered_orders = models.PositiveIntegerField(default=0)
    #: Those orders' totals less what their returns refunded.
    recovered_revenue = models.DecimalField(**MONEY, default=0)

    class Meta:
        indexes = [models.Index(fields=["day"], name="reminderdaily_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.skip_reason or self.status}: {self.reminders}"
