"""Service requests: opening, replies, status moves, the customer timeline and the email
of a staff reply (through the outbox)."""

import re
from email.utils import getaddresses

import pytest
from django.core import mail
from django.urls import reverse

from shop.channels import Channel
from shop.customers.models import Customer, CustomerEvent
from shop.customers.services import customer_merge
from shop.errors import InvalidInput, PermissionDenied
from shop.outbox.models import OutboxMessage
from shop.support.errors import TicketStatusConflict
from shop.support.inbound import email_receive
from shop.support.models import Ticket, TicketMessage
from shop.support.selectors import (
    open_ticket_count,
    staff_queue,
    ticket_thread,
    tickets_for_customer,
)
from shop.support.services import ticket_assign, ticket_open, ticket_reply, ticket_set_status
from tests import factories
from tests.conftest import admin_client
from tests.shop.ticket_support import emailed_ticket, raw_email, web_ticket

pytestmark = pytest.mark.django_db
Status = Ticket.Status


@pytest.fixture
def customer():
    return factories.CustomerFactory(
        email="ann@example.com", user=factories.UserFactory(username="ann")
    )


def events(customer, kind: str) -> list[CustomerEvent]:
    return list(customer.events.filter(kind=kind).order_by("id"))


def staff_reply(ticket, user, body="We are on it.", *, internal=False) -> TicketMessage:
    return ticket_reply(
        ticket=ticket, body=body, channel=Channel.POS, author=user, internal=internal
    )


def sent_email(django_capture_on_commit_callbacks, reply):
    """Runs `reply` and delivers what it queued; the one email sent."""
    with django_capture_on_commit_callbacks(execute=True):
        message = reply()
    [email] = mail.outbox
    return message, email.message()


class TestOpen:
    def test_a_shopper_opens_a_ticket_with_its_first_message(self, customer):
        ticket = web_ticket(customer, subject="  Broken   zip ", body=" The zip broke. ")

        assert re.fullmatch(r"T-[2-9A-HJ-NP-Z]{6}", ticket.number)
        assert re.fullmatch(r"[0-9a-f]{32}", ticket.reply_token)
        assert (ticket.status, ticket.subject, ticket.opened_channel) == (
            Status.OPEN,
            "Broken zip",
            "web",
        )
        [message] = ticket_thread(ticket=ticket, include_internal=True)
        assert (message.body, message.channel, message.author, message.internal) == (
            "The zip broke.",
            "web",
            customer.user,
            False,
        )
        [event] = events(customer, "ticket_opened")
        assert event.channel == "web"
        assert event.payload["ticket"] == ticket.number
        assert event.payload["subject"] == "Broken zip"

    def test_a_guest_email_becomes_the_customer_known_by_it(self, customer):
        ticket = ticket_open(
            email="ANN@example.com", subject="Hello", body="Hi", channel=Channel.WEB
        )
        new = ticket_open(email="bob@example.com", subject="Hi", body="Hi", channel=Channel.WEB)

        assert ticket.customer == customer
        assert new.customer.email == "bob@example.com"
        assert TicketMessage.objects.get(ticket=new).author_email == "bob@example.com"

    def test_a_clerk_opens_one_for_a_customer_at_the_till(self, customer, clerk, store):
        ticket = ticket_open(
            customer=customer,
            subject="Wrong size",
            body="Came in to swap it.",
            channel=Channel.POS,
            author=clerk,
            store=store,
        )

        assert (ticket.opened_channel, ticket.store) == ("pos", store)
        assert ticket.messages.get().author == clerk
        [event] = events(customer, "ticket_opened")
        assert event.store == store

    def test_the_order_must_be_the_customers(self, customer):
        own = factories.OrderFactory(customer=customer, number="OS-OWN111")
        guest = factories.OrderFactory(email="ANN@example.com", number="OS-GST111")
        other = factories.OrderFactory(
            customer=factories.CustomerFactory(), number="OS-OTH111", email="ann@example.com"
        )

        for order in (own, guest):
            ticket = ticket_open(
                customer=customer,
                subject="Late",
                body="Late.",
                channel=Channel.WEB,
                order_number=order.number.lower(),
            )
            assert ticket.order == order
        with pytest.raises(InvalidInput, match="No order OS-OTH111"):
            ticket_open(
                customer=customer,
                subject="x",
                body="y",
                channel=Channel.WEB,
                order_number=other.number,
            )
        assert Ticket.objects.count() == 2

    @pytest.mark.parametrize(("subject", "body"), [("", "text"), ("Subject", "  \n ")])
    def test_nothing_is_opened_without_a_subject_and_a_message(self, customer, subject, body):
        with pytest.raises(InvalidInput):
            ticket_open(customer=customer, subject=subject, body=body, channel=Channel.WEB)

        assert not Ticket.objects.exists()
        assert not customer.events.exists()


