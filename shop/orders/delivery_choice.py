"""The "deliver it instead" link of a pick failure: when a click-and-collect line is cancelled
because no unit is left anywhere, the customer's email carries a signed link naming the order
line; whoever holds the link (signed in or not) may ask for it to be delivered instead."""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db.models import Q
from django.urls import reverse

from shop.orders.models import Order, OrderLine

LINK_SALT = "orders.delivery-instead"
#: How long the link of the email can be followed.
LINK_DAYS = 30
#: Outcomes of a pick failure that take the line away from a collect order.
CANCELLING = ("line_cancelled", "order_cancelled")


def delivery_choice_offered(order: Order, outcome_kind: str) -> bool:
    return order.fulfilment == Order.Fulfilment.COLLECT and outcome_kind in CANCELLING


def delivery_choice_link(*, line: OrderLine) -> str:
    token = signing.dumps({"l": line.pk}, salt=LINK_SALT, compress=True)
    return settings.SITE_URL + reverse("storefront:delivery-instead", args=[token])


def delivery_choice_from_token(token: str) -> OrderLine | None:
    """The cancelled order line a link was made for (some of its units cancelled, or its whole
    order); None when forged, too old or nothing of it is cancelled."""
    try:
        data = signing.loads(token, salt=LINK_SALT, max_age=timedelta(days=LINK_DAYS))
    except signing.BadSignature:
        return None
    return (
        OrderLine.objects.select_related("order", "order__customer", "variant")
        .filter(Q(cancelled_quantity__gt=0) | Q(order__status=Order.Status.CANCELLED))
        .filter(pk=data.get("l"))
        .first()
    )
