from django.conf import settings
from django.db import models
from django.db.models.functions import Lower

from shop.channels import Channel


class Customer(models.Model):
    """One person across every channel: the web account, the store till, click-and-collect."""

    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=32, blank=True)
    name = models.CharField(max_length=150, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="customer",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "email"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"), condition=~models.Q(email=""), name="customer_unique_email"
            ),
        ]
        indexes = [models.Index(fields=["phone"])]

    def __str__(self) -> str:
        return self.name or self.email or self.phone or f"Customer #{self.pk}"


class CustomerEvent(models.Model):
    """Append-only timeline entry; written only by `customer_event_record`."""

    class Kind(models.TextChoices):
        PRODUCT_VIEWED = "product_viewed", "Product viewed"
        CART_LINE_ADDED = "cart_line_added", "Cart line added"
        CART_LINE_REMOVED = "cart_line_removed", "Cart line removed"
        CHECKOUT_STARTED = "checkout_started", "Checkout started"
        ORDER_PLACED = "order_placed", "Order placed"
        POS_SALE = "pos_sale", "Store purchase"
        PICKUP_READY = "pickup_ready", "Ready for pickup"
        PICKUP_COLLECTED = "pickup_collected", "Collected"
        PICKUP_EXPIRED = "pickup_expired", "Pickup expired"
        ORDER_RETURNED = "order_returned", "Return"
        SIGNED_UP = "signed_up", "Signed up"
        TICKET_OPENED = "ticket_opened", "Service request opened"
        TICKET_MESSAGE = "ticket_message", "Service request message"
        TICKET_STATUS = "ticket_status", "Service request status"

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=40, choices=Kind.choices)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    store = models.ForeignKey(
        "inventory.Location", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    payload = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["customer", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_channel_display()})"
