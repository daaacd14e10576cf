"""Handing a delivery order to a carrier: the order becomes shipped (its held units a sale),
the shipment records carrier and tracking number, and the customer gets one shipping email
through the outbox, all in one transaction. An order split over several locations leaves in
parts: each location ships what it holds, as its own shipment with its own email."""

from django.db import transaction
from django.utils.translation import gettext as _

from inventory.models import Location
from shop.channels import Channel
from shop.errors import InvalidInput
from shop.orders.emails import order_email_enqueue
from shop.orders.models import Order
from shop.orders.services import order_mark_shipped
from shop.shipping.carriers import Carrier
from shop.shipping.models import Shipment


@transaction.atomic
def order_ship(
    *,
    order: Order,
    carrier: str,
    tracking_number: str,
    shipped_from: Location,
    user=None,
    channel: str = Channel.BACKOFFICE,
    part_only: bool = False,
) -> Shipment:
    """Ships `order` from `shipped_from` with `carrier`. A second call for the same order is an
    `OrderStatusConflict` (it is no longer placed): the email goes once.

    `part_only`: only the units held at `shipped_from` leave (the till of a shipping store or
    the warehouse ships its part of a split order); the order becomes shipped with its last
    part, and a second call from the same location is a `NothingHeld` conflict. Without it
    (the back office) the whole order leaves, whichever location `shipped_from` names."""
    tracking_number = tracking_number.strip()
    if carrier not in Carrier.values:
        raise InvalidInput(_("Unknown carrier."), details=["carrier"])
    if not tracking_number:
        raise InvalidInput(_("A tracking number is needed."), details=["tracking_number"])
    shipment = Shipment(
        order=order,
        carrier=carrier,
        tracking_number=tracking_number,
        shipped_from=shipped_from,
        staff_user=user,
    )
    order_mark_shipped(
        order=order,
        user=user,
        channel=channel,
        location=shipped_from if part_only else None,
        event={
            "carrier": shipment.get_carrier_display(),
            "tracking_number": tracking_number,
            "tracking_url": shipment.tracking_url,
        },
    )
    shipment.save()
    order_email_enqueue(order=order, kind="shipped", shipment_id=shipment.pk)
    return shipment
