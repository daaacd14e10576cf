"""Back-office pages cost the same however many rows the shop has: every list and the change
pages with children make as many queries at 3 rows as at 30, the customer's timeline shows
its newest events only, and searches through relations look up keys first."""

import re

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from carts.models import Promotion
from shop.admin_base import LargeTableMixin
from tests import factories
from tests.conftest import admin_client
from tests.shop.admin_support import queries, shop

pytestmark = pytest.mark.django_db
APPS = ("catalog", "customers", "orders", "payments", "outbox", "inventory", "carts")
APPS += ("channels_app", "staff")
APPS += ("marketing", "journal", "shipping", "support")


@pytest.fixture
def client(manager):
    return admin_client(manager)


@pytest.fixture
def data(store):
    return shop(store)


def changelists() -> list[str]:
    return sorted(
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for model in admin.site._registry
        if model._meta.app_label in APPS
    )


def change_pages(data) -> list[str]:
    def url(obj) -> str:
        opts = obj._meta
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])

    return [url(data.customer), url(data.order), url(data.cart), url(data.product)] + [
        url(data.returned)
    ]


SEARCHES = [
    "/admin/customers/customer/?q=ada",
    "/admin/customers/customerevent/?q=ada@",
    "/admin/customers/customerevent/?q=lovelace",
    "/admin/orders/order/?q=os-ada",
    "/admin/orders/order/?q=Lovelace",
    "/admin/inventory/stock/?q=engine",
    "/admin/inventory/stockmovement/?q=sku-",
    "/admin/inventory/reservation/?q=OS-T",
    "/admin/catalog/product/?q=sku-",
    "/admin/carts/cart/?q=ada",
    "/admin/payments/payment/?q=os-ada",
]


def test_pages_make_as_many_queries_at_30_rows_as_at_3(client, data):
    pages = changelists() + change_pages(data) + SEARCHES
    data.grow(3)
    for url in pages:  # what a process loads once (content types, permissions) is loaded
        queries(client, url)
    at_3 = {url: queries(client, url) for url in pages}

    data.grow(27)
    at_30 = {url: queries(client, url) for url in pages}

    assert {url: (at_3[url], at_30[url]) for url in pages if at_3[url] != at_30[url]} == {}


def test_lists_of_big_tables_count_once_and_have_no_date_hierarchy():
    large = [ma for ma in admin.site._registry.values() if isinstance(ma, LargeTableMixin)]

    assert len(large) >= 12
    assert [ma for ma in large if ma.date_hierarchy or ma.show_full_result_count] == []


class TestCustomerPage:
    def test_shows_the_newest_20_events_with_their_store(self, client, data):
        data.grow(30)
        url = reverse("admin:customers_customer_change", args=[data.customer.pk])

        response = client.get(url)
        html = response.content.decode()

        [events] = response.context["inline_admin_formsets"]
        shown = [form.instance.payload["n"] for form in events.formset.forms]
        assert shown == list(range(30, 10, -1))
        assert html.count(data.store.name) >= 20

    def test_links_to_the_whole_timeline_orders_and_carts(self, client, data):
        data.grow(30)
        page = client.get(reverse("admin:customers_customer_change", args=[data.customer.pk]))
        links = dict(
            (text, href.replace("&amp;", "&"))
            for href, text in re.findall(r'<a href="([^"]+)">([^<]+)</a>', page.content.decode())
        )

        for text, count in [("Whole timeline", 30), ("Orders", 1), ("Carts", 1)]:
            response = client.get(links[text])
            assert response.status_code == 200, text
            assert response.context["cl"].result_count == count, text
            assert {row.customer_id for row in response.context["cl"].result_list} == {
                data.customer.pk
            }

    def test_saving_the_customer_keeps_the_events(self, client, data):
        data.grow(25)
        url = reverse("admin:customers_customer_change", args=[data.customer.pk])
        form = client.get(url).context["adminform"].form
        management = {
            "events-TOTAL_FORMS": "20",
            "events-INITIAL_FORMS": "20",
            "events-MIN_NUM_FORMS": "0",
            "events-MAX_NUM_FORMS": "1000",
        }
        shown = data.customer.events.order_by("-created_at", "-id")[:20]
        ids = {f"events-{i}-id": event.pk for i, event in enumerate(shown)}
        ids |= {f"events-{i}-customer": data.customer.pk for i in range(20)}

        response = client.post(
            url,
            {**form.initial, "user": "", "name": "Ada King", **management, **ids},
        )

        assert response.status_code == 302, response.context and response.context["errors"]
        data.customer.refresh_from_db()
        assert data.customer.name == "Ada King"
        assert data.customer.events.count() == 25


