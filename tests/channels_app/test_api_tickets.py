"""The service-request API: shoppers open and follow their own tickets, staff answer every
ticket, the mail integration files inbound email.

Clerks see every ticket, whatever store opened it (the contract says "staff: all"): a
customer may bring a web or email request to any store."""

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from shop.channels import Channel
from shop.customers.models import Customer
from shop.customers.services import customer_for_user
from shop.support.models import Ticket, TicketMessage
from shop.support.services import ticket_open, ticket_reply
from tests import factories
from tests.channels_app.support import assert_error
from tests.conftest import auth
from tests.shop.ticket_support import raw_email, reply_to

TICKETS = "/api/tickets/"
INBOUND = "/api/inbound-email/"
TICKET_FIELDS = {
    "number",
    "status",
    "subject",
    "customer",
    "order",
    "opened_channel",
    "store",
    "assignee",
    "created_at",
    "updated_at",
    "messages",
}
MESSAGE_FIELDS = {"id", "at", "author", "channel", "body", "internal"}

pytestmark = pytest.mark.django_db


def url(number: str, action: str = "") -> str:
    return f"{TICKETS}{number}/" + (f"{action}/" if action else "")


@pytest.fixture
def shopper_customer(shopper):
    """The shopper's customer, with the email they verified."""
    customer = customer_for_user(shopper)
    Customer.objects.filter(pk=customer.pk).update(email=shopper.email)
    customer.refresh_from_db()
    return customer


@pytest.fixture
def shopper_api(shopper):
    return auth(APIClient(), shopper)


@pytest.fixture
def ticket(shopper_customer, shopper):
    """The shopper's ticket, with a staff note on it."""
    ticket = ticket_open(
        customer=shopper_customer,
        subject="Broken zip",
        body="The zip broke.",
        channel=Channel.WEB,
        author=shopper,
    )
    ticket_reply(
        ticket=ticket,
        body="Offer a refund if asked.",
        channel=Channel.POS,
        author=factories.manager(username="boss"),
        internal=True,
    )
    return ticket


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def post_email(client, raw: bytes, **headers):
    return client.post(INBOUND, raw, content_type="message/rfc822", headers=headers or None)