class TestReplies:
    def test_a_staff_answer_waits_for_the_customer_and_theirs_reopens_it(self, customer, clerk):
        ticket = web_ticket(customer)

        staff_reply(ticket, clerk)
        assert ticket.status == Status.WAITING_CUSTOMER
        ticket_reply(ticket=ticket, body="Thanks!", channel=Channel.WEB, author=customer.user)
        assert ticket.status == Status.OPEN

        ticket_set_status(ticket=ticket, status=Status.RESOLVED, channel=Channel.POS, user=clerk)
        ticket_reply(ticket=ticket, body="It broke again.", channel=Channel.WEB)
        ticket.refresh_from_db()
        assert ticket.status == Status.OPEN
        assert [m.channel for m in ticket_thread(ticket=ticket, include_internal=True)] == [
            "web",
            "pos",
            "web",
            "web",
        ]

    def test_each_public_message_is_on_the_timeline(self, customer, clerk, store):
        ticket = web_ticket(customer)
        message = staff_reply(ticket, clerk)

        [event] = events(customer, "ticket_message")
        assert event.payload == {
            "ticket": ticket.number,
            "message": message.pk,
            "staff": True,
            "status": "waiting_customer",
        }
        assert (event.channel, event.store) == ("pos", store)

    def test_an_internal_note_is_for_staff_only(
        self, customer, clerk, django_capture_on_commit_callbacks
    ):
        ticket = web_ticket(customer)
        with django_capture_on_commit_callbacks(execute=True):
            note = staff_reply(ticket, clerk, "Customer is a regular.", internal=True)

        assert note.internal
        assert ticket.status == Status.OPEN  # a note changes nothing for the customer
        assert mail.outbox == []
        assert events(customer, "ticket_message") == []  # the timeline is the customer's
        assert note not in ticket_thread(ticket=ticket, include_internal=False)
        assert note in ticket_thread(ticket=ticket, include_internal=True)
        with pytest.raises(PermissionDenied):
            ticket_reply(
                ticket=ticket,
                body="me too",
                channel=Channel.WEB,
                author=customer.user,
                internal=True,
            )

    def test_a_closed_ticket_takes_no_messages(self, customer, manager):
        ticket = web_ticket(customer)
        ticket_set_status(ticket=ticket, status=Status.CLOSED, channel=Channel.API, user=manager)

        with pytest.raises(TicketStatusConflict):
            ticket_reply(ticket=ticket, body="Hello?", channel=Channel.WEB)
        with pytest.raises(TicketStatusConflict):
            staff_reply(ticket, manager)
        assert ticket.messages.count() == 1


