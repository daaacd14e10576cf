"""One customer over the API: the customer card and timeline for staff, the shopper's own
timeline, and the managers' merge."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from carts.services import cart_for_customer, cart_line_add
from shop.channels import Channel
from shop.customers.models import Customer, CustomerEvent
from shop.orders.models import Order, Return
from shop.support.services import ticket_open, ticket_reply, ticket_set_status
from tests import factories
from tests.channels_app.support import assert_error
from tests.conftest import auth
from tests.shop.customer_support import history

pytestmark = pytest.mark.django_db
Kind = CustomerEvent.Kind
Status = Order.Status


def card(customer_id: int) -> str:
    return f"/api/customers/{customer_id}/"


def timeline(customer_id: int) -> str:
    return f"/api/customers/{customer_id}/timeline/"


MINE = "/api/me/timeline/"
MERGE = "/api/customers/merge/"


@pytest.fixture
def shopper(db):
    return factories.UserFactory(username="ann")


@pytest.fixture
def ann(shopper):
    return factories.CustomerFactory(email="ann@example.com", name="Ann", user=shopper)


def order(customer, channel: str, total: str, status=Status.COMPLETED, store=None) -> Order:
    return factories.OrderFactory(
        customer=customer,
        channel=channel,
        status=status,
        total=Decimal(total),
        subtotal=Decimal(total),
        store=store,
    )


class TestCustomerCard:
    def test_staff_see_identity_spend_per_channel_cart_tickets_and_credit(
        self, api, ann, clerk, store
    ):
        order(ann, "web", "50.00")
        order(ann, "web", "20.00", status=Status.CANCELLED)
        order(ann, "web", "99.00", status=Status.PAYMENT_FAILED)  # never placed
        bought = order(ann, "pos", "30.00", store=store)
        Return.objects.create(
            order=bought,
            store=store,
            channel="pos",
            refund_method="cash",
            refund_amount=Decimal("10.00"),
        )
        variant = factories.VariantFactory(sku="TEE", price=Decimal("19.90"))
        cart_line_add(cart=cart_for_customer(customer=ann), sku="TEE", quantity=2, channel="web")
        ticket_open(subject="Zip", body="Broke", channel=Channel.WEB, customer=ann)
        done = ticket_open(subject="Other", body="Fine", channel=Channel.WEB, customer=ann)
        ticket_set_status(ticket=done, status="resolved", channel=Channel.POS)

        response = auth(api, clerk).get(card(ann.pk))

        assert response.status_code == 200, response.content
        body = response.json()
        assert {k: body[k] for k in ("id", "email", "phone", "name")} == {
            "id": ann.pk,
            "email": "ann@example.com",
            "phone": "",
            "name": "Ann",
        }
        assert body["channels"] == [
            {"channel": "pos", "orders": 1, "spent": "20.00"},
            {"channel": "web", "orders": 2, "spent": "50.00"},
        ]
        assert [(line["sku"], line["quantity"]) for line in body["cart"]["lines"]] == [("TEE", 2)]
        assert body["cart"]["total"] == str(variant.price * 2)
        assert body["open_tickets"] == 1
        assert (body["store_credit"], body["currency"]) == ("0.00", "EUR")
        assert body["created_at"]

    def test_no_cart_is_null(self, api, ann, manager):
        cart_for_customer(customer=ann)  # open but empty

        body = auth(api, manager).get(card(ann.pk)).json()

        assert body["cart"] is None
        assert body["channels"] == []

    def test_the_card_costs_the_same_for_a_long_history(
        self, api, ann, manager, django_assert_max_num_queries
    ):
        other = factories.CustomerFactory()
        for customer, count in ((ann, 1), (other, 40)):
            for n in range(count):
                order(customer, "web" if n % 2 else "pos", "1.00")
        client = auth(api, manager)
        with django_assert_max_num_queries(20) as small:
            client.get(card(ann.pk))

        with django_assert_max_num_queries(len(small.captured_queries)):
            client.get(card(other.pk))

    def test_only_staff(self, api, ann, shopper):
        assert_error(auth(api, shopper).get(card(ann.pk)), 403, "permission_denied")
        assert_error(APIClient().get(card(ann.pk)), 401, "not_authenticated")

    def test_unknown_customer_is_a_404(self, api, manager):
        assert_error(auth(api, manager).get(card(999999)), 404, "not_found")


class TestStaffTimeline:
    def test_newest_first_with_the_contract_fields(self, api, ann, clerk, store):
        ticket = ticket_open(subject="Zip", body="Broke", channel=Channel.WEB, customer=ann)
        ticket_reply(ticket=ticket, body="Regular", channel="pos", author=clerk, internal=True)

        body = auth(api, clerk).get(timeline(ann.pk)).json()

        assert body["next"] is None
        newest, opened = body["results"]
        assert set(newest) == {"id", "at", "kind", "channel", "store", "summary", "subject"}
        assert (newest["kind"], newest["channel"], newest["store"]) == ("ticket_note", "pos", "st1")
        assert newest["summary"] == f"Internal note on service request {ticket.number}"
        assert opened["subject"] == {"type": "ticket", "id": ticket.number}
        assert opened["store"] is None

    def test_pages_follow_next_with_the_filters(self, api, ann, manager):
        history(ann, 30, kind=Kind.POS_SALE, channel="pos")
        history(ann, 5, kind=Kind.ORDER_PLACED, channel="web")
        client = auth(api, manager)

        first = client.get(timeline(ann.pk), {"kind": "pos_sale", "limit": 20}).json()
        second = client.get(first["next"]).json()

        assert len(first["results"]) == 20
        assert "kind=pos_sale" in first["next"]
        assert len(second["results"]) == 10
        assert second["next"] is None
        assert {e["kind"] for e in first["results"] + second["results"]} == {"pos_sale"}
        ids = [e["id"] for e in first["results"] + second["results"]]
        assert ids == sorted(ids, reverse=True)
        web = client.get(timeline(ann.pk), {"channel": "web"}).json()
        assert {e["channel"] for e in web["results"]} == {"web"}
        assert len(web["results"]) == 5

    def test_bad_filters_and_cursors_are_400s(self, api, ann, manager):
        client = auth(api, manager)

        assert_error(client.get(timeline(ann.pk), {"cursor": "garbage"}), 400, "invalid_cursor")
        assert_error(client.get(timeline(ann.pk), {"kind": "nope"}), 400, "invalid")
        assert_error(client.get(timeline(ann.pk), {"channel": "fax"}), 400, "invalid")
        assert_error(client.get(timeline(ann.pk), {"limit": 0}), 400, "invalid")

    def test_same_queries_for_10_and_1000_events(
        self, api, manager, django_assert_num_queries, django_assert_max_num_queries
    ):
        small, large = factories.CustomerFactory(), factories.CustomerFactory()
        history(small, 10)
        history(large, 1000)
        client = auth(api, manager)
        with django_assert_max_num_queries(4) as few:  # the customer, the page (and the role)
            client.get(timeline(small.pk))
        queries = len(few.captured_queries)

        with django_assert_num_queries(queries):
            response = client.get(timeline(large.pk))

        assert len(response.json()["results"]) == 25

    def test_only_staff(self, api, ann, shopper):
        assert_error(auth(api, shopper).get(timeline(ann.pk)), 403, "permission_denied")


class TestMyTimeline:
    def test_a_shopper_sees_their_own_without_staff_only_kinds(self, api, ann, shopper, clerk):
        bob = factories.CustomerFactory(email="bob@example.com")
        history(bob, 3)
        ticket = ticket_open(subject="Zip", body="Broke", channel=Channel.WEB, customer=ann)
        ticket_reply(ticket=ticket, body="Regular", channel="pos", author=clerk, internal=True)
        ticket_reply(ticket=ticket, body="On it", channel="pos", author=clerk)

        body = auth(api, shopper).get(MINE, {"customer": bob.pk}).json()

        assert [e["kind"] for e in body["results"]] == ["ticket_message", "ticket_opened"]

    def test_staff_only_kinds_are_not_a_filter_for_shoppers(self, api, ann, shopper):
        assert_error(auth(api, shopper).get(MINE, {"kind": "ticket_note"}), 400, "invalid")

    def test_signed_in_only(self):
        assert_error(APIClient().get(MINE), 401, "not_authenticated")

    def test_staff_have_none(self, api, clerk):
        assert_error(auth(api, clerk).get(MINE), 403, "permission_denied")
        assert not Customer.objects.filter(user=clerk).exists()


class TestMerge:
    def test_a_manager_merges_and_gets_the_merged_customer(self, api, ann, manager):
        twin = factories.CustomerFactory(email="", phone="06 12")
        order(twin, "pos", "12.00")

        response = auth(api, manager).post(MERGE, {"into": ann.pk, "from": twin.pk}, format="json")

        assert response.status_code == 200, response.content
        body = response.json()
        assert (body["id"], body["phone"]) == (ann.pk, "06 12")
        assert body["channels"] == [{"channel": "pos", "orders": 1, "spent": "12.00"}]
        assert not Customer.objects.filter(pk=twin.pk).exists()
        [merge] = (
            auth(api, manager).get(timeline(ann.pk), {"kind": "customers_merged"}).json()["results"]
        )
        assert merge["channel"] == "backoffice"

    def test_only_managers(self, api, ann, clerk, shopper):
        twin = factories.CustomerFactory()
        body = {"into": ann.pk, "from": twin.pk}

        assert_error(auth(api, clerk).post(MERGE, body, format="json"), 403, "permission_denied")
        assert_error(
            auth(APIClient(), shopper).post(MERGE, body, format="json"), 403, "permission_denied"
        )
        assert Customer.objects.filter(pk=twin.pk).exists()

    def test_refusals(self, api, ann, manager):
        client = auth(api, manager)
        other_account = factories.CustomerFactory(user=factories.UserFactory())

        assert_error(client.post(MERGE, {"into": ann.pk}, format="json"), 400, "invalid")
        assert_error(
            client.post(MERGE, {"into": ann.pk, "from": ann.pk}, format="json"),
            400,
            "invalid_merge",
        )
        assert_error(
            client.post(MERGE, {"into": ann.pk, "from": 999999}, format="json"), 404, "not_found"
        )
        assert_error(
            client.post(MERGE, {"into": ann.pk, "from": other_account.pk}, format="json"),
            409,
            "customers_both_have_accounts",
        )
