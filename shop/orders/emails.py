"""Order emails. Each kind is sent at most once per order: the send is recorded first in the
same row update that checks it, so a task that runs twice sends once."""

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string

from shop.orders.models import Order, OrderEmail

SUBJECTS = {
    "confirmation": "Your order {number}",
    "ready_for_pickup": "Order {number} is ready for pickup",
    "expired": "Order {number} was not collected",
    "receipt": "Your receipt {number}",
}


def send_order_email(*, order_id: int, kind: str) -> bool:
    order = Order.objects.select_related("store").prefetch_related("lines").get(pk=order_id)
    if not order.email:
        return False
    with transaction.atomic():
        _, created = OrderEmail.objects.get_or_create(order=order, kind=kind)
        if not created:
            return False
        context = {"order": order, "lines": order.lines.all(), "shop_name": settings.SHOP_NAME}
        send_mail(
            SUBJECTS[kind].format(number=order.number),
            render_to_string(f"emails/order_{kind}.txt", context),
            None,
            [order.email],
        )
    return True
