from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from inventory.models import Location, Reservation
from shop.channels import Channel
from shop.orders.models import Order, OrderLine, Return, ReturnLine
from shop.staff.roles import clerk_store, is_manager


def orders_with_lines() -> QuerySet[Order]:
    return Order.objects.select_related("store", "customer").prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.order_by("id"))
    )


def orders_visible_to(user, customer=None) -> QuerySet[Order]:
    """A manager sees every order, a clerk their store's, a customer their own of every channel.
    Checkout attempts that were never placed are hidden from customers."""
    orders = orders_with_lines()
    if is_manager(user):
        return orders
    store = clerk_store(user)
    if store is not None:
        return orders.filter(store=store).exclude(status__in=Order.UNPLACED_STATUSES)
    if customer is None:
        return orders.none()
    return orders.filter(customer=customer).exclude(status__in=Order.UNPLACED_STATUSES)


def _held(location: Location | None = None) -> QuerySet[Reservation]:
    held = Reservation.objects.filter(state=Reservation.State.ACTIVE)
    return held.filter(location=location) if location is not None else held


def delivery_orders_to_ship_from(location: Location) -> QuerySet[Order]:
    """Placed delivery orders with units held at `location` (its part not shipped yet), oldest
    first, each with `units_here` and `split` (units held at other locations too)."""
    here = _held(location).filter(order_line__order=OuterRef("pk"))
    units_here = (
        here.order_by()
        .values("order_line__order")
        .annotate(units=Sum("quantity"))
        .values("units")[:1]
    )
    elsewhere = _held().filter(order_line__order=OuterRef("pk")).exclude(location=location)
    return (
        Order.objects.filter(fulfilment=Order.Fulfilment.DELIVERY, status=Order.Status.PLACED)
        .filter(Exists(here))
        .annotate(
            units_here=Subquery(units_here, output_field=IntegerField()),
            split=Exists(elsewhere),
        )
        .select_related("customer")
        .order_by("created_at", "id")
    )


def delivery_order_part(location: Location, number: str) -> Order | None:
    """A delivery order whose units are held at `location`, with its lines; each line carries
    `held_here` (its active reservations there) and `held_elsewhere` (the other locations')."""
    lines = OrderLine.objects.order_by("id").prefetch_related(
        Prefetch(
            "reservations",
            queryset=_held().select_related("location").order_by("id"),
            to_attr="held",
        )
    )
    order = (
        delivery_orders_to_ship_from(location)
        .prefetch_related(Prefetch("lines", queryset=lines))
        .filter(number=number)
        .first()
    )
    if order is not None:
        for line in order.lines.all():
            line.held_here = sum(r.quantity for r in line.held if r.location_id == location.pk)
            line.held_elsewhere = sum(r.quantity for r in line.held if r.location_id != location.pk)
    return order


def lines_in_hand(order: Order, lines: list[OrderLine]) -> None:
    """Lets `order.lines.all()` answer from lines just created, as `prefetch_related` would
    have filled it, so showing a new order costs no query. Other queries on `order.lines`
    still go to the database."""
    cached = order.lines.all()
    cached._result_cache = list(lines)
    cached._prefetch_done = True
    order._prefetched_objects_cache = {"lines": cached}


def customer_has_orders(customer) -> bool:
    """Whether a first-order-only promotion is closed to this customer: they have an order
    of any channel (checkout attempts that were never placed do not count)."""
    if customer is None or customer.pk is None:
        return False
    return customer.orders.exclude(status__in=Order.UNPLACED_STATUSES).exists()


def orders_of_customer(customer, *, limit: int) -> list[Order]:
    """A customer's newest orders of every channel, with their lines (checkout attempts that
    were never placed left out)."""
    return list(
        orders_with_lines()
        .filter(customer=customer)
        .exclude(status__in=Order.UNPLACED_STATUSES)
        .order_by("-created_at", "-id")[:limit]
    )


def returns_recent_at(store, *, limit: int):
    return (
        Return.objects.filter(store=store).select_related("order").order_by("-created_at", "-id")
    )[:limit]


#: Orders that were never bought: checkout attempts never placed, and orders given up.
NOT_BOUGHT = (*Order.UNPLACED_STATUSES, Order.Status.CANCELLED, Order.Status.EXPIRED)


@dataclass(frozen=True)
class ChannelSpend:
    channel: str
    label: str
    currency: str
    orders: int
    spent: Decimal
    #: Given back on returns of these orders, at any store.
    refunded: Decimal

    @property
    def net(self) -> Decimal:
        return self.spent - self.refunded


@dataclass(frozen=True)
class CustomerSpend:
    """A customer's lifetime spend: one row per channel (and currency), biggest first."""

    channels: list[ChannelSpend]

    @property
    def currency(self) -> str | None:
        """The one currency of every row; None when there is none or there are several (then
        the rows do not add up)."""
        currencies = {row.currency for row in self.channels}
        return currencies.pop() if len(currencies) == 1 else None

    @property
    def orders(self) -> int:
        return sum(row.orders for row in self.channels)

    @property
    def spent(self) -> Decimal:
        return sum((row.spent for row in self.channels), Decimal("0.00"))

    @property
    def refunded(self) -> Decimal:
        return sum((row.refunded for row in self.channels), Decimal("0.00"))

    @property
    def net(self) -> Decimal:
        return self.spent - self.refunded


def customer_spend_by_channel(customer) -> CustomerSpend:
    """What the customer bought on each channel (orders, their totals, and the refunds of
    their returns) in one aggregate query. Cancelled and expired orders and checkout attempts
    never placed do not count."""
    refunded = Subquery(
        Return.objects.filter(order=OuterRef("pk"))
        .values("order")
        .annotate(amount=Sum("refund_amount"))
        .values("amount")
    )
    money = DecimalField(max_digits=14, decimal_places=2)
    rows = (
        Order.objects.filter(customer=customer)
        .exclude(status__in=NOT_BOUGHT)
        .values("channel", "currency")
        .annotate(
            orders=Count("id"),
            spent=Sum("total"),
            refunded=Coalesce(Sum(refunded), Value(Decimal("0.00")), output_field=money),
        )
        .order_by("-spent", "channel", "currency")
    )
    labels = dict(Channel.choices)
    return CustomerSpend(
        channels=[
            ChannelSpend(
                channel=row["channel"],
                label=str(labels.get(row["channel"], row["channel"])),
                currency=row["currency"],
                orders=row["orders"],
                spent=row["spent"],
                refunded=row["refunded"],
            )
            for row in rows
        ]
    )


def returns_of_customer(customer, *, limit: int) -> list[Return]:
    """The customer's newest returns, of orders of every channel, with their lines and the
    refunds they paid (`refunds`: payment rows, one per tender given back)."""
    return list(
        Return.objects.filter(order__customer=customer)
        .select_related("order", "store")
        .prefetch_related(
            Prefetch("lines", queryset=ReturnLine.objects.select_related("order_line")),
            "refunds",
        )
        .order_by("-created_at", "-id")[:limit]
    )
