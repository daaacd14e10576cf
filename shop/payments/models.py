import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shop.channels import Channel

MONEY = {"max_digits": 12, "decimal_places": 2}


class Payment(models.Model):
    """Money taken for an order, or given back (a refund). Written only by
    `shop.payments.services`."""

    class Method(models.TextChoices):
        CARD = "card", _("Card")
        CASH = "cash", _("Cash")
        PAY_AT_PICKUP = "pay_at_pickup", _("Pay at pickup")
        GIFT_CARD = "gift_card", _("Gift card")
        STORE_CREDIT = "store_credit", _("Store credit")

    class Status(models.TextChoices):
        #: A charge about to be asked of the gateway, a payment due at pickup, or a refund
        #: waiting to be sent to the gateway.
        PENDING = "pending", _("Pending")
        CAPTURED = "captured", _("Captured")
        DECLINED = "declined", _("Declined")
        #: This row is money paid back (a return), not money taken.
        REFUNDED = "refunded", _("Refund")
        #: A refund the gateway refused; it keeps the charge's reference and can be retried.
        REFUND_FAILED = "refund_failed", _("Refund refused")

    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="payments")
    method = models.CharField(max_length=20, choices=Method.choices)
    status = models.CharField(max_length=20, choices=Status.choices)
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    #: Gateway transaction id or card terminal reference (for a refund sent to the gateway:
    #: the gateway's refund id once done).
    reference = models.CharField(max_length=120, blank=True)
    #: A refund: the charge it gives money back from.
    refund_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="refunds"
    )
    #: Sent with this row's charge or refund: the gateway does it once however often it is
    #: asked (a retried task, a redelivered message).
    gateway_key = models.UUIDField(default=uuid.uuid4, editable=False)
    #: The gateway's reason for a decline or a refused refund.
    gateway_message = models.CharField(max_length=200, blank=True)
    #: Cash only: what the customer handed over, and the change given back.
    tendered = models.DecimalField(**MONEY, null=True, blank=True)
    change_due = models.DecimalField(**MONEY, null=True, blank=True)
    #: The till session a cash payment or refund went through.
    drawer_session = models.ForeignKey(
        "payments.CashDrawerSession",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payments",
    )
    return_record = models.ForeignKey(
        "orders.Return", null=True, blank=True, on_delete=models.PROTECT, related_name="refunds"
    )
    #: Gift card and store credit tenders and refunds: the account the money came from or
    #: went back to.
    stored_value = models.ForeignKey(
        "payments.StoredValueAccount",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payments",
    )
    channel = models.CharField(max_length=20, choices=Channel.choices)
    store = models.ForeignKey(
        "inventory.Location", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # The table keeps the name it had when payments lived in the orders app.
        db_table = "orders_payment"
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="payment_amount_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.get_method_display()} {self.amount} {self.currency} ({self.status})"


class CashDrawerSession(models.Model):
    """A till from opening with a float to closing with a count."""

    store = models.ForeignKey("inventory.Location", on_delete=models.PROTECT, related_name="+")
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(auto_now_add=True)
    opening_float = models.DecimalField(**MONEY)
    #: Cash payments and refunds booked so far. Each one raises it in a conditional UPDATE of
    #: this row, which is what makes closing wait for a cash sale that is committing.
    cash_movements = models.PositiveIntegerField(default=0)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    #: At closing: float + cash taken − cash refunded, what the drawer should hold.
    expected_cash = models.DecimalField(**MONEY, null=True, blank=True)
    counted_cash = models.DecimalField(**MONEY, null=True, blank=True)
    #: counted − expected: negative when cash is missing.
    difference = models.DecimalField(**MONEY, null=True, blank=True)

    class Meta:
        db_table = "orders_cashdrawersession"
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["store"],
                condition=models.Q(closed_at__isnull=True),
                name="drawer_one_open_per_store",
            ),
            models.CheckConstraint(
                condition=models.Q(opening_float__gte=0), name="drawer_float_gte_0"
            ),
        ]

    def __str__(self) -> str:
        state = "open" if self.closed_at is None else "closed"
        return f"Till at {self.store} from {self.opened_at:%Y-%m-%d %H:%M} ({state})"


class StoredValueAccount(models.Model):
    """Money the shop owes a customer, spendable on every channel: a gift card (anyone holding
    its code) or a customer's store credit. Its balance changes only in
    `shop.payments.stored_value`, by a conditional UPDATE, and always with a ledger entry:
    the balance equals the sum of its entries."""

    class Kind(models.TextChoices):
        GIFT_CARD = "gift_card", _("Gift card")
        STORE_CREDIT = "store_credit", _("Store credit")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    #: Gift cards: SHA-256 of the normalised code. The code itself is shown once, at issue.
    code_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    #: The code's last four characters, to tell cards apart on receipts and in the admin.
    last4 = models.CharField(max_length=4, blank=True)
    #: Store credit: whose it is. Gift cards: the buyer, when known.
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="stored_value_accounts",
    )
    #: Where an e-gift card is delivered.
    email = models.EmailField(blank=True)
    currency = models.CharField(max_length=3)
    balance = models.DecimalField(**MONEY)
    #: The amount first issued (what the card was sold or given for).
    initial_amount = models.DecimalField(**MONEY)
    expires_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    #: A gift card sold as an order line: that order (a refund of it voids what is unspent).
    sold_on = models.ForeignKey(
        "orders.Order",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="gift_cards_sold",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(balance__gte=0), name="stored_value_balance_gte_0"
            ),
            models.UniqueConstraint(
                fields=["customer"],
                condition=models.Q(kind="store_credit"),
                name="store_credit_one_per_customer",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="store_credit", customer__isnull=False)
                | models.Q(kind="gift_card", code_hash__isnull=False),
                name="stored_value_kind_fields",
            ),
        ]

    def __str__(self) -> str:
        if self.kind == self.Kind.GIFT_CARD:
            return f"Gift card …{self.last4}"
        return f"Store credit of customer #{self.customer_id}"


class StoredValueEntry(models.Model):
    """One change of a stored-value balance (the ledger; never updated or deleted)."""

    class Kind(models.TextChoices):
        ISSUE = "issue", _("Issued")
        REDEEM = "redeem", _("Spent")
        REFUND = "refund", _("Given back")
        EXPIRE = "expire", _("Expired")
        ADJUST = "adjust", _("Adjusted")

    account = models.ForeignKey(
        StoredValueAccount, on_delete=models.PROTECT, related_name="entries"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    #: Signed: positive adds to the balance, negative takes from it.
    amount = models.DecimalField(**MONEY)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    store = models.ForeignKey(
        "inventory.Location", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(amount=0), name="stored_value_entry_not_zero"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} on {self.account}"


class GatewayEvent(models.Model):
    """A card gateway's webhook event, applied once: its id is claimed with the change it makes."""

    provider = models.CharField(max_length=20)
    event_id = models.CharField(max_length=255)
    kind = models.CharField(max_length=100)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="gateway_event_once"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.kind} {self.event_id}"
