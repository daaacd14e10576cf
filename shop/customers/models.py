from django.conf import settings
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.fields.json import KT
from django.db.models.functions import Lower, Replace
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shop.channels import Channel

#: What people type between the digits of a phone number ("+33 (0)6 12-34.56/78").
PHONE_SEPARATORS = (" ", "-", ".", "(", ")", "/", "+")


def phone_digits_expression(field: str = "phone"):
    """The digits of a phone field in SQL: its separators removed."""
    expression = F(field)
    for separator in PHONE_SEPARATORS:
        expression = Replace(expression, Value(separator), Value(""))
    return expression


def email_is(email: str) -> Q:
    """Customers whose email is `email` in any case, found through the unique index on
    Lower(email): `email__iexact` compares UPPER() and reads the whole table. The condition
    repeats the index's predicate (email not empty), or the planner could not use it."""
    return Q(Exact(Lower("email"), Lower(Value(email)))) & ~Q(email="")


class CustomerQuerySet(models.QuerySet):
    def with_email(self, email: str) -> "CustomerQuerySet":
        """The customer (at most one) whose email is `email` in any case."""
        return self.filter(email_is(email))


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
    #: The phone's digits, kept by the database: customers are matched on it, not on the
    #: phone as typed.
    phone_digits = models.GeneratedField(
        expression=phone_digits_expression(),
        output_field=models.CharField(max_length=32),
        db_persist=True,
    )
    #: Agreed to marketing email (cart reminders, offers); asked at sign-up and checkout.
    marketing_consent = models.BooleanField(default=False, db_default=False)
    #: When the answer above was last given; empty if never asked.
    marketing_consent_at = models.DateTimeField(null=True, blank=True)
    #: The language the customer reads (pages once signed in, and emails); empty: the
    #: language of the request, else the shop's default.
    language = models.CharField(max_length=10, blank=True, default="", db_default="")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CustomerQuerySet.as_manager()

    class Meta:
        ordering = ["name", "email", "id"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"), condition=~models.Q(email=""), name="customer_unique_email"
            ),
        ]
        # On PostgreSQL also trigram indexes on UPPER(name) and UPPER(email), for searches by
        # part of either (migration 0003).
        indexes = [
            models.Index(fields=["name", "email", "id"], name="customer_name_order"),
            # Phones are searched by their beginning (LIKE 'prefix%').
            models.Index(
                fields=["phone"], opclasses=["varchar_pattern_ops"], name="customer_phone"
            ),
            models.Index(
                fields=["phone_digits"],
                condition=~models.Q(phone_digits=""),
                name="customer_phone_digits",
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.email or self.phone or f"Customer #{self.pk}"


class CustomerEvent(models.Model):
    """Append-only timeline entry, written by `customer_event_record` (product views in bulk
    by `shop.customers.product_views`). What each kind means for people is said in one place,
    `shop.customers.timeline`; the payload holds only what that needs."""

    class Kind(models.TextChoices):
        PRODUCT_VIEWED = "product_viewed", _("Product viewed")
        CART_LINE_ADDED = "cart_line_added", _("Cart line added")
        CART_LINE_REMOVED = "cart_line_removed", _("Cart line removed")
        CHECKOUT_STARTED = "checkout_started", _("Checkout started")
        ORDER_PLACED = "order_placed", _("Order placed")
        POS_SALE = "pos_sale", _("Store purchase")
        PICKUP_READY = "pickup_ready", _("Ready for pickup")
        PICKUP_COLLECTED = "pickup_collected", _("Collected")
        PICKUP_EXPIRED = "pickup_expired", _("Pickup expired")
        ORDER_RETURNED = "order_returned", _("Return")
        SIGNED_UP = "signed_up", _("Signed up")
        TICKET_OPENED = "ticket_opened", _("Service request opened")
        TICKET_MESSAGE = "ticket_message", _("Service request message")
        TICKET_STATUS = "ticket_status", _("Service request status")
        TICKET_NOTE = "ticket_note", _("Internal note on a service request")
        CART_LINE_UPDATED = "cart_line_updated", _("Cart quantity changed")
        ORDER_SHIPPED = "order_shipped", _("Order shipped")
        ORDER_CANCELLED = "order_cancelled", _("Order cancelled")
        REFUND = "refund", _("Refund")
        EMAIL_SENT = "email_sent", _("Email sent")
        CUSTOMERS_MERGED = "customers_merged", _("Customers merged")
        PICK_NOT_FOUND = "pick_not_found", _("Item not found when picking")
        STORED_VALUE_ISSUED = "stored_value_issued", _("Gift card or store credit issued")
        STORED_VALUE_REDEEMED = "stored_value_redeemed", _("Gift card or store credit spent")
        REMINDER_CLICKED = "reminder_clicked", _("Followed the reminder link")
        REMINDER_RECOVERED = "reminder_recovered", _("Ordered after a reminder")

    #: Kinds only staff see: the customer's own timeline leaves them out.
    STAFF_ONLY_KINDS = frozenset({Kind.TICKET_NOTE, Kind.CUSTOMERS_MERGED})

    #: Empty for an anonymous visitor's product view until they sign in or check out.
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    #: The anonymous visitor (their `visitor` cookie) whose view this was; kept after the view
    #: joins a customer, so views flushed later join the same one.
    visitor = models.CharField(max_length=40, blank=True)
    kind = models.CharField(max_length=40, choices=Kind.choices)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    store = models.ForeignKey(
        "inventory.Location", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    #: When it happened (a buffered product view is written later with its own time).
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    payload = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The timeline: one customer's events, newest first, a page after a cursor.
            models.Index(fields=["customer", "-created_at", "-id"], name="event_timeline"),
            models.Index(fields=["visitor"], condition=~models.Q(visitor=""), name="event_visitor"),
            # The admin's list filtered by kind, newest first.
            models.Index(fields=["kind", "-created_at", "-id"], name="event_kind_newest"),
            # The checkout of a cart (its id in the payload): whose email a cart left behind
            # after checkout is reminded to (shop.marketing).
            models.Index(
                KT("payload__cart"),
                condition=models.Q(kind="checkout_started"),
                name="event_checkout_cart",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(customer__isnull=False) | ~models.Q(visitor=""),
                name="event_has_customer_or_visitor",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_channel_display()})"


class Address(models.Model):
    """An address in a signed-in customer's address book (`shop.customers.addresses`)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="addresses")
    name = models.CharField(max_length=200)
    line1 = models.CharField(max_length=200)
    line2 = models.CharField(max_length=200, blank=True)
    postcode = models.CharField(max_length=20)
    city = models.CharField(max_length=100)
    #: ISO 3166 alpha-2.
    country = models.CharField(max_length=2)
    #: At most one of each per customer: what checkout picks first.
    is_default_shipping = models.BooleanField(default=False)
    is_default_billing = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_default_shipping", "-id"]
        verbose_name_plural = "addresses"
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=Q(is_default_shipping=True),
                name="address_one_default_shipping",
            ),
            models.UniqueConstraint(
                fields=["customer"],
                condition=Q(is_default_billing=True),
                name="address_one_default_billing",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}, {self.line1}, {self.postcode} {self.city} {self.country}"

    def as_dict(self) -> dict:
        """The address as checkout and orders take it (API.md)."""
        data = {
            "name": self.name,
            "line1": self.line1,
            "postcode": self.postcode,
            "city": self.city,
            "country": self.country,
        }
        if self.line2:
            data["line2"] = self.line2
        return data
