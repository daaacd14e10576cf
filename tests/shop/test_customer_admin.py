"""The managers' customer page: overview and timeline, in the admin, behind its second factor."""

import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from carts.services import cart_for_customer, cart_line_add
from shop.channels import Channel
from shop.customers.models import CustomerEvent
from shop.orders.models import Order
from shop.support.services import ticket_open, ticket_reply
from tests import factories
from tests.conftest import admin_client
from tests.shop.customer_support import history

pytestmark = pytest.mark.django_db
Kind = CustomerEvent.Kind


def page_url(customer) -> str:
    return reverse("admin:customers_customer_timeline", args=[customer.pk])


def busy_customer(store, clerk, *, orders: int, events: int):
    customer = factories.CustomerFactory(name="Ann")
    for n in range(orders):
        factories.OrderFactory(
            customer=customer,
            channel="pos" if n % 2 else "web",
            store=store,
            status=Order.Status.COMPLETED,
            total=Decimal("10.00"),
        )
    for n in range(3):
        variant = factories.VariantFactory(sku=f"ITEM-{orders}-{n}")
        cart = cart_for_customer(customer=customer)
        cart_line_add(cart=cart, sku=variant.sku, quantity=1, channel="web")
    ticket = ticket_open(subject="Zip broke", body="Help", channel=Channel.WEB, customer=customer)
    ticket_reply(ticket=ticket, body="Regular", channel="pos", author=clerk, internal=True)
    history(customer, events, kind=Kind.POS_SALE, channel="pos", store=store)
    return customer


@pytest.fixture
def manager_client(manager):
    return admin_client(manager)


class TestCustomerPage:
    def test_shows_spend_cart_orders_tickets_and_the_timeline(self, manager_client, store, clerk):
        customer = busy_customer(store, clerk, orders=3, events=2)

        response = manager_client.get(page_url(customer))

        assert response.status_code == 200
        html = response.content.decode()
        assert "Lifetime spend per channel" in html
        assert re.search(r"Point of sale</td><td>1</td><td>10.00 EUR", html)
        assert re.search(r"Web storefront</td><td>2</td><td>20.00 EUR", html)
        assert "ITEM-3-2" in html  # the open cart
        assert "Zip broke" in html  # the open ticket
        assert html.count(reverse("admin:orders_order_changelist")) >= 1
        assert "Bought in store for 5.00 EUR (order OS-000001)" in html
        assert "Internal note on service request" in html  # staff see notes
        assert 'id="content-main"' in html  # the admin's look

    def test_filters_by_kind_and_channel_and_pages_older(
        self, manager_client, store, clerk, monkeypatch
    ):
        monkeypatch.setattr("shop.customers.admin.TIMELINE_PAGE", 5)
        customer = busy_customer(store, clerk, orders=0, events=8)
        url = page_url(customer)

        pos = manager_client.get(url, {"kind": "pos_sale", "channel": "pos"}).content.decode()
        older = re.search(r'href="(\?[^"]*cursor=[^"]+)">Older', pos).group(1)
        second = manager_client.get(url + older.replace("&amp;", "&")).content.decode()
        web = manager_client.get(url, {"channel": "web"}).content.decode()

        assert ("OS-000007" in pos, "OS-000003" in pos, "OS-000002" in pos) == (True, True, False)
        assert ("kind=pos_sale" in older, "channel=pos" in older) == (True, True)
        assert ("OS-000002" in second, "OS-000000" in second) == (True, True)
        assert "OS-000007" not in second
        assert ">Older<" not in second
        assert "Bought in store" not in web
        assert "Added 1 unit of" in web

    def test_a_bad_filter_shows_an_error_and_the_whole_timeline(self, manager_client, store, clerk):
        customer = busy_customer(store, clerk, orders=0, events=1)

        response = manager_client.get(page_url(customer), {"cursor": "garbage"}, follow=True)

        assert response.status_code == 200
        assert "The cursor is not valid" in response.content.decode()
        assert "OS-000000" in response.content.decode()

    def test_same_queries_for_a_short_and_a_long_history(
        self, manager_client, store, clerk, django_assert_num_queries, django_assert_max_num_queries
    ):
        short = busy_customer(store, clerk, orders=1, events=3)
        with django_assert_max_num_queries(20) as few:
            manager_client.get(page_url(short))

        long = busy_customer(store, clerk, orders=30, events=300)
        with django_assert_num_queries(len(few.captured_queries)):
            response = manager_client.get(page_url(long))

        assert response.status_code == 200

    def test_the_change_page_links_to_it(self, manager_client, store, clerk):
        customer = busy_customer(store, clerk, orders=1, events=1)

        html = manager_client.get(
            reverse("admin:customers_customer_change", args=[customer.pk])
        ).content.decode()

        assert page_url(customer) in html

    def test_the_event_list_reads_summaries_not_payloads(self, manager_client, store, clerk):
        busy_customer(store, clerk, orders=0, events=1)

        html = manager_client.get(
            reverse("admin:customers_customerevent_changelist")
        ).content.decode()

        assert "Bought in store for 5.00 EUR (order OS-000000)" in html
        assert '"total"' not in html


class TestAccess:
    def test_a_manager_without_a_second_factor_enrols_first(self, manager, store, clerk):
        customer = busy_customer(store, clerk, orders=0, events=1)
        client = Client()
        client.force_login(manager)

        response = client.get(page_url(customer))

        assert response.status_code == 302
        assert response["Location"] == reverse("mfa_activate_totp")

    def test_shoppers_and_anonymous_visitors_are_sent_to_sign_in(self, store, clerk):
        customer = busy_customer(store, clerk, orders=0, events=1)
        shopper = Client()
        shopper.force_login(factories.UserFactory())

        for client in (Client(), shopper):
            response = client.get(page_url(customer))
            assert response.status_code == 302
            assert "login" in response["Location"]

    def test_unknown_customer_goes_back_to_the_list(self, manager_client):
        response = manager_client.get(reverse("admin:customers_customer_timeline", args=[99999]))

        assert response.status_code == 302
