"""Reads of customers: search at the till, the timeline, and the overview the manager's page,
the API and the till's customer panel show.

The overview reads orders, carts and tickets through the customer's reverse relations
(`customer.orders`, `.carts`, `.tickets`), so this bottom-layer app imports none of the apps
above it (DESIGN.md layers); their status constants come from the related model.
"""

import base64
import binascii
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.utils.translation import gettext

from shop.channels import Channel
from shop.customers.errors import InvalidCursor
from shop.customers.models import Customer, CustomerEvent
from shop.customers.timeline import Subject, event_summary
from shop.errors import InvalidInput

Kind = CustomerEvent.Kind


def normalise_email(email: str) -> str:
    return email.strip().lower()


def normalise_phone(phone: str) -> str:
    """Digits only, as `Customer.phone_digits` keeps them."""
    return "".join(ch for ch in phone if ch.isdigit())


def customer_search(*, query: str, limit: int = 20) -> QuerySet[Customer]:
    """Customers whose email, phone or name matches, with the line count of their open cart."""
    query = query.strip()
    if len(query) < 2:
        return Customer.objects.none()
    digits = normalise_phone(query)
    match = Q(email__icontains=query) | Q(name__icontains=query)
    if len(digits) >= 4:
        # Phones are stored as typed ("+33 6 12-34"): compare digits with digits.
        match |= Q(phone_digits__contains=digits)
    return (
        Customer.objects.filter(match)
        .annotate(cart_lines=Count("carts__lines", filter=Q(carts__status="open")))
        .order_by("name", "email")[:limit]
    )


def customers_matching(*, email: str = "", phone: str = "") -> QuerySet[Customer]:
    """Customers who are this person by identity: the same email (case and surrounding
    spaces aside) or the same phone digits. Oldest first."""
    email, digits = normalise_email(email), normalise_phone(phone)
    match = Q(pk__in=[])
    if email:
        match |= Q(email__iexact=email)
    if digits:
        match |= Q(phone_digits=digits)
    return Customer.objects.filter(match).order_by("created_at", "pk")


def customer_duplicates(customer: Customer) -> list[Customer]:
    """Other customers with the same email or phone digits: candidates for a merge."""
    return list(
        customers_matching(email=customer.email, phone=customer.phone).exclude(pk=customer.pk)
    )


# --- the timeline --------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    """One event as people read it: what the API returns and the pages show."""

    id: int
    at: datetime
    kind: str
    kind_label: str
    channel: str
    channel_label: str
    store: str | None
    store_name: str | None
    summary: str
    subject: Subject | None


@dataclass(frozen=True)
class TimelinePage:
    entries: list[TimelineEntry]
    #: Opaque; pass it back as `cursor` for the next (older) page. None on the last page.
    next_cursor: str | None


def _cursor_encode(event: CustomerEvent) -> str:
    raw = f"{event.created_at.isoformat()}|{event.pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _cursor_decode(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, pk = raw.split("|")
        moment = datetime.fromisoformat(at)
        if moment.tzinfo is None:
            raise ValueError(at)
        return moment, int(pk)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise InvalidCursor(details=["cursor"]) from None


def timeline_kinds(*, include_internal: bool) -> list[str]:
    """The kinds a reader may see and filter by: staff all, the customer all but staff-only."""
    return [
        kind
        for kind in Kind.values
        if include_internal or kind not in CustomerEvent.STAFF_ONLY_KINDS
    ]


def _entry(event: CustomerEvent) -> TimelineEntry:
    summary = event_summary(event)
    return TimelineEntry(
        id=event.pk,
        at=event.created_at,
        kind=event.kind,
        kind_label=event.get_kind_display(),
        channel=event.channel,
        channel_label=event.get_channel_display(),
        store=event.store.code if event.store else None,
        store_name=event.store.name if event.store else None,
        summary=summary.sentence,
        subject=summary.subject,
    )


