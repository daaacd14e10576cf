"""Order emails, through the outbox: each kind is written once per order with the change that
causes it (placing, ready for pickup, expiry, a till receipt) and sent after commit, so a mail
server or broker that is down never fails the change, and a retried delivery sends once. A
sent email goes on the customer's timeline, in the transaction that marks it delivered."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from shop.channels import Channel
from shop.customers.language import customer_language
from shop.customers.models import CustomerEvent
from shop.orders.email_html import order_email_html, order_lines_with_pictures
from shop.orders.events import order_event_record
from shop.orders.models import Order
from shop.orders.signals import order_email_attachments
from shop.outbox.handlers import outbox_handler
from shop.outbox.services import outbox_enqueue

TOPIC = "orders.email"
SUBJECTS = {
    "confirmation": _("Your order {number}"),
    "ready_for_pickup": _("Order {number} is ready for pickup"),
    "expired": _("Order {number} was not collected"),
    "receipt": _("Your receipt {number}"),
    "shipped": _("Order {number} is on its way"),
}


def order_email_enqueue(*, order: Order, kind: str, shipment_id: int | None = None) -> bool:
    """Queues the `kind` email of `order` in the caller's transaction (once per order and
    kind, or per shipment: a split order leaves in parcels, each told). False when the order
    has no email address to write to."""
    if kind not in SUBJECTS:
        raise ValueError(f"Unknown order email {kind!r}")
    if not order.email:
        return False
    key, payload = f"order:{order.pk}:{kind}", {"order": order.pk, "kind": kind}
    if shipment_id is not None:
        key, payload["shipment"] = f"{key}:{shipment_id}", shipment_id
    outbox_enqueue(topic=TOPIC, key=key, payload=payload)
    return True


def _shipment_context(order: Order, shipment_id: int | None) -> dict:
    """The parcel the email is about (the latest one for a message queued without it), and
    whether it is one part of an order that travels in several."""
    shipments = list(order.shipments.select_related("shipped_from"))
    shipment = next(
        (s for s in shipments if s.pk == shipment_id), shipments[0] if shipments else None
    )
    in_parts = len(shipments) > 1 or order.status != Order.Status.SHIPPED
    return {"shipment": shipment, "in_parts": in_parts}


@outbox_handler(TOPIC)
def _send(payload: dict) -> None:
    order = (
        Order.objects.select_related("store", "customer")
        .prefetch_related("lines")
        .get(pk=payload["order"])
    )
    kind = payload["kind"]
    with translation.override(customer_language(order.customer)):
        subject = str(SUBJECTS[kind]).format(number=order.number)
        lines = order_lines_with_pictures(order)
        context = {"order": order, "lines": lines, "shop_name": settings.SHOP_NAME}
        if kind == "shipped":
            context.update(_shipment_context(order, payload.get("shipment")))
        body = render_to_string(f"emails/order_{kind}.txt", context)
        html = order_email_html(kind=kind, context=context)
    attachments = [
        attachment
        for _, attachment in order_email_attachments.send(sender=Order, order=order, kind=kind)
        if attachment
    ]
    message = EmailMultiAlternatives(subject, body, None, [order.email], attachments=attachments)
    if html:
        message.attach_alternative(html, "text/html")
    message.send()
    order_event_record(
        order,
        CustomerEvent.Kind.EMAIL_SENT,
        Channel.EMAIL,
        email=kind,
        subject=subject,
        to=order.email,
    )
