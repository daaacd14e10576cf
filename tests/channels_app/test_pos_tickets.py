"""Service requests at the till: the staff queue with its filters, and a request's page where
the clerk reads the whole thread (internal notes marked), replies (the customer is emailed
through the service) or adds a note, takes the request and moves its status."""

import uuid

import pytest
from django.core import mail

from shop.channels import Channel
from shop.support.models import Ticket
from shop.support.services import ticket_assign, ticket_open, ticket_reply, ticket_set_status
from tests import factories
from tests.channels_app.support import page_queries, page_text
from tests.shop.ticket_support import emailed_ticket, web_ticket

pytestmark = pytest.mark.django_db

QUEUE = "/pos/tickets/"


def url(ticket: Ticket, action: str = "") -> str:
    return f"{QUEUE}{ticket.number}/" + (f"{action}/" if action else "")


def listed(response) -> list[str]:
    return [ticket.number for ticket in response.context["page"]]


@pytest.fixture
def ann(db):
    return factories.CustomerFactory(name="Ann Example", email="ann@example.com")


@pytest.fixture
def ticket(ann, manager):
    """Ann's web request, with a note a manager left on it."""
    ticket = web_ticket(ann, subject="Zip broke", body="The zip broke on day one.")
    ticket_reply(
        ticket=ticket, body="Offer a refund.", channel=Channel.POS, author=manager, internal=True
    )
    return ticket


def answer(client, store, ticket, kind: str, body: str, key: str | None = None):
    return client.post(
        url(ticket, "messages"),
        {
            "store": store.code,
            "idempotency_key": key or str(uuid.uuid4()),
            "kind": kind,
            "body": body,
        },
    )


class TestAccess:
    def test_shoppers_are_refused(self, client, shopper, ticket):
        client.force_login(shopper)

        assert client.get(QUEUE).status_code == 403
        assert client.get(url(ticket)).status_code == 403
        assert answer(client, factories.LocationFactory(), ticket, "reply", "Hi").status_code == 403
        assert ticket.messages.count() == 2

    def test_anonymous_is_sent_to_sign_in(self, client, ticket):
        assert client.get(url(ticket))["Location"] == f"/accounts/login/?next={url(ticket)}"

    def test_an_unknown_request_is_a_404(self, clerk_client):
        response = clerk_client.get(f"{QUEUE}T-NOSUCH/")

        assert response.status_code == 404
        assert "No service request T-NOSUCH." in page_text(response)


class TestQueue:
    def test_a_clerk_sees_every_channels_requests(self, clerk_client, ticket, other_store, ann):
        emailed = emailed_ticket("bob@example.com", subject="Invoice please")
        elsewhere = ticket_open(
            customer=ann, subject="Hem", body="Shorter.", channel="pos", store=other_store
        )

        response = clerk_client.get(QUEUE)

        assert response.status_code == 200
        assert set(listed(response)) == {ticket.number, emailed.number, elsewhere.number}
        page = page_text(response)
        assert "Zip broke" in page
        assert "Invoice please" in page
        assert f'href="/pos/customers/{ann.pk}/"' in page

    def test_by_status_with_counts(self, clerk_client, ticket, manager, ann):
        waiting = web_ticket(ann, subject="Size?")
        ticket_reply(ticket=waiting, body="Which size?", channel="pos", author=manager)
        done = web_ticket(ann, subject="Done")
        ticket_set_status(ticket=done, status="resolved", channel="pos", user=manager)

        response = clerk_client.get(QUEUE)

        assert listed(response) == [ticket.number]  # open ones first
        tabs = {value: count for value, _, count in response.context["tabs"]}
        assert tabs == {"open": 1, "waiting_customer": 1, "resolved": 1, "closed": 0, "all": 3}
        assert listed(clerk_client.get(f"{QUEUE}?status=waiting_customer")) == [waiting.number]
        assert len(listed(clerk_client.get(f"{QUEUE}?status=all"))) == 3
        assert listed(clerk_client.get(f"{QUEUE}?status=nonsense")) == [ticket.number]

    def test_this_stores_and_mine(self, clerk_client, clerk, store, other_store, ann, ticket):
        here = ticket_open(customer=ann, subject="Here", body="Hi", channel="pos", store=store)
        ticket_open(customer=ann, subject="There", body="Hi", channel="pos", store=other_store)
        ticket_assign(ticket=ticket, assignee=clerk)

        assert listed(clerk_client.get(f"{QUEUE}?scope=store")) == [here.number]
        mine = clerk_client.get(f"{QUEUE}?scope=mine")
        assert listed(mine) == [ticket.number]
        assert {v: c for v, _, c in mine.context["tabs"]}["all"] == 1

    def test_costs_the_same_for_1_and_30_requests(self, clerk_client, clerk, store, manager):
        def more(n: int) -> None:
            for i in range(n):
                customer = factories.CustomerFactory()
                order = factories.OrderFactory(customer=customer, store=store)
                ticket = ticket_open(
                    customer=customer,
                    subject=f"Request {i}",
                    body="Hello",
                    channel="pos",
                    store=store,
                    order_number=order.number,
                )
                ticket_assign(ticket=ticket, assignee=manager if i % 2 else clerk)

        more(1)
        few = page_queries(clerk_client, QUEUE)
        more(29)

        assert page_queries(clerk_client, QUEUE) == few
        assert len(listed(clerk_client.get(QUEUE))) == 25  # a page


