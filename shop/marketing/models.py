from django.db import models
from django.db.models import Q


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
        PENDING = "pending", "Claimed"
        SENT = "sent", "Sent"
        SKIPPED = "skipped", "Skipped"

    class SkipReason(models.TextChoices):
        PAID_SINCE = "paid_since", "Paid an order since the cart was last touched"
        NO_CONSENT = "no_consent", "No consent to marketing email"
        NOTHING_SELLABLE = "nothing_sellable", "Nothing in the cart can be sold any more"
        BEFORE_SWITCH_ON = "before_switch_on", "Idle since before reminders were switched on"

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
