"""Touches from storefront requests, and each order's touches fixed at placement."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from channels_app.visitor import VISITOR_COOKIE
from shop.customers.services import customer_get_or_create, customer_merge
from shop.marketing.models import OrderAttribution, Touch
from shop.marketing.touches import touch_from_request
from tests import factories
from tests.channels_app.support import receive
from tests.shop.measure_support import NEWSLETTER, WINDOW_QR, place_fixture, web_checkout
from tests.shop.order_support import till_sale

Group = Touch.Group


def capture(query: str = "", referrer: str = "") -> tuple | None:
    from django.http import QueryDict

    info = touch_from_request(
        params=QueryDict(query), referrer=referrer, own_host="shop.example", path="/"
    )
    return None if info is None else (info.channel, info.source, info.medium, info.campaign)


class TestCapture:
    @pytest.mark.parametrize(
        ("query", "referrer", "expected"),
        [
            ("utm_source=newsletter&utm_medium=email&utm_campaign=spring", "",
             (Group.EMAIL, "newsletter", "email", "spring")),
            ("utm_source=google&utm_medium=cpc&utm_campaign=lamps", "",
             (Group.PAID_SEARCH, "google", "cpc", "lamps")),
            ("utm_source=instagram&utm_medium=story", "",
             (Group.SOCIAL, "instagram", "story", "")),
            ("utm_source=window&utm_medium=qr&utm_campaign=st1", "",
             (Group.QR, "window", "qr", "st1")),
            ("utm_campaign=sale", "https://blog.example.org/post",
             (Group.REFERRAL, "blog.example.org", "", "sale")),
            ("gclid=abc123", "https://www.google.com/", (Group.PAID_SEARCH, "google", "cpc", "")),
            ("fbclid=xyz", "", (Group.SOCIAL, "facebook", "social", "")),
            ("", "https://www.google.fr/search?q=x",
             (Group.ORGANIC_SEARCH, "google.fr", "organic", "")),
            ("", "https://duckduckgo.com/",
             (Group.ORGANIC_SEARCH, "duckduckgo.com", "organic", "")),
            ("", "https://l.facebook.com/", (Group.SOCIAL, "l.facebook.com", "social", "")),
            ("", "https://www.lemonde.fr/article", (Group.REFERRAL, "lemonde.fr", "referral", "")),
        ],
    )  # fmt: skip
    def test_groups(self, query, referrer, expected):
        assert capture(query, referrer) == expected

    @pytest.mark.parametrize(
        ("query", "referrer"),
        [("", ""), ("q=lamp&page=2", ""), ("", "https://shop.example/p/lamp/")],
    )
    def test_nothing_to_record(self, query, referrer):
        assert capture(query, referrer) is None

    def test_a_landing_records_one_touch_and_gives_a_visitor(self, db):
        browser = Client()
        response = browser.get(NEWSLETTER)
        assert response.status_code == 200
        visitor = response.cookies[VISITOR_COOKIE].value
        [touch] = Touch.objects.all()
        assert (touch.channel, touch.source, touch.campaign) == (
            Group.EMAIL,
            "newsletter",
            "spring",
        )
        assert touch.visitor == visitor
        assert touch.customer is None

    def test_a_store_qr_code_names_its_store(self, store):
        Client().get(WINDOW_QR)
        [touch] = Touch.objects.all()
        assert (touch.channel, touch.store) == (Group.QR, store)

    def test_a_page_with_nothing_to_record_makes_no_query_for_it(self, db):
        browser = Client()
        browser.get(NEWSLETTER)  # the visitor now has a cookie
        browser.get("/search/?q=lamp")  # and the search's results are cached
        with CaptureQueriesContext(connection) as plain:
            browser.get("/search/?q=lamp")
        with CaptureQueriesContext(connection) as landing:
            browser.get("/search/?q=lamp&utm_source=newsletter&utm_medium=email")
        assert Touch.objects.count() == 2
        assert len(landing.captured_queries) == len(plain.captured_queries) + 1
        assert not any("marketing_touch" in q["sql"] for q in plain.captured_queries)

    def test_staff_pages_and_the_api_record_nothing(self, db):
        browser = Client()
        browser.get("/pos/?utm_source=x&utm_medium=email")
        browser.get("/api/locations/?utm_source=x", headers={"referer": "https://google.com/"})
        assert not Touch.objects.exists()

    def test_the_visitors_touches_join_the_customer_at_sign_in(self, db):
        user = factories.UserFactory(username="ann", email="ann@example.com")
        browser = Client()
        browser.get(NEWSLETTER)
        response = browser.post(
            "/accounts/login/", {"login": "ann", "password": "correct-horse-battery"}
        )
        assert response.status_code == 302
        [touch] = Touch.objects.all()
        assert touch.customer is not None
        assert touch.customer.user == user


class TestOrderTouches:
    def test_a_web_order_keeps_first_last_and_path(self, store, warehouse):
        measured = place_fixture(store=store, warehouse=warehouse)
        online = OrderAttribution.objects.get(order=measured.online)
        assert (online.first_touch.channel, online.first_touch.source) == (
            Group.EMAIL,
            "newsletter",
        )
        assert (online.last_touch.channel, online.last_touch.source) == (
            Group.ORGANIC_SEARCH,
            "google.com",
        )
        assert online.last_non_direct_touch == online.last_touch
        assert [t.touch.channel for t in online.path.order_by("position")] == [
            Group.EMAIL,
            Group.ORGANIC_SEARCH,
        ]
        # The visitor's touches became the customer's when the order was placed.
        assert online.first_touch.customer == measured.online.customer

    def test_a_till_sale_is_a_touch_of_its_own_channel_at_its_store(self, store, warehouse):
        measured = place_fixture(store=store, warehouse=warehouse)
        till = OrderAttribution.objects.get(order=measured.till)
        assert (till.first_touch.channel, till.first_touch.store) == (Group.QR, store)
        assert (till.last_touch.channel, till.last_touch.store) == ("pos", store)
        assert till.touch_count == 2

    def test_any_channel_is_its_own_touch(self, store):
        for channel in ("kiosk", "marketplace"):
            order = factories.OrderFactory(channel=channel, store=store, total=Decimal("5.00"))
            attribution = OrderAttribution.objects.get(order=order)
            assert attribution.last_touch.channel == channel
            assert attribution.last_touch.store == store

    def test_a_web_order_with_no_touch_is_direct(self, warehouse):
        receive(warehouse, factories.VariantFactory(sku="LAMP"), 2)
        order = web_checkout(Client(), sku="LAMP", email="new@example.com")
        attribution = OrderAttribution.objects.get(order=order)
        assert attribution.first_touch == attribution.last_touch
        assert attribution.last_touch.channel == Group.DIRECT

    def test_last_non_direct_skips_a_direct_visit(self, db):
        customer = customer_get_or_create(email="ann@example.com")
        now = timezone.now()
        Touch.objects.create(channel=Group.EMAIL, source="newsletter", customer=customer, at=now)
        Touch.objects.create(channel=Group.DIRECT, source="(direct)", customer=customer, at=now)
        order = factories.OrderFactory(customer=customer, total=Decimal("9.00"))
        attribution = OrderAttribution.objects.get(order=order)
        assert attribution.last_touch.channel == Group.DIRECT
        assert attribution.last_non_direct_touch.channel == Group.EMAIL

    def test_touches_older_than_the_lookback_do_not_count(self, db, settings):
        settings.ATTRIBUTION_LOOKBACK_DAYS = 30
        customer = customer_get_or_create(email="ann@example.com")
        old = timezone.now() - timedelta(days=31)
        Touch.objects.create(channel=Group.EMAIL, source="old", customer=customer, at=old)
        order = factories.OrderFactory(customer=customer, total=Decimal("9.00"))
        assert OrderAttribution.objects.get(order=order).first_touch.channel == Group.DIRECT

    def test_attribution_is_not_rewritten_by_later_touches(self, store, warehouse):
        measured = place_fixture(store=store, warehouse=warehouse)
        before = OrderAttribution.objects.get(order=measured.online).last_touch_id
        Touch.objects.create(
            channel=Group.SOCIAL, source="later", customer=measured.online.customer,
            at=timezone.now(),
        )  # fmt: skip
        measured.online.save()  # an order saved again is not attributed again
        assert OrderAttribution.objects.get(order=measured.online).last_touch_id == before

    def test_the_browser_of_a_till_clerk_is_not_the_buyers(self, store, variant):
        receive(store, variant, 3)
        clerk = factories.clerk(store=store)
        browser = Client()
        browser.get(NEWSLETTER)
        # Even with a visitor in context, a till sale without a customer is only a pos touch.
        from shop.marketing.context import visitor_context

        with visitor_context(browser.cookies[VISITOR_COOKIE].value):
            order = till_sale(store, clerk, [(variant, 1)])
        attribution = OrderAttribution.objects.get(order=order)
        assert attribution.touch_count == 1
        assert attribution.first_touch.channel == "pos"

    def test_merged_customers_keep_their_touches(self, db):
        into = customer_get_or_create(email="a@example.com")
        source = customer_get_or_create(email="b@example.com")
        Touch.objects.create(channel=Group.EMAIL, source="n", customer=source, at=timezone.now())
        customer_merge(source=source, target=into)
        assert Touch.objects.get().customer == into


def test_a_handoff_qr_scan_at_the_till_is_a_touch_of_the_store(api, store, clerk):
    from carts.services import cart_for_customer

    customer = customer_get_or_create(email="ann@example.com")
    cart = cart_for_customer(customer=customer)
    api.force_authenticate(clerk)
    assert api.get(f"/api/pos/carts/{cart.handoff_code}/").status_code == 200
    [touch] = Touch.objects.all()
    assert (touch.channel, touch.source, touch.store, touch.customer) == (
        "pos",
        "handoff_qr",
        store,
        customer,
    )
