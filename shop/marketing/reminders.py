"""Abandoned-cart reminders: one email per abandoned cart, claimed before it is written.

A cart with lines and a known email (its customer's, or the one typed at checkout: the guest
customer of its `checkout_started` event) that nobody touched for `CART_REMINDER_AFTER_MINUTES`
(and not for longer than `CART_REMINDER_LOOKBACK_DAYS`) gets one `CartReminder` row, inserted with
`INSERT ... ON CONFLICT DO NOTHING` on (cart, start of its contents). Only the run whose
insert won goes on, in the same transaction: it either skips with a reason or writes the
email to the outbox. Two concurrent runs, a rerun or a redelivered task: one row, one email.
"""

import logging
import secrets
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import connection, transaction
from django.db.models import CharField, Exists, OuterRef, Q, Subquery
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from carts.models import Cart, CartLine, Promotion
from carts.services import cart_price, cart_with_lines
from inventory.models import Location
from inventory.selectors import availability_for_variants
from shop.customers.language import customer_language
from shop.customers.models import Customer, CustomerEvent
from shop.marketing.models import CartReminder, ReminderProgram
from shop.orders.models import Order
from shop.orders.selectors import NOT_BOUGHT, customer_has_orders
from shop.outbox.email import email_enqueue

logger = logging.getLogger(__name__)
Reason = CartReminder.SkipReason
LINK_SALT = "marketing.cart-reminder"
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


@dataclass
class ReminderRun:
    sent: int = 0
    skipped: Counter = field(default_factory=Counter)
    failed: int = 0

    def __str__(self) -> str:
        skipped = ", ".join(f"{reason}: {n}" for reason, n in sorted(self.skipped.items()))
        failed = f", {self.failed} failed" if self.failed else ""
        return (
            f"{self.sent} sent, {sum(self.skipped.values())} skipped"
            + (f" ({skipped})" if skipped else "")
            + failed
        )


def reminders_switched_on_at() -> datetime:
    """When reminders were switched on: the first run records it (once, whoever runs first)."""
    ReminderProgram.objects.bulk_create(
        [ReminderProgram(pk=1, switched_on_at=timezone.now())], ignore_conflicts=True
    )
    return ReminderProgram.objects.values_list("switched_on_at", flat=True).get(pk=1)


def _known_email(cart: Cart) -> str:
    if cart.customer_id and cart.customer.email:
        return cart.customer.email
    return cart.checkout_email or ""


def carts_due(*, now: datetime, limit: int) -> list[Cart]:
    """Open carts with lines and a known email, idle long enough, not yet claimed for their
    current contents; oldest first."""
    cutoff = now - timedelta(minutes=settings.CART_REMINDER_AFTER_MINUTES)
    started = CartLine.objects.filter(cart=OuterRef("pk")).order_by("added_at", "id")
    # The email typed at checkout by a shopper not signed in: their guest customer's event.
    checkout_email = (
        CustomerEvent.objects.annotate(cart_key=KT("payload__cart"))
        .filter(
            kind=CustomerEvent.Kind.CHECKOUT_STARTED, cart_key=Cast(OuterRef("pk"), CharField())
        )
        .order_by("-created_at")
        .values("customer__email")[:1]
    )
    claimed = CartReminder.objects.filter(cart=OuterRef("pk"), cart_started_at=OuterRef("started"))
    return list(
        Cart.objects.filter(
            status=Cart.Status.OPEN,
            updated_at__lte=cutoff,
            updated_at__gte=now - timedelta(days=settings.CART_REMINDER_LOOKBACK_DAYS),
        )
        .annotate(
            started=Subquery(started.values("added_at")[:1]),
            checkout_email=Subquery(checkout_email),
        )
        .filter(started__isnull=False)
        .filter(Q(customer__email__gt="") | Q(checkout_email__isnull=False))
        .exclude(Exists(claimed))
        .select_related("customer")
        .order_by("updated_at", "pk")[:limit]
    )


def _claim(cart: Cart, *, email: str, customer: Customer | None, now: datetime) -> int | None:
    """Inserts the cart's reminder row unless one exists; its id only if this call made it."""
    table = CartReminder._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (cart_id, cart_started_at, cart_touched_at, customer_id, email,"
            " status, skip_reason, created_at) VALUES (%s, %s, %s, %s, %s, %s, '', %s)"
            " ON CONFLICT DO NOTHING RETURNING id",
            [
                cart.pk,
                cart.started,
                cart.updated_at,
                customer.pk if customer else None,
                email,
                CartReminder.Status.PENDING,
                now,
            ],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def _paid_since(customer: Customer | None, email: str, since: datetime) -> bool:
    """An order of any channel (a till sale too) bought by them since the cart was touched."""
    who = Q(email__iexact=email) | (Q(customer=customer) if customer else Q())
    return Order.objects.filter(who, created_at__gte=since).exclude(status__in=NOT_BOUGHT).exists()


@dataclass
class ReminderLine:
    name: str
    sku: str
    quantity: int
    unit_price: object
    line_total: object
    sellable: bool
    online: int
    stores: int


def _lines(cart: Cart, customer: Customer | None, email: str) -> tuple[list[ReminderLine], object]:
    cart = cart_with_lines(cart.pk)
    priced = cart_price(cart, customer=customer, email=email)
    variants = [line.variant for line in priced.lines]
    locations = list(Location.objects.filter(is_active=True).order_by("kind", "code"))
    stores = {loc.code for loc in locations if loc.kind == Location.Kind.STORE}
    available = availability_for_variants(variants=variants, locations=locations)
    lines = []
    for line in priced.lines:
        stock = available[line.variant.sku]
        sold = line.variant.is_active and line.variant.product.is_active
        anywhere = any(units > 0 for units in stock.locations.values())
        in_stores = sum(
            1 for code, units in stock.locations.items() if units > 0 and code in stores
        )
        lines.append(
            ReminderLine(
                name=line.variant.display_name,
                sku=line.variant.sku,
                quantity=line.quantity,
                unit_price=line.unit_price,
                line_total=line.total,
                sellable=sold and anywhere,
                online=stock.online,
                stores=in_stores,
            )
        )
    return lines, priced


def first_order_code_create(*, email: str, now: datetime) -> Promotion:
    """A single-use code for the first order of `email`, valid `CART_REMINDER_CODE_DAYS`."""
    code = "WELCOME-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return Promotion.objects.create(
        name=f"Your first order: {settings.CART_REMINDER_CODE_PERCENT}% off",
        code=code,
        kind=Promotion.Kind.PERCENTAGE,
        value=settings.CART_REMINDER_CODE_PERCENT,
        usage_limit=1,
        first_order_only=True,
        email=email,
        starts_at=now,
        ends_at=now + timedelta(days=settings.CART_REMINDER_CODE_DAYS),
    )


