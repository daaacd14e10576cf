"""One customer at the till: found by email, phone or name, their panel (spend per channel,
saved cart, orders of every channel with a return shortcut, open requests, recent activity),
and a new request opened for them on the pos channel."""

import uuid
from decimal import Decimal

import pytest

from carts.services import cart_for_customer, cart_line_add
from shop.channels import Channel
from shop.orders.models import Order
from shop.orders.selectors import customer_spend_by_channel
from shop.support.models import Ticket
from shop.support.services import ticket_set_status
from tests import factories
from tests.channels_app.customer_support import store_sale, take_back, web_order
from tests.channels_app.support import page_queries, page_text, receive, till_sale
from tests.shop.ticket_support import web_ticket

pytestmark = pytest.mark.django_db

CUSTOMERS = "/pos/customers/"


def panel_url(customer) -> str:
    return f"{CUSTOMERS}{customer.pk}/"


def new_request_url(customer) -> str:
    return f"{CUSTOMERS}{customer.pk}/requests/new/"


@pytest.fixture
def ann(db):
    user = factories.UserFactory(username="ann", email="ann@example.com")
    return factories.CustomerFactory(name="Ann Example", email="ann@example.com", user=user)


@pytest.fixture
def history(ann, store, warehouse, variant):
    """Ann's orders of every channel: a shipped web order (one unit returned), two store
    sales, and a cancelled collect order that was never bought."""
    web = web_order(ann, warehouse, variant, quantity=2)
    take_back(web, store)
    sales = [store_sale(ann, store, variant), store_sale(ann, store, variant, quantity=3)]
    receive(store, variant, 1)
    cancelled = factories.OrderFactory(
        customer=ann, store=store, status=Order.Status.CANCELLED, total=Decimal("99.00")
    )
    return {"web": web, "sales": sales, "cancelled": cancelled}


class TestAccess:
    @pytest.mark.parametrize("path", ["", "{id}/", "{id}/requests/new/"])
    def test_anonymous_is_sent_to_sign_in_and_shoppers_are_refused(
        self, client, shopper, ann, path
    ):
        url = CUSTOMERS + path.format(id=ann.pk)
        assert client.get(url)["Location"] == f"/accounts/login/?next={url}"
        client.force_login(shopper)
        assert client.get(url).status_code == 403

    def test_an_unknown_customer_is_a_404(self, clerk_client):
        assert clerk_client.get(f"{CUSTOMERS}999999/").status_code == 404


class TestLookUp:
    def test_the_search_page(self, clerk_client, ann):
        page = page_text(clerk_client.get(CUSTOMERS))

        assert '<label for="customer-q">Email, phone or name</label>' in page
        assert "No customer matches “zz”" in page_text(clerk_client.get(f"{CUSTOMERS}?q=zz"))

    def test_several_matches_are_listed_with_their_panels(self, clerk_client, ann):
        other = factories.CustomerFactory(name="Annabel Lee", email="annabel@example.com")

        page = page_text(clerk_client.get(f"{CUSTOMERS}?q=ann"))

        assert f'href="{panel_url(ann)}"' in page
        assert f'href="{panel_url(other)}"' in page

    def test_one_match_opens_the_panel(self, clerk_client, ann):
        response = clerk_client.get(f"{CUSTOMERS}?q=ann@example")

        assert response.status_code == 302
        assert response["Location"] == panel_url(ann)

    def test_the_tills_customer_search_links_to_the_panel(self, clerk_client, ann):
        page = page_text(clerk_client.get("/pos/?customer_q=ann"))

        assert f'href="{panel_url(ann)}"' in page


class TestSpend:
    def test_per_channel_in_one_aggregate_query(
        self, ann, history, variant, django_assert_num_queries
    ):
        with django_assert_num_queries(1):
            spend = customer_spend_by_channel(ann)

        rows = {row.channel: row for row in spend.channels}
        assert set(rows) == {Channel.WEB, Channel.POS}
        assert (rows["pos"].orders, rows["pos"].spent, rows["pos"].refunded) == (
            2,
            Decimal("79.60"),
            Decimal("0.00"),
        )
        assert (rows["web"].orders, rows["web"].spent, rows["web"].refunded) == (
            1,
            Decimal("39.80"),
            Decimal("19.90"),
        )
        assert rows["web"].net == Decimal("19.90")
        assert [row.channel for row in spend.channels] == ["pos", "web"]  # biggest first
        assert (spend.orders, spend.spent, spend.net) == (3, Decimal("119.40"), Decimal("99.50"))
        assert spend.currency == "EUR"

    def test_a_customer_who_bought_nothing(self, ann):
        spend = customer_spend_by_channel(ann)

        assert spend.channels == []
        assert (spend.orders, spend.spent, spend.currency) == (0, Decimal("0.00"), None)