class TestOpen:
    def test_a_signed_in_shopper_opens_one(self, shopper_api, shopper_customer):
        response = shopper_api.post(
            TICKETS, {"subject": "Broken zip", "message": "It broke."}, format="json"
        )

        assert response.status_code == 201, response.content
        body = response.json()
        assert set(body) == TICKET_FIELDS
        assert body["number"] == Ticket.objects.get().number
        assert (body["status"], body["subject"], body["customer"], body["order"]) == (
            "open",
            "Broken zip",
            shopper_customer.pk,
            None,
        )
        assert body["opened_channel"] == "web"
        [message] = body["messages"]
        assert set(message) == MESSAGE_FIELDS
        assert (message["body"], message["channel"], message["internal"]) == (
            "It broke.",
            "web",
            False,
        )
        assert message["author"] == "shopper"

    def test_about_one_of_their_orders_only(self, shopper_api, shopper_customer):
        factories.OrderFactory(customer=shopper_customer, number="OS-MINE22")
        factories.OrderFactory(customer=factories.CustomerFactory(), number="OS-THEIR2")

        mine = shopper_api.post(
            TICKETS, {"subject": "s", "message": "m", "order": "os-mine22"}, format="json"
        )
        theirs = shopper_api.post(
            TICKETS, {"subject": "s", "message": "m", "order": "OS-THEIR2"}, format="json"
        )
        unknown = shopper_api.post(
            TICKETS, {"subject": "s", "message": "m", "order": "OS-NONE99"}, format="json"
        )

        assert mine.status_code == 201
        assert mine.json()["order"] == "OS-MINE22"
        # someone else's order reads as an unknown one
        assert (
            assert_error(theirs, 400, "invalid")["message"]
            == "No order OS-THEIR2 for this customer."
        )
        assert assert_error(unknown, 400, "invalid")["details"] == ["order"]
        assert Ticket.objects.count() == 1

    def test_an_anonymous_shopper_gives_an_email(self, api):
        response = api.post(
            TICKETS,
            {"subject": "Sizes", "message": "Do you have XL?", "email": "guest@example.com"},
            format="json",
        )

        assert response.status_code == 201, response.content
        customer = Customer.objects.get(email="guest@example.com")
        assert response.json()["customer"] == customer.pk
        assert response.json()["messages"][0]["author"] == "guest@example.com"

    def test_an_anonymous_shopper_without_email_is_refused(self, api):
        response = api.post(TICKETS, {"subject": "s", "message": "m"}, format="json")

        assert assert_error(response, 400, "invalid")["details"] == ["email"]
        assert not Ticket.objects.exists()

    @pytest.mark.parametrize(
        "body",
        [{"message": "m"}, {"subject": "s"}, {"subject": "s", "message": "m", "email": "nope"}],
    )
    def test_invalid_input(self, api, body):
        assert_error(api.post(TICKETS, body, format="json"), 400, "invalid")

    def test_a_clerk_opens_one_for_a_customer_on_the_pos_channel(self, clerk, store):
        customer = factories.CustomerFactory()

        response = auth(APIClient(), clerk).post(
            TICKETS,
            {"subject": "Swap", "message": "Wants a bigger size.", "customer": customer.pk},
            format="json",
        )

        assert response.status_code == 201, response.content
        body = response.json()
        assert (body["customer"], body["opened_channel"], body["store"]) == (
            customer.pk,
            "pos",
            store.code,
        )
        assert body["messages"][0]["channel"] == "pos"
        assert not Customer.objects.filter(user=clerk).exists()  # staff are not customers here

    @pytest.mark.parametrize(
        ("extra", "detail"), [({}, "customer"), ({"customer": 999999}, "customer")]
    )
    def test_staff_must_name_a_known_customer(self, manager, extra, detail):
        response = auth(APIClient(), manager).post(
            TICKETS, {"subject": "s", "message": "m", **extra}, format="json"
        )

        assert assert_error(response, 400, "invalid")["details"] == [detail]

    def test_a_shopper_with_a_token_writes_on_the_api_channel(self, shopper):
        response = token_client(shopper).post(
            TICKETS, {"subject": "From my app", "message": "Hello"}, format="json"
        )

        assert response.status_code == 201, response.content
        assert response.json()["opened_channel"] == "api"

    def test_a_retried_request_opens_one_ticket(self, shopper_api):
        body = {"subject": "Once", "message": "Only once."}
        first = shopper_api.post(TICKETS, body, format="json", headers={"Idempotency-Key": "t1"})
        again = shopper_api.post(TICKETS, body, format="json", headers={"Idempotency-Key": "t1"})

        assert first.status_code == again.status_code == 201
        assert first.json() == again.json()
        assert Ticket.objects.count() == 1

    def test_anonymous_opening_is_throttled_per_address(self, api, shopper_api, settings):
        settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "ticket_open": "2/minute"}

        def anonymous():
            body = {"subject": "s", "message": "m", "email": "spam@example.com"}
            return api.post(TICKETS, body, format="json")

        statuses = [anonymous().status_code for _ in range(3)]
        signed_in = [
            shopper_api.post(TICKETS, {"subject": "s", "message": "m"}, format="json").status_code
            for _ in range(3)
        ]

        assert statuses == [201, 201, 429]
        assert_error(anonymous(), 429, "throttled")
        assert signed_in == [201, 201, 201]


class TestRead:
    def test_a_customer_lists_only_their_own(self, shopper_api, ticket):
        factories_ticket = ticket_open(
            customer=factories.CustomerFactory(), subject="x", body="y", channel=Channel.WEB
        )

        response = shopper_api.get(TICKETS)

        assert response.status_code == 200
        body = response.json()
        assert body["count"] == 1
        assert [t["number"] for t in body["results"]] == [ticket.number]
        assert factories_ticket.number not in response.content.decode()

    def test_staff_list_every_ticket_and_filter(self, manager, ticket):
        other = ticket_open(
            customer=factories.CustomerFactory(), subject="x", body="y", channel=Channel.WEB
        )
        Ticket.objects.filter(pk=other.pk).update(status="resolved")
        client = auth(APIClient(), manager)

        everything = client.get(TICKETS).json()
        resolved = client.get(TICKETS, {"status": "resolved"}).json()
        customers = client.get(TICKETS, {"customer": ticket.customer_id}).json()

        assert {t["number"] for t in everything["results"]} == {ticket.number, other.number}
        assert [t["number"] for t in resolved["results"]] == [other.number]
        assert [t["number"] for t in customers["results"]] == [ticket.number]
        assert_error(client.get(TICKETS, {"status": "done"}), 400, "invalid")
        assert_error(client.get(TICKETS, {"store": "nowhere"}), 400, "unknown_location")

    def test_a_clerk_of_another_store_sees_every_ticket(self, other_store, store):
        customer = factories.CustomerFactory()
        at_store_one = ticket_open(
            customer=customer,
            subject="Till one",
            body="b",
            channel=Channel.POS,
            store=store,
            author=factories.clerk(store=store),
        )
        client = auth(APIClient(), factories.clerk(store=other_store))

        listed = client.get(TICKETS).json()
        narrowed = client.get(TICKETS, {"store": other_store.code}).json()
        detail = client.get(url(at_store_one.number))

        assert [t["number"] for t in listed["results"]] == [at_store_one.number]
        assert listed["results"][0]["store"] == store.code
        assert narrowed["count"] == 0
        assert detail.status_code == 200

    def test_anonymous_cannot_list_or_read(self, api, ticket):
        assert_error(api.get(TICKETS), 401, "not_authenticated")
        assert_error(api.get(url(ticket.number)), 401, "not_authenticated")

    def test_a_customer_never_sees_internal_notes(self, shopper_api, manager, ticket):
        mine = shopper_api.get(url(ticket.number.lower()))
        staff = auth(APIClient(), manager).get(url(ticket.number))

        assert mine.status_code == 200
        assert [m["body"] for m in mine.json()["messages"]] == ["The zip broke."]
        assert "Offer a refund" not in mine.content.decode()
        assert [(m["body"], m["internal"]) for m in staff.json()["messages"]] == [
            ("The zip broke.", False),
            ("Offer a refund if asked.", True),
        ]

    def test_another_customers_ticket_is_not_found(self, ticket):
        stranger = auth(APIClient(), factories.UserFactory(username="stranger"))

        assert_error(stranger.get(url(ticket.number)), 404, "not_found")
        assert_error(stranger.get(url("T-NONE99")), 404, "not_found")
        assert stranger.get(TICKETS).json()["count"] == 0


