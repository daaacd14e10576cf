"""The shopper's service-request pages: their requests, a request's thread with a reply form, a
new request about one of their orders, the contact form for anonymous shoppers, and returns
and requests on the account page."""

import uuid

import pytest
from django.test import Client

from shop.channels import Channel
from shop.orders.models import Order
from shop.support.models import Ticket
from shop.support.services import ticket_open, ticket_reply, ticket_set_status
from tests import factories
from tests.channels_app.customer_support import shopper_customer, store_sale, take_back, web_order
from tests.channels_app.support import page_queries, page_text
from tests.shop.ticket_support import web_ticket

TICKETS = "/account/requests/"
NEW = "/account/requests/new/"
CONTACT = "/contact/"
ACCOUNT = "/account/orders/"

pytestmark = pytest.mark.django_db


def ticket_url(ticket: Ticket, action: str = "") -> str:
    return f"{TICKETS}{ticket.number}/" + (f"{action}/" if action else "")


def form(**fields) -> dict:
    return {"idempotency_key": str(uuid.uuid4()), **fields}


@pytest.fixture
def customer(shopper):
    return shopper_customer(shopper)


@pytest.fixture
def shopper_client(client, shopper):
    client.force_login(shopper)
    return client


@pytest.fixture
def someone_else():
    return factories.CustomerFactory(email="other@example.com", name="Other Person")


@pytest.fixture
def answered(customer, manager):
    """The shopper's request with a public answer and an internal note from staff."""
    ticket = web_ticket(customer, subject="Zip broke", body="The zip broke on day one.")
    ticket_reply(ticket=ticket, body="Bring it to any store.", channel=Channel.POS, author=manager)
    ticket_reply(
        ticket=ticket,
        body="Offer a refund if asked.",
        channel=Channel.POS,
        author=manager,
        internal=True,
    )
    return ticket


class TestSignInNeeded:
    @pytest.mark.parametrize("url", [TICKETS, NEW, f"{TICKETS}T-ABCDEF/"])
    def test_pages_send_anonymous_shoppers_to_sign_in(self, client, url):
        response = client.get(url)

        assert response.status_code == 302
        assert response["Location"] == f"/accounts/login/?next={url}"

    def test_the_header_links_to_requests_or_to_the_contact_form(self, client, shopper):
        assert 'href="/contact/"' in client.get("/").content.decode()
        client.force_login(shopper)
        page = client.get("/").content.decode()
        assert 'href="/account/requests/"' in page
        assert 'href="/contact/"' not in page


class TestMyRequests:
    def test_lists_only_the_shoppers_own_requests(
        self, shopper_client, customer, someone_else, answered
    ):
        web_ticket(someone_else, subject="Not yours")

        page = page_text(shopper_client.get(TICKETS))

        assert "Zip broke" in page
        assert answered.number in page
        assert "Awaiting your reply" in page  # a staff answer waits for the shopper
        assert "Not yours" not in page

    def test_no_requests_yet(self, shopper_client, customer):
        page = page_text(shopper_client.get(TICKETS))

        assert "No requests yet" in page
        assert f'href="{NEW}"' in page

    def test_the_thread_shows_answers_but_never_internal_notes(self, shopper_client, answered):
        response = shopper_client.get(ticket_url(answered))

        page = page_text(response)
        assert response.status_code == 200
        assert "<h1>Zip broke</h1>" in page
        assert "The zip broke on day one." in page
        assert "Bring it to any store." in page
        assert "Omnistore customer service" in page
        assert "Offer a refund if asked." not in page
        assert [m.from_customer for m in response.context["ticket"].thread] == [True, False]

    def test_another_customers_request_is_a_404(self, shopper_client, someone_else):
        theirs = web_ticket(someone_else, subject="Private matter")

        assert shopper_client.get(ticket_url(theirs)).status_code == 404
        posted = shopper_client.post(ticket_url(theirs, "messages"), form(body="Let me in"))
        assert posted.status_code == 404
        assert theirs.messages.count() == 1

    def test_staff_are_shoppers_here(self, client, manager, someone_else):
        theirs = web_ticket(someone_else, subject="Private matter")
        client.force_login(manager)

        assert "Private matter" not in page_text(client.get(TICKETS))
        assert client.get(ticket_url(theirs)).status_code == 404

    def test_a_reply_is_written_on_the_web_and_reopens_the_request(
        self, shopper_client, shopper, answered
    ):
        assert answered.status == Ticket.Status.WAITING_CUSTOMER

        response = shopper_client.post(
            ticket_url(answered, "messages"), form(body="It is the left pocket zip.")
        )

        assert response.status_code == 302
        assert response["Location"] == ticket_url(answered)
        message = answered.messages.order_by("-id").first()
        assert (message.body, message.channel, message.author) == (
            "It is the left pocket zip.",
            Channel.WEB,
            shopper,
        )
        assert not message.internal
        answered.refresh_from_db()
        assert answered.status == Ticket.Status.OPEN
        assert "It is the left pocket zip." in page_text(shopper_client.get(ticket_url(answered)))

    def test_a_double_submit_writes_one_message(self, shopper_client, answered):
        body = form(body="Sent twice by a double click.")

        first = shopper_client.post(ticket_url(answered, "messages"), body)
        second = shopper_client.post(ticket_url(answered, "messages"), body)

        assert first.status_code == second.status_code == 302
        assert answered.messages.filter(body="Sent twice by a double click.").count() == 1

    def test_an_empty_message_is_a_form_error(self, shopper_client, answered):
        response = shopper_client.post(ticket_url(answered, "messages"), form(body="   "))

        assert response.status_code == 400
        assert "Write a message." in page_text(response)
        assert answered.messages.count() == 3

    def test_a_closed_request_takes_no_reply(self, shopper_client, answered, manager):
        ticket_set_status(ticket=answered, status="closed", channel=Channel.POS, user=manager)

        page = page_text(shopper_client.get(ticket_url(answered)))
        assert "This request is closed." in page
        assert 'name="body"' not in page
        response = shopper_client.post(ticket_url(answered, "messages"), form(body="Hello?"))

        assert response.status_code == 400
        assert f"Service request {answered.number} is closed." in page_text(response)
        assert not answered.messages.filter(body="Hello?").exists()


