"""Each order's attribution, fixed at placement: its first, last and last non-direct touch
within the lookback window, and the touches that share it under the linear model.

Called for every order as it is created (`receivers.py`, on `post_save`), so every checkout
path (web, till, desk, kiosk, marketplace, API) is attributed the same way without knowing
about it. An order placed off the website is a touch of its own channel (a till sale is a
`pos` touch at its store); a web order with no touch at all is a direct visit.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from shop.channels import Channel
from shop.marketing.models import OrderAttribution, OrderTouch, Touch
from shop.marketing.touches import TouchInfo, touch_record, touches_adopt
from shop.orders.models import Order

#: Touches of one order's path at most (the newest ones): a shared link clicked every day
#: would otherwise grow a path without end.
MAX_PATH = 20


def _path(*, customer_id: int | None, visitor: str, placed_at) -> list[Touch]:
    who = Q()
    if customer_id:
        who |= Q(customer_id=customer_id)
    if visitor:
        who |= Q(visitor=visitor, customer__isnull=True)
    if not who:
        return []
    since = placed_at - timedelta(days=settings.ATTRIBUTION_LOOKBACK_DAYS)
    newest = Touch.objects.filter(who, at__gte=since, at__lte=placed_at).order_by("-at", "-id")
    return list(reversed(newest[:MAX_PATH]))


def order_attribute(*, order, visitor: str = "") -> OrderAttribution:
    """Stores `order`'s attribution (in the caller's transaction). `visitor`: the browser that
    placed a web order; ignored for any other channel."""
    placed_at = order.created_at
    visitor = visitor if order.channel == Channel.WEB else ""
    if visitor and order.customer_id:
        touches_adopt(visitor=visitor, customer=order.customer)
    path = _path(customer_id=order.customer_id, visitor=visitor, placed_at=placed_at)
    if order.channel != Channel.WEB:
        # The sale itself is a touch of its channel, at its store.
        path.append(
            touch_record(
                info=TouchInfo(channel=order.channel, source=order.channel),
                customer=order.customer,
                store=order.store,
                at=placed_at,
            )
        )
    elif not path:
        path.append(
            touch_record(
                info=TouchInfo(channel=Touch.Group.DIRECT, source="(direct)"),
                visitor=visitor,
                customer=order.customer,
                at=placed_at,
            )
        )
    non_direct = [touch for touch in path if touch.channel != Touch.Group.DIRECT]
    attribution = OrderAttribution.objects.create(
        order=order,
        placed_at=placed_at,
        first_touch=path[0],
        last_touch=path[-1],
        last_non_direct_touch=non_direct[-1] if non_direct else path[-1],
        touch_count=len(path),
    )
    OrderTouch.objects.bulk_create(
        OrderTouch(attribution=attribution, touch=touch, position=position)
        for position, touch in enumerate(path)
    )
    return attribution


def orders_attribute_missing(*, batch: int = 500) -> int:
    """Attributes the orders that have no attribution yet (placed before attribution was
    recorded, or written in bulk), oldest first, a batch per transaction; returns how many.
    Safe to run twice: an attributed order is not picked again."""
    done = 0
    while True:
        with transaction.atomic():
            orders = list(
                Order.objects.filter(attribution__isnull=True)
                .select_related("customer", "store")
                .order_by("created_at", "id")[:batch]
            )
            for order in orders:
                order_attribute(order=order)
        done += len(orders)
        if len(orders) < batch:
            return done