def _result_count(client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200
    return response.context["cl"].result_count


class TestSearch:
    def test_events_by_customer_email_or_name(self, client, data):
        data.grow(3)

        assert _result_count(client, "/admin/customers/customerevent/?q=ADA@example") == 3
        assert _result_count(client, "/admin/customers/customerevent/?q=lovelace") == 3
        assert _result_count(client, "/admin/customers/customerevent/?q=ada+lovelace") == 3
        assert _result_count(client, "/admin/customers/customerevent/?q=nobody") == 0

    def test_events_search_matches_customers_by_key(self, client, data):
        """The customers are found in their table, then the events by customer_id."""
        data.grow(2)

        with CaptureQueriesContext(connection) as captured:
            client.get("/admin/customers/customerevent/?q=ada@")

        events = [q["sql"] for q in captured if 'FROM "customers_customerevent"' in q["sql"]]
        assert events
        for sql in events:
            assert '"customers_customerevent"."customer_id" IN (' in sql
            assert 'UPPER("customers_customer"."email"' not in sql

    def test_orders_by_number_email_or_customer_name(self, client, data):
        data.grow(2)
        factories.OrderFactory(number="OS-BOB001", email="bob@example.com")

        assert _result_count(client, "/admin/orders/order/?q=os-ada") == 1
        assert _result_count(client, "/admin/orders/order/?q=bob@") == 1
        assert _result_count(client, "/admin/orders/order/?q=lovelace") == 1
        # Own fields or the customer's, not a word in each.
        assert _result_count(client, "/admin/orders/order/?q=os-ada+lovelace") == 0

    def test_stock_by_product_name_sku_or_barcode(self, client, data):
        data.grow(3)
        sku = data.product.variants.order_by("sku").first()

        assert _result_count(client, "/admin/inventory/stock/?q=analytical") == 3
        assert _result_count(client, f"/admin/inventory/stock/?q={sku.sku.lower()}") == 1
        assert _result_count(client, f"/admin/inventory/stock/?q={sku.barcode}") == 1

    def test_products_by_variant_sku(self, client, data):
        data.grow(3)
        sku = data.product.variants.first().sku

        response = client.get(f"/admin/catalog/product/?q={sku}")

        assert list(response.context["cl"].result_list) == [data.product]

    def test_reservations_by_order_number(self, client, data):
        data.grow(3)
        order = factories.OrderFactory(number="OS-ZED777")
        factories.OrderLineFactory(order=order)
        line = order.lines.get()
        line.reservations.create(location=data.store, variant=line.variant, quantity=1)

        assert _result_count(client, "/admin/inventory/reservation/?q=os-zed") == 1

    def test_carts_by_code_or_customer(self, client, data):
        data.grow(3)

        assert _result_count(client, "/admin/carts/cart/?q=ada001") == 1
        assert _result_count(client, "/admin/carts/cart/?q=ada@") == 1
        assert _result_count(client, "/admin/carts/cart/?q=h0000") == 3


class TestFilters:
    def test_date_ranges_replace_the_date_hierarchy(self, client, data):
        data.grow(3)

        for url in ("/admin/customers/customerevent/", "/admin/orders/order/"):
            response = client.get(url + "?created_at__gte=2000-01-01+00%3A00%3A00%2B00%3A00")
            assert response.status_code == 200, url
            assert response.context["cl"].result_count > 0

    def test_outbox_topics_and_refund_methods_come_from_the_code(self, client, data):
        data.grow(2)

        topics = client.get("/admin/outbox/outboxmessage/?topic=orders.email")
        refunds = client.get("/admin/orders/return/?refund_method=original")

        assert topics.context["cl"].result_count == 2
        assert refunds.context["cl"].result_count == 0

    def test_a_promotion_links_to_its_uses(self, client, data):
        used = Promotion.objects.create(name="Used", code="USED", kind="fixed", value=5)
        unused = Promotion.objects.create(name="Unused", code="UNUSED", kind="fixed", value=5)
        order = factories.OrderFactory()
        used.usages.create(order=order, amount="5.00")

        promotions = client.get("/admin/carts/promotion/").content.decode()
        link = f"/admin/carts/promotionusage/?promotion__id__exact={used.pk}"
        assert link in promotions

        assert _result_count(client, link) == 1
        assert _result_count(client, link.replace(str(used.pk), str(unused.pk))) == 0


def test_touches_filter_by_channel_without_reading_the_table(client, store):
    from shop.marketing.models import Touch

    now = timezone.now()
    Touch.objects.create(channel="email", source="newsletter", at=now)
    Touch.objects.create(channel="pos", source="pos", store=store, at=now)
    url = reverse("admin:marketing_touch_changelist")

    with CaptureQueriesContext(connection) as listed:
        page = client.get(url)
    assert page.status_code == 200
    assert not [q for q in listed.captured_queries if "DISTINCT" in q["sql"]]
    assert "?channel=email" in page.content.decode()
    filtered = client.get(url, {"channel": "pos"})
    assert [touch.channel for touch in filtered.context["cl"].result_list] == ["pos"]
