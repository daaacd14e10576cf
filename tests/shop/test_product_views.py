"""Product views: buffered by the product page (no INSERT there), written in bulk by a flush,
and an anonymous visitor's views joined to their customer at sign-in and at checkout."""

import os
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from channels_app.visitor import VISITOR_COOKIE
from inventory.services import StockLine, stock_receive
from shop.customers import product_views
from shop.customers.models import Customer, CustomerEvent
from shop.customers.product_views import (
    LocalBuffer,
    RedisBuffer,
    product_view_buffer,
    product_views_adopt,
    product_views_buffer,
    product_views_flush,
)
from shop.customers.selectors import customer_timeline
from shop.customers.services import customer_for_user
from shop.customers.tasks import flush_product_views
from tests import factories

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")


def redis_caches(url: str) -> dict:
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "test-product-views",
        }
    }


@pytest.fixture
def jumper(db):
    product = factories.ProductFactory(name="Merino Jumper", slug="merino-jumper")
    factories.VariantFactory(product=product, sku="JMP-M", price=Decimal("79.00"))
    return product


@pytest.fixture
def scarf(db):
    product = factories.ProductFactory(name="Wool Scarf", slug="wool-scarf")
    factories.VariantFactory(product=product, sku="SCF-1", price=Decimal("25.00"))
    return product


def viewed(customer) -> list[str]:
    return [
        e.payload["product"]
        for e in customer.events.filter(kind=CustomerEvent.Kind.PRODUCT_VIEWED).order_by("id")
    ]


def inserts(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith("INSERT")]


class TestBuffer:
    def test_a_view_is_written_by_the_flush_at_the_time_it_was_made(self, jumper):
        customer = factories.CustomerFactory()
        product_view_buffer(product=jumper.slug, name=jumper.name, customer=customer)
        made = timezone.now()
        assert not CustomerEvent.objects.exists()

        assert flush_product_views() == 1

        event = CustomerEvent.objects.get()
        assert (event.customer, event.kind, event.channel) == (customer, "product_viewed", "web")
        assert event.payload == {"product": "merino-jumper", "name": "Merino Jumper"}
        assert abs((event.created_at - made).total_seconds()) < 5
        assert product_views_flush() == 0  # nothing left

    def test_a_reload_within_minutes_is_one_view_a_later_one_another(
        self, jumper, scarf, monkeypatch
    ):
        customer = factories.CustomerFactory()
        start = timezone.now()
        for minutes, product in [(0, jumper), (1, jumper), (2, scarf), (6, jumper)]:
            moment = start + timedelta(minutes=minutes)
            monkeypatch.setattr(product_views.timezone, "now", lambda m=moment: m)
            product_view_buffer(product=product.slug, name=product.name, customer=customer)

        assert product_views_flush() == 3
        assert viewed(customer) == ["merino-jumper", "wool-scarf", "merino-jumper"]

    def test_views_of_a_customer_gone_since_are_dropped_not_the_batch(self, jumper):
        gone, kept = factories.CustomerFactory(), factories.CustomerFactory()
        product_view_buffer(product=jumper.slug, name=jumper.name, customer=gone)
        product_view_buffer(product=jumper.slug, name=jumper.name, customer=kept)
        gone.delete()

        assert product_views_flush() == 1
        assert viewed(kept) == ["merino-jumper"]

    def test_an_unreadable_entry_is_dropped(self, jumper):
        customer = factories.CustomerFactory()
        product_views_buffer().push("not json")
        product_view_buffer(product=jumper.slug, name=jumper.name, customer=customer)

        assert product_views_flush() == 1

    def test_a_refused_batch_goes_back_to_the_buffer(self, jumper, monkeypatch):
        customer = factories.CustomerFactory()
        product_view_buffer(product=jumper.slug, name=jumper.name, customer=customer)

        def refuse(*args, **kwargs):
            raise DatabaseError("database is down")

        with monkeypatch.context() as patch:
            patch.setattr(CustomerEvent.objects, "bulk_create", refuse)
            with pytest.raises(DatabaseError):
                product_views_flush()

        assert product_views_flush() == 1

    def test_nothing_is_kept_for_nobody(self, jumper):
        product_view_buffer(product=jumper.slug, name=jumper.name)

        assert product_views_buffer().take(10) == []

    def test_the_process_buffer_flushes_itself_when_full(self, jumper, monkeypatch):
        monkeypatch.setattr(product_views, "BUFFER_SIZE", 3)
        customer = factories.CustomerFactory()
        for _ in range(2):
            product_view_buffer(product=jumper.slug, name=jumper.name, customer=customer)
        assert not CustomerEvent.objects.exists()

        product_view_buffer(product="other", name="Other", customer=customer)

        assert viewed(customer) == ["merino-jumper", "other"]  # the reload is one view

    def test_the_process_buffer_flushes_itself_when_its_oldest_view_is_old(
        self, jumper, monkeypatch
    ):
        customer = factories.CustomerFactory()
        clock = [1000.0]
        monkeypatch.setattr(product_views.time, "monotonic", lambda: clock[0])
        product_view_buffer(product=jumper.slug, name=jumper.name, customer=customer)
        clock[0] += product_views.FLUSH_SECONDS - 1
        product_view_buffer(product="other", name="Other", customer=customer)
        assert not CustomerEvent.objects.exists()

        clock[0] += 1
        product_view_buffer(product="third", name="Third", customer=customer)

        assert viewed(customer) == ["merino-jumper", "other", "third"]