class TestReplyEmail:
    def test_a_staff_answer_is_emailed_with_what_brings_the_reply_back(
        self, customer, clerk, settings, django_capture_on_commit_callbacks
    ):
        settings.SUPPORT_REPLY_DOMAIN = "help.example.net"
        settings.SUPPORT_FROM_EMAIL = "Shop help <help@example.net>"
        ticket = emailed_ticket(message_id="<first@mail.example.com>")

        message, email = sent_email(
            django_capture_on_commit_callbacks,
            lambda: staff_reply(ticket, clerk, "Your parcel left today."),
        )

        assert message.message_id.endswith("@help.example.net>")
        assert email["Message-ID"] == message.message_id
        assert email["Reply-To"] == f"support+{ticket.reply_token}@help.example.net"
        assert email["From"] == "Shop help <help@example.net>"
        assert email["To"] == "ann@example.com"
        assert email["Subject"] == f"[#{ticket.number}] Where is my parcel?"
        assert email["In-Reply-To"] == "<first@mail.example.com>"
        assert email["References"] == "<first@mail.example.com>"
        assert "Your parcel left today." in email.get_content()
        assert OutboxMessage.objects.get(key=f"ticket-message:{message.pk}").status == "done"

    def test_the_thread_references_grow_and_stay_bounded(
        self, clerk, django_capture_on_commit_callbacks
    ):
        ids = [f"<m{n}@mail.example.com>" for n in range(12)]
        ticket = emailed_ticket(message_id=ids[0])
        for message_id in ids[1:]:
            email_receive(raw=raw_email(subject=f"[#{ticket.number}] again", message_id=message_id))
        assert ticket.messages.count() == 12

        _, email = sent_email(
            django_capture_on_commit_callbacks, lambda: staff_reply(ticket, clerk)
        )

        references = email["References"].split()
        assert references == [ids[0], *ids[-9:]]
        assert email["In-Reply-To"] == ids[-1]

    def test_a_customer_without_email_gets_none(self, clerk, django_capture_on_commit_callbacks):
        customer = Customer.objects.create(name="Walk-in", phone="0600000000")
        ticket = ticket_open(customer=customer, subject="s", body="b", channel=Channel.POS)
        with django_capture_on_commit_callbacks(execute=True):
            staff_reply(ticket, clerk)

        assert mail.outbox == []
        assert ticket.status == Status.WAITING_CUSTOMER

    def test_an_answer_that_rolls_back_sends_nothing(
        self, customer, clerk, django_capture_on_commit_callbacks
    ):
        ticket = web_ticket(customer)
        with django_capture_on_commit_callbacks(execute=True), pytest.raises(InvalidInput):
            staff_reply(ticket, clerk, body="   ")  # fails after the status moved

        assert mail.outbox == []
        assert not OutboxMessage.objects.exists()
        ticket.refresh_from_db()
        assert ticket.status == Status.OPEN


class TestStatus:
    @pytest.mark.parametrize(
        ("path", "last"),
        [
            (["waiting_customer", "resolved", "closed"], "closed"),
            (["resolved", "open", "closed", "open"], "open"),
            (["closed", "open", "waiting_customer"], "waiting_customer"),
        ],
    )
    def test_allowed_moves(self, customer, manager, path, last):
        ticket = web_ticket(customer)
        for status in path:
            ticket_set_status(ticket=ticket, status=status, channel=Channel.API, user=manager)

        ticket.refresh_from_db()
        assert ticket.status == last
        assert [e.payload["status"] for e in events(customer, "ticket_status")] == path

    @pytest.mark.parametrize("target", ["waiting_customer", "resolved"])
    def test_a_closed_ticket_only_reopens(self, customer, manager, target):
        ticket = web_ticket(customer)
        ticket_set_status(ticket=ticket, status="closed", channel=Channel.API, user=manager)

        with pytest.raises(TicketStatusConflict) as error:
            ticket_set_status(ticket=ticket, status=target, channel=Channel.API, user=manager)
        assert error.value.details == [{"ticket": ticket.number, "status": "closed"}]

    def test_asking_for_the_current_status_changes_nothing(self, customer, manager):
        ticket = web_ticket(customer)
        ticket_set_status(ticket=ticket, status="resolved", channel=Channel.API, user=manager)
        ticket_set_status(ticket=ticket, status="resolved", channel=Channel.API, user=manager)

        assert len(events(customer, "ticket_status")) == 1

    def test_a_stale_copy_cannot_move_a_ticket_from_where_it_was(self, customer, manager):
        ticket = web_ticket(customer)
        stale = Ticket.objects.get(pk=ticket.pk)
        ticket_set_status(ticket=ticket, status="closed", channel=Channel.API, user=manager)

        with pytest.raises(TicketStatusConflict):
            ticket_set_status(ticket=stale, status="resolved", channel=Channel.API, user=manager)
        ticket.refresh_from_db()
        assert ticket.status == "closed"

    def test_unknown_status(self, customer, manager):
        with pytest.raises(InvalidInput):
            ticket_set_status(
                ticket=web_ticket(customer), status="done", channel=Channel.API, user=manager
            )


