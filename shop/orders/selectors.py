from django.db.models import Prefetch, QuerySet

from shop.orders.models import Order, OrderLine, Return
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