class TestProductPage:
    def test_no_insert_on_the_page_anonymous_or_signed_in(self, client, jumper):
        with CaptureQueriesContext(connection) as anonymous:
            assert client.get(jumper.get_absolute_url()).status_code == 200
        user = factories.UserFactory()
        customer_for_user(user)
        client.force_login(user)
        with CaptureQueriesContext(connection) as signed_in:
            assert client.get(jumper.get_absolute_url()).status_code == 200

        assert inserts(anonymous.captured_queries) == []
        assert inserts(signed_in.captured_queries) == []
        assert product_views_flush() == 2

    def test_the_visitor_cookie_is_kept_and_a_forged_one_replaced(self, client, jumper):
        first = client.get(jumper.get_absolute_url())
        visitor = first.cookies[VISITOR_COOKIE].value
        again = client.get(jumper.get_absolute_url())
        client.cookies[VISITOR_COOKIE] = "<script>"
        forged = client.get(jumper.get_absolute_url())

        assert len(visitor) == 22
        assert VISITOR_COOKIE not in again.cookies
        assert forged.cookies[VISITOR_COOKIE].value not in (visitor, "<script>")


class TestJoinedAtSignIn:
    def test_anonymous_views_appear_on_the_timeline_after_sign_in(self, jumper, scarf):
        user = factories.UserFactory(username="ann")
        browser, other_browser = Client(), Client()
        browser.get(jumper.get_absolute_url())
        product_views_flush()  # one written before the sign-in...
        browser.get(scarf.get_absolute_url())  # ...one still in the buffer
        other_browser.get(scarf.get_absolute_url())  # someone else's

        response = browser.post("/accounts/login/", {"login": "ann", "password": PASSWORD})

        assert response.status_code == 302
        customer = Customer.objects.get(user=user)
        assert viewed(customer) == ["merino-jumper", "wool-scarf"]
        page = customer_timeline(customer)
        assert [e.summary for e in page.entries] == ["Viewed Wool Scarf", "Viewed Merino Jumper"]
        product_views_flush()
        assert CustomerEvent.objects.filter(customer__isnull=True).count() == 1  # the other's

    def test_a_manager_signing_in_gets_no_customer(self, client, jumper, manager):
        client.get(jumper.get_absolute_url())

        client.post("/accounts/login/", {"login": "manager", "password": PASSWORD})

        assert not Customer.objects.filter(user=manager).exists()

    def test_views_after_sign_in_are_the_customers(self, client, jumper):
        user = factories.UserFactory(username="ann")
        client.post("/accounts/login/", {"login": "ann", "password": PASSWORD})

        client.get(jumper.get_absolute_url())
        product_views_flush()

        assert viewed(Customer.objects.get(user=user)) == ["merino-jumper"]

    def test_adopting_twice_joins_once(self, jumper):
        customer = factories.CustomerFactory()
        product_view_buffer(product=jumper.slug, name=jumper.name, visitor="v" * 22)

        assert product_views_adopt(visitor="v" * 22, customer=customer) == 1
        assert product_views_adopt(visitor="v" * 22, customer=customer) == 0
        assert product_views_adopt(visitor="", customer=customer) == 0


class TestJoinedAtCheckout:
    def test_a_guest_checkout_takes_the_visitors_views(self, jumper, store):
        stock_receive(location=store, lines=[StockLine(jumper.variants.get(), 5)])
        browser = Client()
        browser.get(jumper.get_absolute_url())
        browser.post("/api/cart/lines/", {"sku": "JMP-M", "quantity": 1}, "application/json")

        response = browser.post(
            "/api/checkout/",
            {
                "email": "guest@example.com",
                "fulfilment": "collect",
                "store": store.code,
                "payment": {"method": "pay_at_pickup"},
            },
            "application/json",
        )

        assert response.status_code == 201, response.content
        assert viewed(Customer.objects.get(email="guest@example.com")) == ["merino-jumper"]


@pytest.mark.redis
class TestRedisBuffer:
    @pytest.fixture
    def redis_cache(self):
        with override_settings(CACHES=redis_caches(REDIS_URL)):
            buffer = product_views_buffer()
            buffer.clear()
            yield buffer
            buffer.clear()

    def test_views_go_through_a_shared_redis_list(self, redis_cache, jumper, client):
        assert isinstance(redis_cache, RedisBuffer)
        customer = factories.CustomerFactory()
        product_view_buffer(product=jumper.slug, name=jumper.name, customer=customer)
        client.get(jumper.get_absolute_url())

        assert isinstance(product_views_buffer(), RedisBuffer)
        assert product_views_flush() == 2
        assert viewed(customer) == ["merino-jumper"]
        assert redis_cache.take(10) == []

    def test_taking_is_oldest_first_and_putting_back_keeps_the_order(self, redis_cache):
        for item in ("a", "b", "c"):
            redis_cache.push(item)

        taken = redis_cache.take(2)
        redis_cache.put_back(taken)

        assert taken == ["a", "b"]
        assert redis_cache.take(10) == ["a", "b", "c"]

    def test_redis_down_drops_the_view_without_failing(self, jumper):
        customer = factories.CustomerFactory()

        with override_settings(CACHES=redis_caches("redis://127.0.0.1:1/0")):
            product_view_buffer(product=jumper.slug, name=jumper.name, customer=customer)
            taken = product_views_buffer().take(10)

        assert taken == []


def test_the_buffer_is_this_processes_without_redis():
    assert isinstance(product_views_buffer(), LocalBuffer)
