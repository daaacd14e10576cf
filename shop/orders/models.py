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
    shipping_method_name = models.CharField(max_length=100, blank=True, default="", db_default="")
    shipping_price = models.DecimalField(**MONEY, default=0, db_default=0)
    #: VAT on delivery as sold: the rate then in force (the shop country's standard rate) and
    #: the tax within `shipping_price` (its net is the rest).
    shipping_tax_rate = models.DecimalField(max_digits=5, decimal_places=2, default=0, db_default=0)
    shipping_tax = models.DecimalField(**MONEY, default=0, db_default=0)
    total = models.DecimalField(**MONEY)
    #: Collect orders not collected by then expire and release their stock.
    pickup_deadline = models.DateTimeField(null=True, blank=True)
    #: When the store expects to have every line (set when a line comes by transfer).
    ready_by = models.DateTimeField(null=True, blank=True)
    #: The customer wants the whole order or nothing: a line that cannot be found anywhere
    #: cancels the order rather than just that line.
    all_or_nothing = models.BooleanField(default=False, db_default=False)
    #: The clerk who rang up the sale or placed the order for the customer.
    staff_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # A store's desk queues: open ones by status, the latest collected or closed.
            models.Index(
                fields=["store", "fulfilment", "status", "-updated_at", "-id"],
                name="order_store_queue",
            ),
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

    @property
    def tax_lines(self) -> list:
        """The VAT breakdown per rate, from the lines as sold (`shop.orders.taxes`)."""
        from shop.orders.taxes import order_tax_lines  # the module imports this one

        return order_tax_lines(self)


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
    #: VAT as sold: the rate (percent) then in force, and the line's net and tax
    #: (net + tax = what the customer pays for the line).
    tax_rate = models.DecimalField(max_digits=5, decimal_places=2, default=0, db_default=0)
    net_amount = models.DecimalField(**MONEY, default=0, db_default=0)
    tax_amount = models.DecimalField(**MONEY, default=0, db_default=0)
    #: Units of this line already brought back, at any store.
    returned_quantity = models.PositiveIntegerField(default=0)
    #: Units cancelled before hand-over (not found anywhere) and refunded.
    cancelled_quantity = models.PositiveIntegerField(default=0, db_default=0)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="orderline_qty_gt_0"),
            models.CheckConstraint(
                condition=models.Q(returned_quantity__lte=models.F("quantity")),
                name="orderline_returned_within_quantity",
            ),
            models.CheckConstraint(
                condition=models.Q(cancelled_quantity__lte=models.F("quantity")),
                name="orderline_cancelled_within_quantity",
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
    #: Everything given back, the delivery charge included when this return refunds it.
    refund_amount = models.DecimalField(**MONEY)
    #: The delivery charge given back with this return (the one that brought back the last
    #: unit, or a clerk's choice), with its VAT at the rate it was charged; at most one return
    #: of an order refunds it.
    shipping_amount = models.DecimalField(**MONEY, default=0, db_default=0)
    shipping_tax_rate = models.DecimalField(max_digits=5, decimal_places=2, default=0, db_default=0)
    shipping_tax = models.DecimalField(**MONEY, default=0, db_default=0)
    staff_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["order"],
                condition=models.Q(shipping_amount__gt=0),
                name="return_refunds_delivery_once",
            ),
        ]

    def __str__(self) -> str:
        return f"Return of {self.order} at {self.store}"

    @property
    def tax_lines(self) -> list:
        """The VAT given back per rate, at the rates of the sale (`shop.orders.taxes`)."""
        from shop.orders.taxes import return_tax_lines  # the module imports this one

        return return_tax_lines(self)


class ReturnLine(models.Model):
    return_record = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    amount = models.DecimalField(**MONEY)
    #: The VAT given back with `amount`, at the rate the line was sold at.
    tax_rate = models.DecimalField(max_digits=5, decimal_places=2, default=0, db_default=0)
    tax_amount = models.DecimalField(**MONEY, default=0, db_default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="returnline_qty_gt_0"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.order_line.sku}"


class OrderEvent(models.Model):
    """The order's own timeline, for staff: what happened to it and its lines, in words."""

    class Kind(models.TextChoices):
        NOT_FOUND = "not_found", _("Not found when picking")
        RESOURCED_HERE = "resourced_here", _("Another unit taken here")
        TRANSFER = "transfer", _("Transfer from another location")
        LINE_CANCELLED = "line_cancelled", _("Line cancelled")
        ORDER_CANCELLED = "order_cancelled", _("Order cancelled")
        DELIVERY_REQUESTED = "delivery_requested", _("Delivery asked for instead")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    message = models.CharField(max_length=300)
    payload = models.JSONField(default=dict, blank=True)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["order", "created_at"], name="order_event_timeline")]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.message}"