class TestSelectorsAndMerge:
    def test_queue_and_customer_lists(self, customer, manager, clerk, store):
        mine = web_ticket(customer)
        theirs = web_ticket(factories.CustomerFactory())
        ticket_assign(ticket=theirs, assignee=clerk)
        ticket_set_status(ticket=mine, status="resolved", channel=Channel.API, user=manager)

        assert list(tickets_for_customer(customer=customer)) == [mine]
        assert list(staff_queue()) == [mine, theirs]  # last changed first
        assert list(staff_queue(status="resolved")) == [mine]
        assert list(staff_queue(assignee=clerk)) == [theirs]
        assert list(staff_queue(customer=customer.pk)) == [mine]
        assert open_ticket_count(customer=customer) == 0
        assert open_ticket_count(customer=theirs.customer) == 1

    def test_only_staff_are_assigned(self, customer):
        with pytest.raises(InvalidInput):
            ticket_assign(ticket=web_ticket(customer), assignee=customer.user)

    def test_tickets_follow_a_merged_customer(self, customer):
        duplicate = factories.CustomerFactory(email="ann.other@example.com")
        ticket = web_ticket(duplicate)

        customer_merge(source=duplicate, target=customer)

        ticket.refresh_from_db()
        assert ticket.customer == customer


class TestAdmin:
    def test_the_ticket_page_shows_the_latest_messages_and_moves_the_status(
        self, customer, manager, monkeypatch
    ):
        monkeypatch.setattr("shop.support.admin.INLINE_MESSAGES", 3)
        ticket = web_ticket(customer, body="first message")
        for n in range(4):
            ticket_reply(ticket=ticket, body=f"follow-up {n}", channel=Channel.WEB)
        client = admin_client(manager)

        page = client.get(reverse("admin:support_ticket_change", args=[ticket.pk]))
        assert page.status_code == 200
        html = page.content.decode()
        assert "follow-up 3" in html
        assert "first message" not in html  # only the latest three

        response = client.post(
            reverse("admin:support_ticket_changelist"),
            {"action": "mark_resolved", "_selected_action": [ticket.pk]},
        )
        assert response.status_code == 302
        ticket.refresh_from_db()
        assert ticket.status == "resolved"

    def test_a_manager_assigns_a_ticket_to_staff(self, customer, manager, clerk):
        ticket = web_ticket(customer)
        client = admin_client(manager)
        url = reverse("admin:support_ticket_change", args=[ticket.pk])
        inline = {
            "messages-TOTAL_FORMS": "1",
            "messages-INITIAL_FORMS": "1",
            "messages-MIN_NUM_FORMS": "0",
            "messages-MAX_NUM_FORMS": "1000",
            "messages-0-id": ticket.messages.get().pk,
            "messages-0-ticket": ticket.pk,
        }

        response = client.post(url, {"assignee": clerk.pk, **inline})
        assert response.status_code == 302, response.context["errors"]
        ticket.refresh_from_db()
        assert ticket.assignee == clerk
        refused = client.post(url, {"assignee": customer.user.pk, **inline})
        assert refused.status_code == 200  # the form says no: not a staff member
        ticket.refresh_from_db()
        assert ticket.assignee == clerk


def test_reply_address_is_read_back_as_a_recipient(customer):
    """The address the email names is one the inbound side recognises."""
    from shop.support.emails import reply_address

    ticket = web_ticket(customer)
    [(_, address)] = getaddresses([reply_address(ticket)])
    assert email_receive(raw=raw_email(to=address, subject="no tag")).ticket == ticket
