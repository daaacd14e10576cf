"""Inbound email: each threading rule, a second delivery of the same email, emails that
cannot be read, and the mail server's pipe (`manage.py receive_email`)."""

import io
import mailbox
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from email.message import EmailMessage

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from shop.channels import Channel
from shop.customers.models import Customer
from shop.support.errors import InvalidEmail
from shop.support.inbound import email_parse, email_receive
from shop.support.models import Ticket, TicketMessage
from shop.support.services import ticket_reply, ticket_set_status
from tests import factories
from tests.shop.ticket_support import emailed_ticket, raw_email, reply_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket():
    """Ann's ticket, opened by email, with the shop's answer (which has a Message-ID)."""
    ticket = emailed_ticket(subject="Where is my parcel?", message_id="<ask@mail.example.com>")
    ticket_reply(
        ticket=ticket,
        body="It left today.",
        channel=Channel.POS,
        author=factories.clerk(store=factories.LocationFactory()),
    )
    return ticket


def answer(**fields):
    return email_receive(raw=raw_email(**fields))


def shop_answer_id(ticket) -> str:
    return ticket.messages.filter(author__isnull=False).latest("at").message_id


class TestThreading:
    def test_a_new_email_opens_a_ticket_for_its_sender(self):
        received = answer(
            sender="Bob Stone <bob@example.com>",
            subject="RE: Fwd: Gift wrapping",
            body="Can you gift-wrap order 12?",
            message_id="<new@mail.example.com>",
        )

        ticket, message = received.ticket, received.message
        assert received.created
        assert (ticket.opened_channel, ticket.subject, ticket.status) == (
            "email",
            "Gift wrapping",
            "open",
        )
        assert ticket.customer == Customer.objects.get(email="bob@example.com")
        assert ticket.customer.name == "Bob Stone"
        assert (message.channel, message.author_email, message.message_id) == (
            "email",
            "bob@example.com",
            "<new@mail.example.com>",
        )
        assert message.body == "Can you gift-wrap order 12?"
        assert ticket.customer.events.filter(kind="ticket_opened", channel="email").exists()

    def test_the_reply_address_token_joins_whatever_the_subject_and_sender(self, ticket):
        received = email_receive(
            raw=reply_to(ticket, sender="ann.work@example.org", subject="different")
        )

        assert received.ticket == ticket
        assert received.message.author_email == "ann.work@example.org"
        ticket.refresh_from_db()
        assert ticket.status == "open"  # the customer answered: it needs the shop again

    def test_the_token_is_found_in_delivery_headers_and_in_any_case(self, ticket):
        received = answer(
            to="someone@example.com",
            delivered_to=f"SUPPORT+{ticket.reply_token.upper()}@omnistore.local",
            subject="no tag here",
        )

        assert received.ticket == ticket

    def test_in_reply_to_names_the_shops_answer(self, ticket):
        received = answer(subject="thanks", in_reply_to=shop_answer_id(ticket))

        assert received.ticket == ticket

    def test_references_name_a_message_of_the_thread(self, ticket):
        received = answer(
            subject="one more thing",
            references=f"<unknown@elsewhere.example> {shop_answer_id(ticket)}",
        )

        assert received.ticket == ticket

    def test_a_subject_tag_joins_when_the_customer_sent_it(self, ticket):
        received = answer(sender="ANN@example.com", subject=f"Re: [#{ticket.number}] parcel")

        assert received.ticket == ticket
        assert ticket.messages.count() == 3

    def test_a_subject_tag_from_someone_else_opens_their_own_ticket(self, ticket):
        received = answer(sender="mallory@example.com", subject=f"[#{ticket.number}] hi")

        assert received.ticket != ticket
        assert received.ticket.customer.email == "mallory@example.com"
        assert ticket.messages.count() == 2

    def test_the_token_wins_over_a_subject_tag_of_another_ticket(self, ticket):
        other = emailed_ticket(subject="Another one")

        received = email_receive(raw=reply_to(ticket, subject=f"[#{other.number}] mixed up"))

        assert received.ticket == ticket

    def test_an_answer_to_a_closed_ticket_opens_a_follow_up(self, ticket):
        order = factories.OrderFactory(customer=ticket.customer, number="OS-FOLLOW1")
        Ticket.objects.filter(pk=ticket.pk).update(order=order)
        ticket_set_status(ticket=ticket, status="closed", channel=Channel.API)

        received = email_receive(raw=reply_to(ticket, subject="Re: still waiting"))

        follow_up = received.ticket
        assert follow_up != ticket
        assert (follow_up.customer, follow_up.order, follow_up.subject) == (
            ticket.customer,
            order,
            "Where is my parcel?",
        )
        assert ticket.messages.count() == 2


