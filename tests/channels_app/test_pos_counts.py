"""The till's stock count page and the desk's "not found" button (server side)."""

import html
import uuid

import pytest
from django.utils import timezone

from inventory.counts import CountedLine, stock_count_record
from inventory.models import StockCount
from shop.channels import Channel
from shop.orders.models import OrderEvent
from tests import factories
from tests.channels_app.support import receive, stock_row
from tests.shop.order_support import collect_order

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def clerk_client(client, clerk):
    client.force_login(clerk)
    return client


def scan(client, code, quantity=1, mode="add"):
    return client.post("/pos/counts/items/", {"code": code, "quantity": quantity, "mode": mode})


class TestCountPage:
    def test_scan_set_and_record(self, clerk_client, store, variant):
        receive(store, variant, 10)
        scan(clerk_client, "TEE-M", 4)
        scan(clerk_client, variant.barcode, 3)  # a scan adds up
        page = clerk_client.get("/pos/counts/")
        assert page.status_code == 200
        assert page.context["lines"][0]["counted"] == 7
        scan(clerk_client, "TEE-M", 8, mode="set")
        key = str(uuid.uuid4())
        done = clerk_client.post("/pos/counts/finish/", {"idempotency_key": key})
        count = StockCount.objects.get()
        assert done.url == f"/pos/counts/{count.pk}/"
        assert stock_row(store, variant) == (8, 0)
        result = text(clerk_client.get(done.url))
        assert "0 of 1 item matched the record" in result
        # The same form sent twice records once.
        again = clerk_client.post("/pos/counts/finish/", {"idempotency_key": key})
        assert again.status_code == 302
        assert StockCount.objects.count() == 1

    def test_unknown_code_and_nothing_to_record(self, clerk_client, store):
        response = scan(clerk_client, "NOPE")
        assert response.status_code == 302
        response = clerk_client.post("/pos/counts/finish/", {"idempotency_key": "x"})
        assert response.status_code == 302
        assert not StockCount.objects.exists()

    def test_another_stores_count_is_not_shown(self, clerk_client, store, other_store, variant):
        receive(other_store, variant, 1)
        count = stock_count_record(
            location=other_store,
            started_at=timezone.now(),
            lines=[CountedLine(variant, 1)],
            channel=Channel.POS,
        )
        assert clerk_client.get(f"/pos/counts/{count.pk}/").status_code == 404

    @pytest.mark.parametrize("items", [3, 12])
    def test_the_page_costs_the_same_at_any_size(
        self, clerk_client, store, items, django_assert_max_num_queries
    ):

        variants = [factories.VariantFactory() for _ in range(items)]
        for variant in variants:
            receive(store, variant, 3)
            scan(clerk_client, variant.sku, 2)
            stock_count_record(
                location=store,
                started_at=timezone.now(),
                lines=[CountedLine(variant, 2)],
                channel=Channel.POS,
            )
        with django_assert_max_num_queries(16):
            page = clerk_client.get("/pos/counts/")
        assert page.status_code == 200
        assert len(page.context["lines"]) == items


class TestSuggestions:
    def test_not_found_items_then_fast_sellers(self, clerk_client, store):
        from inventory.accuracy import count_suggestions
        from inventory.services import StockLine, stock_sell

        slow, fast, lost = (factories.VariantFactory(sku=s) for s in ("SLOW", "FAST", "LOST"))
        for variant in (slow, fast, lost):
            receive(store, variant, 10)
        stock_sell(location=store, lines=[StockLine(fast, 4)], channel=Channel.POS)
        stock_sell(location=store, lines=[StockLine(slow, 1)], channel=Channel.POS)
        order = collect_order(store, [(lost, 1)])
        from shop.orders.not_found import order_line_not_found

        order_line_not_found(order=order, sku="LOST", channel=Channel.POS)
        suggested = [(s.sku, s.why) for s in count_suggestions(location=store)]
        assert suggested == [
            ("LOST", "not found"),
            ("FAST", "fast seller"),
            ("SLOW", "fast seller"),
        ]

    def test_kept_until_the_next_count_at_the_store(
        self, store, django_assert_num_queries, django_capture_on_commit_callbacks
    ):
        from inventory.accuracy import count_suggestions
        from inventory.counts import CountedLine, stock_count_record
        from inventory.services import StockLine, stock_sell

        fast, later = factories.VariantFactory(sku="FAST"), factories.VariantFactory(sku="LATER")
        for variant in (fast, later):
            receive(store, variant, 10)
        stock_sell(location=store, lines=[StockLine(fast, 4)], channel=Channel.POS)
        assert [s.sku for s in count_suggestions(location=store)][:1] == ["FAST"]

        stock_sell(location=store, lines=[StockLine(later, 6)], channel=Channel.POS)
        with django_assert_num_queries(0):  # the month of sales is not read again
            assert [s.sku for s in count_suggestions(location=store)][:1] == ["FAST"]

        with django_capture_on_commit_callbacks(execute=True):
            stock_count_record(
                location=store,
                started_at=timezone.now(),
                lines=[CountedLine(fast, 6)],
                channel=Channel.POS,
            )
        suggested = [(s.sku, s.why) for s in count_suggestions(location=store)]
        assert suggested == [("LATER", "fast seller")]


class TestDeskNotFound:
    def test_the_button_re_sources_and_shows_the_timeline(self, clerk_client, store, variant):
        receive(store, variant, 2)
        order = collect_order(store, [(variant, 1)])
        page = text(clerk_client.get(f"/pos/pickups/{order.number}/"))
        assert "Not found" in page
        response = clerk_client.post(
            f"/pos/pickups/{order.number}/not-found/", {"sku": "TEE-M"}, follow=True
        )
        body = text(response)
        assert "Another TEE-M is free here" in body
        assert "1 × TEE-M not found at Store One" in body
        assert stock_row(store, variant) == (1, 1)
        assert OrderEvent.objects.filter(order=order).count() == 2

    def test_a_clerk_of_another_store_cannot(self, client, store, other_store, variant):
        receive(store, variant, 2)
        order = collect_order(store, [(variant, 1)])
        client.force_login(factories.clerk(store=other_store))
        response = client.post(f"/pos/pickups/{order.number}/not-found/", {"sku": "TEE-M"})
        assert response.status_code == 403
        assert stock_row(store, variant) == (2, 1)


def test_a_category_shelf_to_count(clerk_client, store):
    knit = factories.CategoryFactory(slug="knitwear", name="Knitwear")
    scarves = factories.CategoryFactory(slug="scarves", name="Scarves", parent=knit)
    jumper = factories.VariantFactory(sku="JUMPER", product__category=knit)
    scarf = factories.VariantFactory(sku="SCARF", product__category=scarves)
    boots = factories.VariantFactory(sku="BOOTS")
    for variant in (jumper, scarf, boots):
        receive(store, variant, 2)
    page = clerk_client.get("/pos/counts/?category=knitwear")
    assert [item.sku for item in page.context["suggestions"]] == ["JUMPER", "SCARF"]
    assert "This shelf" in text(page)