class TestNewRequest:
    def test_about_one_of_the_shoppers_orders(
        self, shopper_client, shopper, customer, warehouse, variant
    ):
        order = web_order(customer, warehouse, variant)

        page = page_text(shopper_client.get(f"{NEW}?order={order.number}"))
        assert f'<option value="{order.number}" selected>' in page
        response = shopper_client.post(
            NEW, form(subject="Wrong size", order=order.number, body="I need an L.")
        )

        ticket = Ticket.objects.get()
        assert response.status_code == 302
        assert response["Location"] == ticket_url(ticket)
        assert (ticket.customer, ticket.order, ticket.opened_channel, ticket.store) == (
            customer,
            order,
            Channel.WEB,
            None,
        )
        [message] = ticket.messages.all()
        assert (message.body, message.author, message.channel) == ("I need an L.", shopper, "web")
        assert order.number in page_text(shopper_client.get(ticket_url(ticket)))

    def test_without_an_order(self, shopper_client, customer):
        shopper_client.post(NEW, form(subject="Opening hours", order="", body="Open Sunday?"))

        ticket = Ticket.objects.get()
        assert (ticket.subject, ticket.order) == ("Opening hours", None)

    def test_another_customers_order_is_refused(self, shopper_client, customer, someone_else):
        theirs = factories.OrderFactory(customer=someone_else, number="OS-THEIRS")

        response = shopper_client.post(
            NEW, form(subject="Peek", order=theirs.number, body="Show me.")
        )

        assert response.status_code == 400
        assert "Select a valid choice" in page_text(response)
        assert not Ticket.objects.exists()
        assert theirs.number not in page_text(shopper_client.get(NEW))

    def test_a_subject_and_a_message_are_needed(self, shopper_client, customer):
        response = shopper_client.post(NEW, form(subject="", body=""))

        page = page_text(response)
        assert response.status_code == 400
        assert "Give the request a subject." in page
        assert "Write a message." in page
        assert not Ticket.objects.exists()

    def test_the_order_page_links_to_a_request_about_it(self, shopper_client, customer, store):
        order = factories.OrderFactory(customer=customer, store=store)

        page = page_text(shopper_client.get(f"/orders/{order.number}/"))

        assert f'href="{NEW}?order={order.number}"' in page