class TestSameEmailTwice:
    def test_a_second_delivery_stores_nothing(self, ticket):
        raw = reply_to(ticket, message_id="<again@mail.example.com>")

        first = email_receive(raw=raw)
        second = email_receive(raw=raw)

        assert first.created
        assert not second.created
        assert second.message == first.message
        assert TicketMessage.objects.filter(message_id="<again@mail.example.com>").count() == 1

    def test_a_new_email_delivered_twice_is_one_ticket(self):
        raw = raw_email(sender="carl@example.com", message_id="<once@mail.example.com>")

        assert email_receive(raw=raw).ticket == email_receive(raw=raw).ticket
        assert Ticket.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_deliveries_at_once_store_one_message():
    raw = raw_email(sender="dora@example.com", message_id="<race@mail.example.com>")
    start = threading.Barrier(4)

    def deliver():
        try:
            start.wait(timeout=30)
            return email_receive(raw=raw).ticket.number
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        numbers = list(pool.map(lambda _: deliver(), range(4)))

    assert len(set(numbers)) == 1
    assert TicketMessage.objects.count() == 1
    assert Ticket.objects.count() == 1


class TestReading:
    def test_html_only_email_is_read_as_text(self):
        received = answer(
            body="",
            html="<html><head><style>p{color:red}</style></head><body><p>Hello&nbsp;there"
            "</p><p>Order <b>OS-1</b></p><script>alert(1)</script></body></html>",
        )

        assert received.message.body == "Hello there\nOrder OS-1"

    def test_the_plain_part_is_preferred(self):
        received = answer(body="plain words", html="<p>html words</p>")

        assert received.message.body == "plain words"

    def test_the_quote_of_our_message_is_left_out(self):
        received = answer(
            body="Yes please.\n\nOn Mon, 3 Mar 2025, Omnistore wrote:\n> It left today.\n> \n"
        )

        assert received.message.body == "Yes please."

    def test_another_charset_is_decoded(self):
        message = EmailMessage()
        message["From"] = "eve@example.com"
        message["Subject"] = "Déjà vu"
        message.set_content("Très bien, merci.", charset="iso-8859-1", cte="quoted-printable")

        received = email_receive(raw=message.as_bytes())

        assert received.message.body == "Très bien, merci."
        assert received.ticket.subject == "Déjà vu"

    @pytest.mark.parametrize(
        "raw",
        [
            b"",
            b"\x00\xff\xfe not an email at all",
            raw_email(sender=""),
            raw_email(sender="not an address"),
            raw_email(body="  \n  "),
            raw_email(body="", html="<p>  </p>"),
            raw_email(sender="Omnistore support <support@omnistore.local>"),
        ],
        ids=["empty", "garbage", "no-from", "bad-from", "blank", "blank-html", "ourselves"],
    )
    def test_an_email_that_cannot_be_read_is_refused(self, raw):
        with pytest.raises(InvalidEmail):
            email_receive(raw=raw)

        assert not Ticket.objects.exists()
        assert not Customer.objects.exists()

    def test_headers_read(self):
        mail = email_parse(
            raw_email(
                to="A <a@example.com>, support+abc@omnistore.local",
                cc="c@example.com",
                message_id="<id-1@x>",
                in_reply_to="<p@x>",
                references="<r1@x>  <r2@x>",
            )
        )

        assert mail.recipients == ("a@example.com", "support+abc@omnistore.local", "c@example.com")
        assert (mail.message_id, mail.in_reply_to, mail.references) == (
            "<id-1@x>",
            ("<p@x>",),
            ("<r1@x>", "<r2@x>"),
        )


class TestReceiveEmailCommand:
    def test_one_email_from_a_pipe(self, monkeypatch):
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw_email())))
        out = io.StringIO()

        call_command("receive_email", stdout=out)

        ticket = Ticket.objects.get()
        assert f"filed on {ticket.number}" in out.getvalue()

    def test_an_unreadable_email_exits_with_a_data_error(self, monkeypatch):
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw_email(sender=""))))

        with pytest.raises(CommandError) as error:
            call_command("receive_email")
        assert error.value.returncode == 65
        assert not Ticket.objects.exists()

    def test_every_email_of_a_mailbox(self, tmp_path):
        path = tmp_path / "inbox.mbox"
        box = mailbox.mbox(path)
        first = raw_email(sender="fay@example.com", message_id="<f1@mail.example.com>")
        for raw in (
            first,
            raw_email(sender="fay@example.com", in_reply_to="<f1@mail.example.com>"),
            raw_email(sender=""),
            first,
        ):
            box.add(raw)
        box.flush()
        out, err = io.StringIO(), io.StringIO()

        with pytest.raises(CommandError, match="1 of 4"):
            call_command("receive_email", mbox=str(path), stdout=out, stderr=err)

        ticket = Ticket.objects.get()
        assert ticket.messages.count() == 2
        assert "message 3" in err.getvalue()
        assert "message 4: already received" in out.getvalue()

    def test_a_missing_mailbox(self, tmp_path):
        with pytest.raises(CommandError, match="Cannot read"):
            call_command("receive_email", mbox=str(tmp_path / "nope.mbox"))