class TestTicketPage:
    def test_the_whole_thread_with_internal_notes_marked(self, clerk_client, ticket):
        response = clerk_client.get(url(ticket))

        page = page_text(response)
        assert response.status_code == 200
        assert "The zip broke on day one." in page
        assert "Offer a refund." in page
        assert page.count("Internal note</span>") == 1
        assert 'Ann Example <span class="muted">(customer)</span>' in page
        assert [m.internal for m in response.context["ticket"].thread] == [False, True]

    def test_a_reply_emails_the_customer_and_waits_for_them(
        self, clerk_client, clerk, store, ticket, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = answer(clerk_client, store, ticket, "reply", "A new one is on its way.")

        assert response.status_code == 302
        assert response["Location"] == url(ticket)
        message = ticket.messages.order_by("-id").first()
        assert (message.body, message.channel, message.author, message.internal) == (
            "A new one is on its way.",
            Channel.POS,
            clerk,
            False,
        )
        [email] = mail.outbox
        assert email.to == ["ann@example.com"]
        assert email.subject == f"[#{ticket.number}] Zip broke"
        assert "A new one is on its way." in email.body
        ticket.refresh_from_db()
        assert ticket.status == Ticket.Status.WAITING_CUSTOMER
        assert "Reply sent: ann@example.com gets it by email." in page_text(
            clerk_client.get(url(ticket))
        )

    def test_an_internal_note_is_not_emailed(
        self, clerk_client, store, ticket, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            answer(clerk_client, store, ticket, "note", "Called her back.")

        note = ticket.messages.order_by("-id").first()
        assert (note.body, note.internal) == ("Called her back.", True)
        assert mail.outbox == []
        ticket.refresh_from_db()
        assert ticket.status == Ticket.Status.OPEN

    def test_a_double_submit_writes_and_emails_once(
        self, clerk_client, store, ticket, django_capture_on_commit_callbacks
    ):
        key = str(uuid.uuid4())
        with django_capture_on_commit_callbacks(execute=True):
            answer(clerk_client, store, ticket, "reply", "Once only.", key=key)
            answer(clerk_client, store, ticket, "reply", "Once only.", key=key)

        assert ticket.messages.filter(body="Once only.").count() == 1
        assert len(mail.outbox) == 1

    def test_an_answer_that_is_neither_reply_nor_note_is_a_form_error(
        self, clerk_client, store, ticket
    ):
        response = answer(clerk_client, store, ticket, "shout", "Hello")

        assert response.status_code == 400
        assert "Choose to reply or to add a note" in page_text(response)
        assert ticket.messages.count() == 2

    def test_an_empty_answer_is_a_form_error(self, clerk_client, store, ticket):
        response = answer(clerk_client, store, ticket, "reply", "")

        assert response.status_code == 400
        assert "Write a message." in page_text(response)
        assert ticket.messages.count() == 2

    def test_status_moves_and_a_refused_move_is_a_message(
        self, clerk_client, store, ticket, manager
    ):
        response = clerk_client.post(
            url(ticket, "status"), {"store": store.code, "status": "resolved"}
        )

        assert response.status_code == 302
        ticket.refresh_from_db()
        assert ticket.status == Ticket.Status.RESOLVED
        ticket_set_status(ticket=ticket, status="closed", channel="pos", user=manager)
        page = page_text(clerk_client.get(url(ticket)))
        assert "This request is closed" in page
        assert 'name="body"' not in page
        assert ">Reopen</button>" in page
        assert ">Mark resolved</button>" not in page

        refused = clerk_client.post(
            url(ticket, "status"),
            {"store": store.code, "status": "resolved"},
            HTTP_REFERER=f"http://testserver{url(ticket)}",
            follow=True,
        )

        assert "it cannot become resolved" in page_text(refused)
        ticket.refresh_from_db()
        assert ticket.status == Ticket.Status.CLOSED

    def test_a_closed_request_takes_no_answer(self, clerk_client, store, ticket, manager):
        ticket_set_status(ticket=ticket, status="closed", channel="pos", user=manager)

        response = answer(clerk_client, store, ticket, "reply", "Hello?")

        assert response.status_code == 400
        assert f"Service request {ticket.number} is closed." in page_text(response)
        assert ticket.messages.count() == 2

    def test_take_and_release(self, clerk_client, clerk, store, ticket):
        clerk_client.post(url(ticket, "take"), {"store": store.code})
        ticket.refresh_from_db()
        assert ticket.assignee == clerk
        assert ">Release</button>" in page_text(clerk_client.get(url(ticket)))

        clerk_client.post(url(ticket, "take"), {"store": store.code, "release": "1"})

        ticket.refresh_from_db()
        assert ticket.assignee is None

    def test_the_order_it_is_about_with_the_return_shortcut(self, clerk_client, ann, store):
        order = factories.OrderFactory(customer=ann, store=store, status="completed")
        ticket = ticket_open(
            customer=ann,
            subject="Torn",
            body="Torn seam.",
            channel="web",
            order_number=order.number,
        )

        page = page_text(clerk_client.get(url(ticket)))

        assert f'href="/pos/returns/{order.number}/"' in page
        assert f'href="/pos/customers/{ann.pk}/"' in page

    def test_costs_the_same_for_a_short_and_a_long_thread(self, clerk_client, ticket, manager):
        few = page_queries(clerk_client, url(ticket))
        for n in range(10):
            ticket_reply(
                ticket=ticket, body=f"Note {n}", channel="pos", author=manager, internal=n % 2 == 0
            )

        assert page_queries(clerk_client, url(ticket)) == few
