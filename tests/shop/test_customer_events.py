"""Every change a customer would want to see is on their timeline, written by the service that
makes the change, in its transaction: shipping, cancelling, refunds, emails sent, cart
quantities and staff notes (staff only)."""

from decimal import Decimal

import pytest
from django.core import mail

from carts.services import cart_for_customer, cart_line_add, cart_line_update
from shop.channels import Channel
from shop.customers.models import CustomerEvent
from shop.customers.selectors import customer_timeline
from shop.orders import services as order_services
from shop.orders.returns import ReturnRequest, return_create
from shop.orders.services import order_cancel, order_mark_ready, order_mark_shipped
from shop.payments.models import Payment
from shop.payments.services import refund_retry
from shop.support.services import ticket_open, ticket_reply
from tests import factories
from tests.channels_app.support import receive
from tests.shop.order_support import collect_order, delivery_order, till_sale

pytestmark = pytest.mark.django_db
Kind = CustomerEvent.Kind


def kinds(customer) -> list[str]:
    return list(customer.events.order_by("id").values_list("kind", flat=True))


def last(customer, kind: str) -> CustomerEvent:
    return customer.events.filter(kind=kind).latest("id")


@pytest.fixture
def shelf(warehouse, store, variant):
    receive(warehouse, variant, 10)
    receive(store, variant, 10)


@pytest.mark.usefixtures("shelf")
class TestOrders:
    def test_shipping_is_on_the_timeline(self, variant, manager):
        order = delivery_order([(variant, 1)])

        order_mark_shipped(order=order, user=manager)

        event = last(order.customer, Kind.ORDER_SHIPPED)
        assert (event.channel, event.payload) == ("backoffice", {"order": order.number})

    def test_cancelling_a_paid_order_tells_of_the_cancel_then_the_refund(self, variant):
        order = delivery_order([(variant, 2)])

        order_cancel(order=order, channel=Channel.BACKOFFICE)

        assert kinds(order.customer)[-2:] == ["order_cancelled", "refund"]
        refund = last(order.customer, Kind.REFUND)
        assert refund.payload == {
            "order": order.number,
            "amount": str(order.total),
            "currency": order.currency,
            "method": "card",
            "status": "pending",
        }
        newest = customer_timeline(order.customer).entries[0]
        assert newest.summary == (
            f"Refund of {order.total} EUR to the card for order {order.number} (on its way)"
        )

    def test_a_cancel_that_fails_leaves_no_event(self, variant, monkeypatch):
        order = delivery_order([(variant, 1)])

        def gateway_down(**kwargs):
            raise RuntimeError("refund could not be recorded")

        monkeypatch.setattr(order_services, "refunds_for_cancelled", gateway_down)
        with pytest.raises(RuntimeError):
            order_cancel(order=order, channel=Channel.BACKOFFICE)

        assert Kind.ORDER_CANCELLED not in kinds(order.customer)

    def test_a_return_then_its_refund(self, store, variant, clerk):
        customer = factories.CustomerFactory()
        sale = till_sale(store, clerk, [(variant, 2)], customer=customer)

        return_create(
            order=sale,
            store=store,
            lines=[ReturnRequest(sku=variant.sku, quantity=1)],
            restock=True,
            channel=Channel.POS,
            user=clerk,
        )

        assert kinds(customer)[-2:] == ["order_returned", "refund"]
        refund = last(customer, Kind.REFUND)
        assert refund.store == store
        assert (refund.payload["method"], refund.payload["status"]) == ("card", "refunded")
        assert Decimal(refund.payload["amount"]) == variant.price

    def test_a_retried_refund_is_not_told_twice(self, variant):
        order = delivery_order([(variant, 1)])
        order_cancel(order=order, channel=Channel.BACKOFFICE)
        refused = order.payments.get(status="pending", refund_of__isnull=False)
        Payment.objects.filter(pk=refused.pk).update(status=Payment.Status.REFUND_FAILED)
        refused.refresh_from_db()

        refund_retry(refund=refused)

        assert kinds(order.customer).count("refund") == 1


@pytest.mark.usefixtures("shelf")
class TestEmails:
    def test_an_order_email_is_on_the_timeline_once_sent(
        self, store, variant, django_capture_on_commit_callbacks
    ):
        order = collect_order(store, [(variant, 1)])
        assert Kind.EMAIL_SENT not in kinds(order.customer)  # written, not sent yet
        mail.outbox.clear()

        with django_capture_on_commit_callbacks(execute=True):
            order_mark_ready(order=order, channel=Channel.POS)

        [email] = mail.outbox
        event = last(order.customer, Kind.EMAIL_SENT)
        assert (event.channel, event.store) == ("email", store)
        assert event.payload == {
            "email": "ready_for_pickup",
            "subject": email.subject,
            "to": order.email,
            "order": order.number,
        }

    def test_a_staff_reply_email_is_on_the_timeline_once_sent(
        self, manager, django_capture_on_commit_callbacks
    ):
        customer = factories.CustomerFactory(email="ann@example.com")
        ticket = ticket_open(subject="Zip", body="It broke", channel=Channel.WEB, customer=customer)

        with django_capture_on_commit_callbacks(execute=True):
            ticket_reply(ticket=ticket, body="Sorry!", channel=Channel.POS, author=manager)

        [email] = mail.outbox
        event = last(customer, Kind.EMAIL_SENT)
        assert event.payload == {
            "subject": email.subject,
            "to": "ann@example.com",
            "ticket": ticket.number,
        }
        assert event.channel == "email"


class TestCartAndNotes:
    def test_a_quantity_change_is_on_the_timeline_and_no_change_is_not(self, variant):
        customer = factories.CustomerFactory()
        cart = cart_for_customer(customer=customer)
        line = cart_line_add(cart=cart, sku=variant.sku, quantity=1, channel=Channel.WEB)

        cart_line_update(cart=cart, line_id=line.pk, quantity=3, channel=Channel.WEB)
        cart_line_update(cart=cart, line_id=line.pk, quantity=3, channel=Channel.WEB)

        assert kinds(customer) == ["cart_line_added", "cart_line_updated"]
        assert last(customer, Kind.CART_LINE_UPDATED).payload == {
            "sku": variant.sku,
            "name": variant.display_name,
            "quantity": 3,
            "previous": 1,
        }

    def test_an_internal_note_is_on_the_staff_timeline_only(self, clerk):
        customer = factories.CustomerFactory()
        ticket = ticket_open(subject="Zip", body="It broke", channel=Channel.WEB, customer=customer)

        ticket_reply(
            ticket=ticket, body="Regular.", channel=Channel.POS, author=clerk, internal=True
        )

        staff_view = [e.kind for e in customer_timeline(customer, include_internal=True).entries]
        own_view = [e.kind for e in customer_timeline(customer).entries]
        assert staff_view == ["ticket_note", "ticket_opened"]
        assert own_view == ["ticket_opened"]