class TestMessages:
    def test_a_customer_answers_and_reopens(self, shopper_api, ticket):
        Ticket.objects.filter(pk=ticket.pk).update(status="waiting_customer")

        response = shopper_api.post(url(ticket.number, "messages"), {"body": "Still broken."})

        assert response.status_code == 201, response.content
        assert set(response.json()) == MESSAGE_FIELDS
        assert (response.json()["channel"], response.json()["internal"]) == ("web", False)
        ticket.refresh_from_db()
        assert ticket.status == "open"

    def test_a_customer_cannot_write_internal_notes(self, shopper_api, ticket):
        response = shopper_api.post(
            url(ticket.number, "messages"), {"body": "psst", "internal": True}, format="json"
        )

        assert_error(response, 403, "permission_denied")
        assert ticket.messages.count() == 2

    def test_nor_answer_another_customers_ticket(self, ticket):
        stranger = auth(APIClient(), factories.UserFactory(username="stranger"))

        response = stranger.post(url(ticket.number, "messages"), {"body": "hi"})

        assert_error(response, 404, "not_found")
        assert ticket.messages.count() == 2

    def test_a_clerk_answers_by_email(self, clerk, ticket, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            response = auth(APIClient(), clerk).post(
                url(ticket.number, "messages"),
                {"body": "A new one is on its way."},
                format="json",
                headers={"Idempotency-Key": "answer-1"},
            )

        assert response.status_code == 201, response.content
        assert response.json()["channel"] == "pos"
        [email] = mail.outbox
        assert email.to == [ticket.customer.email]
        assert email.extra_headers["Reply-To"].startswith(f"support+{ticket.reply_token}@")
        assert email.subject.startswith(f"[#{ticket.number}]")
        ticket.refresh_from_db()
        assert ticket.status == "waiting_customer"

    def test_a_staff_note_stays_off_the_customers_view(self, clerk, shopper_api, ticket):
        response = auth(APIClient(), clerk).post(
            url(ticket.number, "messages"), {"body": "Called her.", "internal": True}
        )

        assert response.status_code == 201
        assert response.json()["internal"] is True
        assert "Called her." not in shopper_api.get(url(ticket.number)).content.decode()

    def test_a_closed_ticket_takes_no_messages(self, shopper_api, ticket):
        Ticket.objects.filter(pk=ticket.pk).update(status="closed")

        response = shopper_api.post(url(ticket.number, "messages"), {"body": "Hello?"})

        assert assert_error(response, 409, "ticket_status")["details"] == [
            {"ticket": ticket.number, "status": "closed"}
        ]


class TestStatus:
    def test_staff_move_it(self, clerk, ticket):
        response = auth(APIClient(), clerk).post(
            url(ticket.number, "status"), {"status": "resolved"}, format="json"
        )

        assert response.status_code == 200, response.content
        assert response.json()["status"] == "resolved"
        assert ticket.customer.events.filter(kind="ticket_status", channel="pos").exists()

    def test_a_customer_may_not(self, shopper_api, ticket):
        response = shopper_api.post(url(ticket.number, "status"), {"status": "closed"})

        assert_error(response, 403, "permission_denied")

    def test_a_move_the_status_does_not_allow(self, manager, ticket):
        Ticket.objects.filter(pk=ticket.pk).update(status="closed")

        response = auth(APIClient(), manager).post(
            url(ticket.number, "status"), {"status": "resolved"}
        )

        assert_error(response, 409, "ticket_status")

    @pytest.mark.parametrize(
        ("number", "status", "code"), [("T-NONE99", "open", 404), (None, "done", 400)]
    )
    def test_unknown_ticket_or_status(self, manager, ticket, number, status, code):
        response = auth(APIClient(), manager).post(
            url(number or ticket.number, "status"), {"status": status}
        )

        assert_error(response, code, "not_found" if code == 404 else "invalid")


class TestInboundEmail:
    @pytest.fixture
    def integration(self):
        user = factories.UserFactory(username="mail-relay")
        user.user_permissions.add(Permission.objects.get(codename="receive_email"))
        return token_client(user)

    def test_a_manager_token_files_an_email(self, manager):
        response = post_email(token_client(manager), raw_email(sender="hal@example.com"))

        assert response.status_code == 201, response.content
        body = response.json()
        assert set(body) == TICKET_FIELDS
        assert body["opened_channel"] == "email"
        assert body["customer"] == Customer.objects.get(email="hal@example.com").pk
        assert body["messages"][0]["channel"] == "email"

    def test_the_integration_answers_a_ticket_without_seeing_notes(self, integration, ticket):
        response = post_email(integration, reply_to(ticket, body="Any news?"))

        assert response.status_code == 201, response.content
        assert response.json()["number"] == ticket.number
        assert [m["body"] for m in response.json()["messages"]] == ["The zip broke.", "Any news?"]

    def test_the_same_email_twice_is_one_message(self, integration, ticket):
        raw = reply_to(ticket, message_id="<dup@mail.example.com>")

        first = post_email(integration, raw)
        second = post_email(integration, raw)

        assert first.status_code == second.status_code == 201
        assert first.json() == second.json()
        assert TicketMessage.objects.filter(message_id="<dup@mail.example.com>").count() == 1

    @pytest.mark.parametrize(
        "raw", [raw_email(sender=""), raw_email(body=""), b"\x00\x01 junk", b""]
    )
    def test_an_unreadable_email_is_a_400(self, integration, raw):
        response = post_email(integration, raw)

        assert_error(response, 400, "invalid_email")
        assert not Ticket.objects.exists()

    def test_too_large(self, integration, settings):
        settings.SUPPORT_INBOUND_MAX_BYTES = 1000

        response = post_email(integration, raw_email(body="x" * 2000))

        assert_error(response, 400, "parse_error")

    def test_only_a_raw_email_is_taken(self, integration):
        response = integration.post(INBOUND, {"raw": "From: a@b.c"}, format="json")

        assert_error(response, 415, "unsupported_media_type")

    def test_shoppers_and_clerks_may_not(self, shopper, clerk, api):
        for client in (token_client(shopper), auth(APIClient(), clerk)):
            assert_error(post_email(client, raw_email()), 403, "permission_denied")
        assert_error(post_email(api, raw_email()), 401, "not_authenticated")
        assert not Ticket.objects.exists()


class TestListQueries:
    @staticmethod
    def make_tickets(count: int, customer) -> None:
        store = factories.LocationFactory()
        clerk = factories.clerk(store=store, username=f"clerk-{count}")
        for n in range(count):
            order = factories.OrderFactory(customer=customer)
            ticket = ticket_open(
                customer=customer,
                subject=f"Ticket {n}",
                body="b",
                channel=Channel.POS,
                store=store,
                author=clerk,
                order_number=order.number,
            )
            Ticket.objects.filter(pk=ticket.pk).update(assignee=clerk)

    def count(self, client) -> tuple[int, dict]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(TICKETS)
        assert response.status_code == 200
        return len(queries), response.json()

    def test_staff_list_costs_the_same_at_two_sizes(self, manager, django_assert_max_num_queries):
        client = auth(APIClient(), manager)
        self.make_tickets(2, factories.CustomerFactory())
        small, body = self.count(client)
        assert body["count"] == 2

        self.make_tickets(18, factories.CustomerFactory())
        with django_assert_max_num_queries(small):
            body = client.get(TICKETS).json()
        assert body["count"] == 20
        assert all(t["order"] and t["store"] and t["assignee"] for t in body["results"])

    def test_a_customers_list_costs_the_same_at_two_sizes(
        self, shopper_api, shopper_customer, django_assert_max_num_queries
    ):
        self.make_tickets(2, shopper_customer)
        small, body = self.count(shopper_api)
        assert body["count"] == 2

        self.make_tickets(18, shopper_customer)
        with django_assert_max_num_queries(small):
            body = shopper_api.get(TICKETS).json()
        assert len(body["results"]) == 20
