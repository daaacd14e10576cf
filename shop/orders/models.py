from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shop.channels import Channel

MONEY = {"max_digits": 12, "decimal_places": 2}


class Order(models.Model):
    class Fulfilment(models.TextChoices):
        DELIVERY = "delivery", _("Delivery")
        COLLECT = "collect", _("Click and collect")
        IN_STORE = "in_store", _("In store")

    class Status(models.TextChoices):
        PENDING_PAYMENT = "pending_payment", _("Awaiting payment")
        PAYMENT_FAILED = "payment_failed", _("Payment failed")
        PLACED = "placed", _("Placed")
        READY_FOR_PICKUP = "ready_for_pickup", _("Ready for pickup")
        COLLECTED = "collected", _("Collected")
        SHIPPED = "shipped", _("Shipped")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Expired")

    #: Checkout attempts that never became orders: hidden from customers and history.
    UNPLACED_STATUSES = (Status.PENDING_PAYMENT, Status.PAYMENT_FAILED)

    number = models.CharField(max_length=20, unique=True)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    fulfilment = models.CharField(max_length=20, choices=Fulfilment.choices)
    #: The store that sold (POS) or hands over (collect) the order; empty for web delivery.
    store = models.ForeignKey(
        "inventory.Location", null=True, blank=True, on_delete=models.PROTECT, related_name="orders"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PLACED)
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
    )
    email = models.EmailField(blank=True)
    shipping_address = models.JSONField(default=dict, blank=True)
    currency = models.CharField(max_length=3)
    subtotal = models.DecimalField(**MONEY)
    discount = models.DecimalField(**MONEY, default=0)
    #: How a delivery order travels and what the customer paid for it (part of `total`).
    shipping_method = models.ForeignKey(
        "shipping.ShippingMethod",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    shipping_method_name = models.CharField(max_length=100, blank=True, db_default="")
    shipping_price = models.DecimalField(**MONEY, default=0, db_default=0)
    total = models.DecimalField(**MONEY)
    #: Collect orders not collected by then expire and release their stock.
    pickup_deadline = models.DateTimeField(null=True, blank=True)
    #: The clerk who rang up the sale or placed the order for the customer.
    staff_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["store", "fulfilment", "status"]),
            models.Index(fields=["customer", "-created_at"]),
            # The admin's list filtered by status, newest first.
            models.Index(fields=["status", "-created_at", "-id"], name="order_status_newest"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(total__gte=0) & models.Q(discount__gte=0),
                name="order_amounts_gte_0",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey("catalog.Variant", on_delete=models.PROTECT, related_name="+")
    #: SKU and name as they were when ordered; the catalog may change later.
    sku = models.CharField(max_length=64)
    name = models.CharField(max_length=300)
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(**MONEY)
    discount = models.DecimalField(**MONEY, default=0)
    line_total = models.DecimalField(**MONEY)
    #: Units of this line already brought back, at any store.
    returned_quantity = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="orderline_qty_gt_0"),
            models.CheckConstraint(
                condition=models.Q(returned_quantity__lte=models.F("quantity")),
                name="orderline_returned_within_quantity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.sku}"


class Return(models.Model):
    """Goods brought back to a store, from an order of any channel."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="returns")
    store = models.ForeignKey("inventory.Location", on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=20, choices=Channel.choices)
    #: False for damaged goods: nothing goes back on the shelf.
    restock = models.BooleanField(default=True)
    refund_method = models.CharField(max_length=20)
    refund_amount = models.DecimalField(**MONEY)
    staff_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Return of {self.order} at {self.store}"


class ReturnLine(models.Model):
    return_record = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    amount = models.DecimalField(**MONEY)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="returnline_qty_gt_0"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.order_line.sku}"