#: Tags the link's visit as coming from this email, for the shop's traffic measurement.
LINK_CAMPAIGN = "utm_source=cart-reminder&utm_medium=email&utm_campaign=abandoned-cart"


def reminder_link(reminder: CartReminder) -> str:
    token = signing.dumps({"r": reminder.pk}, salt=LINK_SALT, compress=True)
    path = reverse("storefront:cart-restore", args=[token])
    return f"{settings.SITE_URL}{path}?{LINK_CAMPAIGN}"


def reminder_from_link(token: str) -> CartReminder | None:
    """The reminder a restore link was made for; None when forged or too old."""
    try:
        data = signing.loads(
            token, salt=LINK_SALT, max_age=timedelta(days=settings.CART_REMINDER_LINK_DAYS)
        )
    except signing.BadSignature:
        return None
    return CartReminder.objects.filter(pk=data.get("r"), status=CartReminder.Status.SENT).first()


def _send(reminder: CartReminder, cart: Cart, lines, priced, customer, now: datetime) -> None:
    if not customer_has_orders(customer):
        reminder.promotion = first_order_code_create(email=reminder.email, now=now)
    context = {
        "shop_name": settings.SHOP_NAME,
        "currency": settings.SHOP_CURRENCY,
        "name": customer.name if customer else "",
        "lines": lines,
        "priced": priced,
        "link": reminder_link(reminder),
        "code": reminder.promotion,
        "recommendations": _recommendations_for_email(customer, lines),
    }
    with translation.override(customer_language(customer)):
        subject = gettext("You left something in your %(shop)s cart") % {"shop": settings.SHOP_NAME}
        body = render_to_string("emails/cart_reminder.txt", context)
    email_enqueue(
        key=f"cart-reminder:{reminder.pk}",
        to=[reminder.email],
        subject=subject,
        body=body,
        customer_id=customer.pk if customer else None,
        about={"cart_reminder": reminder.pk},
    )
    reminder.status = CartReminder.Status.SENT
    reminder.sent_at = now


def _recommendations_for_email(customer, lines) -> list:
    from shop.marketing.recommendations import recommend_for_email

    return recommend_for_email(customer=customer, skus=[line.sku for line in lines])


def _skip_reason(
    cart: Cart, customer: Customer | None, email: str, lines, switched_on_at: datetime
) -> str:
    if cart.updated_at < switched_on_at:
        return Reason.BEFORE_SWITCH_ON
    if customer is None or not customer.marketing_consent:
        return Reason.NO_CONSENT
    if _paid_since(customer, email, cart.updated_at):
        return Reason.PAID_SINCE
    if not any(line.sellable for line in lines):
        return Reason.NOTHING_SELLABLE
    return ""


@transaction.atomic
def cart_remind(*, cart: Cart, now: datetime, switched_on_at: datetime) -> str | None:
    """Claims and handles one due cart: "sent", a skip reason, or None when another run had
    already claimed it."""
    email = _known_email(cart)
    customer = cart.customer if cart.customer_id else Customer.objects.with_email(email).first()
    reminder_id = _claim(cart, email=email, customer=customer, now=now)
    if reminder_id is None:
        return None
    reminder = CartReminder.objects.get(pk=reminder_id)
    lines, priced = _lines(cart, customer, email)
    reason = _skip_reason(cart, customer, email, lines, switched_on_at)
    if reason:
        reminder.status, reminder.skip_reason = CartReminder.Status.SKIPPED, reason
    else:
        _send(reminder, cart, lines, priced, customer, now)
    reminder.save(update_fields=["status", "skip_reason", "promotion", "sent_at"])
    return reason or "sent"


def cart_reminders_send(*, now: datetime | None = None) -> ReminderRun:
    """One run of the job: every due cart (up to `CART_REMINDER_BATCH`), each in its own
    transaction. Safe to run twice, or twice at the same time."""
    run = ReminderRun()
    if not settings.CART_REMINDERS_ENABLED:
        return run
    now = now or timezone.now()
    switched_on_at = reminders_switched_on_at()
    for cart in carts_due(now=now, limit=settings.CART_REMINDER_BATCH):
        try:
            outcome = cart_remind(cart=cart, now=now, switched_on_at=switched_on_at)
        except Exception:  # one broken cart (rolled back, tried next run) stops no other
            logger.exception("Cart reminder of cart %s failed", cart.pk)
            run.failed += 1
            continue
        if outcome == "sent":
            run.sent += 1
        elif outcome:
            run.skipped[outcome] += 1
    return run