class TestContactForm:
    def test_an_anonymous_shopper_opens_a_request_by_email(self, client, db):
        page = page_text(client.get(CONTACT))
        assert '<label for="id_email">Your email</label>' in page

        response = client.post(
            CONTACT,
            form(email="guest@example.com", subject="Gift wrap?", body="Do you gift wrap?"),
        )

        ticket = Ticket.objects.get()
        assert response.status_code == 302
        assert response["Location"] == CONTACT
        assert ticket.customer.email == "guest@example.com"
        assert ticket.customer.user is None
        assert (ticket.subject, ticket.opened_channel) == ("Gift wrap?", Channel.WEB)
        [message] = ticket.messages.all()
        assert (message.author, message.author_email) == (None, "guest@example.com")
        thanks = page_text(client.get(CONTACT))
        assert f"your request {ticket.number} is received" in thanks
        assert "We answer you at guest@example.com." in thanks

    def test_a_bad_email_is_a_form_error(self, client, db):
        response = client.post(CONTACT, form(email="nope", subject="Hi", body="Hello"))

        assert response.status_code == 400
        assert "Enter a valid email address." in page_text(response)
        assert not Ticket.objects.exists()

    def test_a_signed_in_shopper_is_sent_to_their_new_request_page(self, shopper_client):
        response = shopper_client.get(CONTACT)

        assert response.status_code == 302
        assert response["Location"] == NEW

    def test_it_is_throttled_with_the_apis_ticket_open_count(self, client, db, settings):
        settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "ticket_open": "2/hour"}
        api = Client()
        opened = api.post(
            "/api/tickets/",
            {"email": "a@example.com", "subject": "One", "message": "First."},
            content_type="application/json",
        )
        assert opened.status_code == 201
        sent = client.post(CONTACT, form(email="a@example.com", subject="Two", body="Second."))
        assert sent.status_code == 302

        refused = client.post(CONTACT, form(email="a@example.com", subject="Three", body="No."))

        assert refused.status_code == 429
        assert "Too many attempts" in page_text(refused)
        assert Ticket.objects.count() == 2
        assert client.get(CONTACT).status_code == 200  # reading the form is not counted


class TestAccountPage:
    def test_shows_returns_with_their_refunds_and_the_latest_requests(
        self, shopper_client, customer, warehouse, store, variant
    ):
        order = web_order(customer, warehouse, variant, quantity=2)
        take_back(order, store, quantity=1)
        web_ticket(customer, subject="Where is my refund?")

        page = page_text(shopper_client.get(ACCOUNT))

        assert "<h1>My account</h1>" in page
        assert order.number in page
        assert "(1 returned)" in page
        assert "Returns and refunds" in page
        assert f"at {store.name}" in page
        assert "To your card" in page
        assert "€19.90" in page
        assert "Where is my refund?" in page
        assert f'href="{TICKETS}"' in page

    def test_nothing_returned_nor_asked_yet(self, shopper_client, customer):
        page = page_text(shopper_client.get(ACCOUNT))

        assert "Nothing returned." in page
        assert "No orders yet" in page
        assert f'href="{NEW}"' in page

    def test_another_customers_returns_and_requests_stay_theirs(
        self, shopper_client, customer, someone_else, store, variant
    ):
        sale = store_sale(someone_else, store, variant)
        take_back(sale, store)
        web_ticket(someone_else, subject="Private matter")

        page = page_text(shopper_client.get(ACCOUNT))

        assert sale.number not in page
        assert "Private matter" not in page
        assert "Nothing returned." in page


class TestQueryCounts:
    def test_my_requests_costs_the_same_for_1_and_12_requests(
        self, shopper_client, customer, store
    ):
        order = factories.OrderFactory(customer=customer, store=store)
        ticket_open(
            customer=customer,
            subject="First",
            body="Hello",
            channel=Channel.POS,
            store=store,
            order_number=order.number,
        )
        few = page_queries(shopper_client, TICKETS)
        for n in range(11):
            other = factories.OrderFactory(customer=customer)
            ticket_open(
                customer=customer,
                subject=f"More {n}",
                body="Hello",
                channel=Channel.WEB,
                order_number=other.number,
            )

        assert page_queries(shopper_client, TICKETS) == few
        assert page_text(shopper_client.get(TICKETS)).count('class="card ticket-row"') == 12

    def test_a_request_page_costs_the_same_for_a_short_and_a_long_thread(
        self, shopper_client, answered, manager
    ):
        few = page_queries(shopper_client, ticket_url(answered))
        for n in range(8):
            ticket_reply(ticket=answered, body=f"More {n}", channel=Channel.POS, author=manager)

        assert page_queries(shopper_client, ticket_url(answered)) == few

    def test_the_account_page_costs_the_same_for_few_and_many_returns_and_requests(
        self, shopper_client, customer, store, variant
    ):
        def history(n: int) -> None:
            for _ in range(n):
                take_back(store_sale(customer, store, variant, quantity=2), store)
                web_ticket(customer)

        history(1)
        few = page_queries(shopper_client, ACCOUNT)
        history(5)

        assert page_queries(shopper_client, ACCOUNT) == few
        assert Order.objects.filter(customer=customer).count() == 6
        assert customer.tickets.count() == 6