class TestPanel:
    def test_shows_spend_orders_of_every_channel_and_the_return_shortcut(
        self, clerk_client, ann, history
    ):
        response = clerk_client.get(panel_url(ann))

        page = page_text(response)
        assert response.status_code == 200
        assert '<h1 class="page-title">Ann Example</h1>' in page
        assert "Web storefront" in page
        assert "Point of sale" in page
        assert "€119.40" in page  # all channels
        assert "−€19.90" in page  # refunded on the web order's return
        web = history["web"]
        assert web.number in page
        assert "(1 returned)" in page
        assert f'href="/pos/returns/{web.number}/"' in page
        for sale in history["sales"]:
            assert f'href="/pos/returns/{sale.number}/"' in page
        cancelled = history["cancelled"].number
        assert cancelled in page  # listed, but nothing to return
        assert f'href="/pos/returns/{cancelled}/"' not in page

    def test_open_requests_and_recent_activity(self, clerk_client, ann, manager, history):
        open_one = web_ticket(ann, subject="Zip broke")
        closed = web_ticket(ann, subject="Old question")
        ticket_set_status(ticket=closed, status="closed", channel=Channel.POS, user=manager)

        response = clerk_client.get(panel_url(ann))

        assert [t.number for t in response.context["open_tickets"]] == [open_one.number]
        page = page_text(response)
        assert f'href="/pos/tickets/{open_one.number}/"' in page
        activity = response.context["activity"]
        assert len(activity) == 8
        assert [entry.at for entry in activity] == sorted(
            (entry.at for entry in activity), reverse=True
        )
        assert {
            entry.subject.id
            for entry in activity
            if entry.subject and entry.subject.type == "ticket"
        } == {open_one.number, closed.number}
        assert 'id="recent-activity"' in page

    def test_the_saved_cart_loads_at_the_till_as_today(self, clerk_client, ann, store, variant):
        receive(store, variant, 3)
        cart = cart_for_customer(customer=ann)
        cart_line_add(cart=cart, sku=variant.sku, quantity=2, channel=Channel.WEB)

        page = page_text(clerk_client.get(panel_url(ann)))
        assert f'name="code" value="{cart.handoff_code}"' in page
        response = clerk_client.post(
            "/pos/sale/cart/", {"store": store.code, "code": cart.handoff_code}
        )

        assert response.status_code == 302
        sale = till_sale(clerk_client, store)
        assert (sale["cart_id"], sale["customer_id"]) == (cart.pk, ann.pk)
        assert "No saved cart other than the one on the sale." in page_text(
            clerk_client.get(panel_url(ann))
        )

    def test_the_customer_is_added_to_the_sale_from_the_panel(self, clerk_client, ann, store):
        assert 'action="/pos/sale/customer/"' in page_text(clerk_client.get(panel_url(ann)))

        clerk_client.post("/pos/sale/customer/", {"store": store.code, "customer": ann.pk})

        assert "On the current sale" in page_text(clerk_client.get(panel_url(ann)))

    def test_costs_the_same_for_a_short_and_a_long_history(
        self, clerk_client, ann, store, variant, warehouse
    ):
        def more(n: int) -> None:
            for _ in range(n):
                take_back(store_sale(ann, store, variant, quantity=2), store)
                web_order(ann, warehouse, variant)
                web_ticket(ann)
            cart_line_add(
                cart=cart_for_customer(customer=ann), sku=variant.sku, quantity=1, channel="web"
            )

        receive(store, variant, 20)
        more(1)
        few = page_queries(clerk_client, panel_url(ann))
        more(6)

        assert page_queries(clerk_client, panel_url(ann)) == few
        assert Order.objects.filter(customer=ann).count() == 14


class TestNewRequest:
    def test_opened_on_the_pos_channel_for_the_customer(
        self, clerk_client, clerk, ann, store, history
    ):
        web = history["web"]
        page = page_text(clerk_client.get(f"{new_request_url(ann)}?order={web.number}"))
        assert f'<option value="{web.number}" selected>' in page

        response = clerk_client.post(
            new_request_url(ann),
            {
                "store": store.code,
                "idempotency_key": str(uuid.uuid4()),
                "subject": "Return by post?",
                "order": web.number,
                "body": "She asks whether she can post the other tee back.",
            },
        )

        ticket = Ticket.objects.get()
        assert response.status_code == 302
        assert response["Location"] == f"/pos/tickets/{ticket.number}/"
        assert (ticket.customer, ticket.order, ticket.opened_channel, ticket.store) == (
            ann,
            web,
            Channel.POS,
            store,
        )
        [message] = ticket.messages.all()
        assert (message.author, message.channel, message.internal) == (clerk, "pos", False)
        assert not message.from_customer

    def test_another_customers_order_is_refused(self, clerk_client, ann, store):
        theirs = factories.OrderFactory(customer=factories.CustomerFactory(), number="OS-THEIRS")

        response = clerk_client.post(
            new_request_url(ann),
            {
                "store": store.code,
                "idempotency_key": str(uuid.uuid4()),
                "subject": "Peek",
                "order": theirs.number,
                "body": "Hello",
            },
        )

        assert response.status_code == 400
        assert "Select a valid choice" in page_text(response)
        assert not Ticket.objects.exists()

    def test_a_double_submit_opens_one_request(self, clerk_client, ann, store):
        body = {
            "store": store.code,
            "idempotency_key": str(uuid.uuid4()),
            "subject": "Opening hours",
            "order": "",
            "body": "Open on Sunday?",
        }

        clerk_client.post(new_request_url(ann), body)
        clerk_client.post(new_request_url(ann), body)

        assert Ticket.objects.count() == 1


def test_the_panel_shows_what_the_customer_browsed(clerk_client, ann, variant):
    """Product views, on any device, reach the panel through the one timeline (buffered, then
    written in bulk)."""
    from shop.customers.product_views import product_view_buffer, product_views_flush

    product = variant.product
    product_view_buffer(product=product.slug, name=product.name, customer=ann)
    product_views_flush()

    response = clerk_client.get(panel_url(ann))

    [viewed] = response.context["viewed"]
    assert viewed.kind == "product_viewed"
    assert variant.product.name in page_text(response)
    assert 'id="recently-viewed"' in page_text(response)