def customer_timeline(
    customer: Customer,
    *,
    kind: str | None = None,
    channel: str | None = None,
    cursor: str | None = None,
    limit: int = 25,
    include_internal: bool = False,
) -> TimelinePage:
    """The customer's events, newest first, `limit` a page, after `cursor` (from the previous
    page's `next_cursor`): one query whatever the length of the history, served by the index
    (customer, -created_at, -id). Staff-only kinds (internal notes, merges) only with
    `include_internal`."""
    if kind and kind not in timeline_kinds(include_internal=include_internal):
        raise InvalidInput(
            gettext("Unknown kind %(kind)s.") % {"kind": f"{kind!r}"}, details=["kind"]
        )
    if channel and channel not in Channel.values:
        raise InvalidInput(
            gettext("Unknown channel %(channel)s.") % {"channel": f"{channel!r}"},
            details=["channel"],
        )
    events = (
        CustomerEvent.objects.filter(customer=customer)
        .select_related("store")
        .order_by("-created_at", "-id")
    )
    if kind:
        events = events.filter(kind=kind)
    elif not include_internal:
        events = events.exclude(kind__in=CustomerEvent.STAFF_ONLY_KINDS)
    if channel:
        events = events.filter(channel=channel)
    if cursor:
        at, pk = _cursor_decode(cursor)
        events = events.filter(Q(created_at__lt=at) | Q(created_at=at, pk__lt=pk))
    rows = list(events[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return TimelinePage(
        entries=[_entry(event) for event in rows],
        next_cursor=_cursor_encode(rows[-1]) if more else None,
    )


# --- the overview --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChannelSpend:
    channel: str
    channel_label: str
    #: Orders placed on this channel (checkout attempts never placed left out).
    orders: int
    #: What those orders came to, less cancelled or expired ones and refunds of returns.
    spent: Decimal


@dataclass
class CustomerOverview:
    """Everything about a customer at a glance, in a fixed number of queries."""

    customer: Customer
    channels: list[ChannelSpend]
    #: The open cart with its lines (variants and products read), or None without lines.
    cart: object | None
    recent_orders: list = field(default_factory=list)
    open_tickets: list = field(default_factory=list)
    open_ticket_count: int = 0
    #: What the customer's store credit holds (gift cards belong to whoever has the code).
    store_credit: Decimal = Decimal("0.00")

    @property
    def lifetime_spent(self) -> Decimal:
        return sum((row.spent for row in self.channels), Decimal("0.00"))


def customer_spend_by_channel(customer: Customer) -> list[ChannelSpend]:
    """Orders and money spent per channel, net of cancellations and refunded returns (two
    queries)."""
    Order = customer.orders.model
    placed = customer.orders.exclude(status__in=Order.UNPLACED_STATUSES)
    void = Q(status__in=[Order.Status.CANCELLED, Order.Status.EXPIRED])
    totals = placed.values("channel").annotate(
        count=Count("pk"), gross=Sum("total", filter=~void, default=Decimal("0.00"))
    )
    refunded = dict(
        placed.filter(returns__isnull=False)
        .values("channel")
        .annotate(refunded=Sum("returns__refund_amount"))
        .values_list("channel", "refunded")
    )
    labels = dict(Order._meta.get_field("channel").choices)
    return [
        ChannelSpend(
            channel=row["channel"],
            channel_label=str(labels.get(row["channel"], row["channel"])),
            orders=row["count"],
            spent=row["gross"] - refunded.get(row["channel"], Decimal("0.00")),
        )
        for row in sorted(totals, key=lambda row: row["channel"])
    ]


def customer_open_cart(customer: Customer):
    """The customer's open cart with its lines (variant and product read), None when there is
    none or it is empty. Two queries."""
    Cart = customer.carts.model
    lines = Cart._meta.get_field("lines").related_model.objects.select_related("variant__product")
    return (
        customer.carts.filter(status=Cart.Status.OPEN, lines__isnull=False)
        .distinct()
        .prefetch_related(Prefetch("lines", queryset=lines.order_by("added_at", "id")))
        .first()
    )


def customer_overview(customer: Customer, *, orders: int = 10, tickets: int = 10):
    """Spend per channel, the open cart, the newest `orders` orders of every channel and the
    open service requests (the newest `tickets`): for the manager's customer page, the API's
    customer card and the till's customer panel. Eight queries whatever the history (six
    with `orders=0, tickets=0`)."""
    Order = customer.orders.model
    Ticket = customer.tickets.model
    open_tickets = customer.tickets.filter(status__in=Ticket.ACTIVE_STATUSES)
    recent = (
        customer.orders.exclude(status__in=Order.UNPLACED_STATUSES)
        .select_related("store")
        .order_by("-created_at", "-id")
    )
    return CustomerOverview(
        customer=customer,
        channels=customer_spend_by_channel(customer),
        cart=customer_open_cart(customer),
        recent_orders=list(recent[:orders]) if orders else [],
        open_tickets=list(open_tickets.order_by("-updated_at", "-id")[:tickets]) if tickets else [],
        open_ticket_count=open_tickets.count(),
        store_credit=customer_store_credit(customer),
    )


def customer_store_credit(customer: Customer) -> Decimal:
    """The balance of the customer's store credit account (kept by `shop.payments`)."""
    balance = (
        customer.stored_value_accounts.filter(kind="store_credit")
        .values_list("balance", flat=True)
        .first()
    )
    return balance if balance is not None else Decimal("0.00")
