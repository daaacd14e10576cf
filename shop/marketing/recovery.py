"""What a reminder led to: the visit of its restore link and the order placed after it."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from carts.models import Cart
from carts.services import cart_restore_from
from shop.channels import Channel
from shop.customers.models import Customer, CustomerEvent
from shop.customers.services import customer_event_record
from shop.marketing.models import CartReminder
from shop.marketing.signals import cart_reminder_opened
from shop.orders.models import Order


@transaction.atomic
def reminder_restore(*, reminder: CartReminder, target: Cart) -> int:
    """The shopper followed the reminder's link: the reminded cart's items (and its code) go
    into `target`, the cart of whoever opened it on whatever device (merged into theirs if
    signed in). The first visit is recorded, on the reminder and the customer's timeline.
    Returns the lines added or raised."""
    first_visit = CartReminder.objects.filter(pk=reminder.pk, clicked_at__isnull=True).update(
        clicked_at=timezone.now()
    )
    if first_visit:
        _timeline_record(
            reminder,
            kind=CustomerEvent.Kind.REMINDER_CLICKED,
            channel=Channel.WEB,
            payload={"cart": reminder.cart_id, "reminder": reminder.pk},
        )
        cart_reminder_opened.send(sender=CartReminder, reminder=reminder)
    source = Cart.objects.get(pk=reminder.cart_id)
    changed = cart_restore_from(source=source, target=target)
    if reminder.promotion_id:
        target.promotions.add(reminder.promotion_id)
    return changed


def reminder_recovery_record(*, order: Order, cart: Cart | None) -> CartReminder | None:
    """An order placed by a reminded shopper within `CART_REMINDER_LINK_DAYS` of the email,
    from the reminded cart itself or after following its link, recovers that reminder (the
    newest; each reminder recovers one order, each order one reminder). The customer's
    timeline records it."""
    since = timezone.now() - timedelta(days=settings.CART_REMINDER_LINK_DAYS)
    who = Q(email__iexact=order.email) if order.email else Q(pk__in=[])
    if order.customer_id:
        who |= Q(customer_id=order.customer_id)
    led = Q(clicked_at__isnull=False) | (Q(cart=cart) if cart is not None else Q(pk__in=[]))
    reminder = (
        CartReminder.objects.filter(
            who,
            led,
            status=CartReminder.Status.SENT,
            sent_at__gte=since,
            recovered_order__isnull=True,
        )
        .order_by("-sent_at", "-pk")
        .first()
    )
    if reminder is None:
        return None
    won = CartReminder.objects.filter(pk=reminder.pk, recovered_order__isnull=True).update(
        recovered_order=order, recovered_at=timezone.now()
    )
    if not won:
        return None
    _timeline_record(
        reminder,
        kind=CustomerEvent.Kind.REMINDER_RECOVERED,
        channel=order.channel,
        store=order.store,
        payload={"order": order.number, "total": str(order.total), "reminder": reminder.pk},
    )
    return reminder


def _timeline_record(reminder: CartReminder, **event) -> None:
    """On the reminded customer's timeline (a merge moves reminders to the kept customer)."""
    customer = Customer.objects.filter(pk=reminder.customer_id).first()
    if customer is not None:
        customer_event_record(customer=customer, **event)
