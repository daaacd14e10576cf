"""GET /api/recommendations/, the suggestion panels of the pages, and the reminders' admin."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from carts.services import cart_for_customer, cart_line_add
from shop.customers.services import customer_event_record, customer_for_user
from shop.marketing.models import CartReminder
from shop.marketing.recommendations import recommendations_build
from tests import factories
from tests.conftest import admin_client, auth
from tests.marketing.support import buy

pytestmark = pytest.mark.django_db
URL = "/api/recommendations/"


def test_a_product_by_sku_or_slug(api, planted):
    recommendations_build()
    by_sku = api.get(URL, {"product": "SKU-A", "limit": 2}).json()
    assert by_sku[0] == {"product": "C", "slug": "p-c", "score": 1.0, "reason": "bought_together"}
    assert len(by_sku) == 2
    assert api.get(URL, {"product": "p-a", "limit": 2}).json() == by_sku


def test_a_signed_in_shopper_gets_their_own(api, planted):
    user = factories.UserFactory(username="me", email="me@example.com")
    buy(customer_for_user(user), planted["A"], channel="pos")
    recommendations_build()
    slugs = [r["slug"] for r in auth(api, user).get(URL).json()]
    assert slugs[0] == "p-c"
    assert "p-a" not in slugs


def test_only_staff_name_a_customer(api, planted, clerk):
    other = factories.CustomerFactory()
    buy(other, planted["A"])
    recommendations_build()
    shopper = factories.UserFactory(username="me")
    response = auth(api, shopper).get(URL, {"customer": other.pk})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    found = auth(api, clerk).get(URL, {"customer": other.pk}).json()
    assert "p-a" not in [r["slug"] for r in found]


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"product": "NOPE"}, 404, "not_found"),
        ({"limit": "0"}, 400, "invalid"),
        ({"limit": "x"}, 400, "invalid"),
    ],
)
def test_bad_input(api, planted, params, status, code):
    response = api.get(URL, params)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code


def test_the_product_page_panel_is_fetched_and_cached(client, planted, django_assert_num_queries):
    recommendations_build()
    page = client.get("/p/p-a/").content.decode()
    assert 'data-recommendations="/recommendations/panel/?product=p-a"' in page
    html = client.get("/recommendations/panel/?product=p-a").content.decode()
    assert "Bought together" in html
    assert 'href="/p/p-c/"' in html
    with django_assert_num_queries(1):  # the product; the list comes from the cache
        client.get("/recommendations/panel/?product=p-a")


def test_the_account_page_suggests_from_the_whole_history(client, planted):
    user = factories.UserFactory(username="me", email="me@example.com")
    buy(customer_for_user(user), planted["A"], channel="pos")
    recommendations_build()
    client.force_login(user)
    html = client.get("/account/orders/").content.decode()
    assert "Recommended for you" in html
    assert 'href="/p/p-c/"' in html


@pytest.mark.parametrize("rows", [3, 15])
def test_the_reminders_admin_shows_sent_skipped_and_recovered(
    rows, manager, tee_cart_factory, django_assert_max_num_queries
):
    for n in range(rows):
        tee_cart_factory(n)
    client = admin_client(manager)
    with django_assert_max_num_queries(20):
        html = client.get("/admin/marketing/cartreminder/").content.decode()
    sent = rows - rows // 3
    assert f"<strong>{sent}</strong> sent" in html
    assert f"No consent to marketing email: <strong>{rows // 3}</strong>" in html
    assert "<strong>1</strong> recovered an order" in html


@pytest.fixture
def tee_cart_factory(db):
    variant = factories.VariantFactory()
    now = timezone.now()
    order = factories.OrderFactory()

    def make(n: int) -> CartReminder:
        cart = cart_for_customer(customer=factories.CustomerFactory())
        cart_line_add(cart=cart, sku=variant.sku, quantity=1, channel="web")
        skipped = n % 3 == 2
        return CartReminder.objects.create(
            cart=cart,
            cart_started_at=now - timedelta(hours=2),
            cart_touched_at=now - timedelta(hours=2),
            email=f"c{n}@example.com",
            status="skipped" if skipped else "sent",
            skip_reason="no_consent" if skipped else "",
            created_at=now,
            sent_at=None if skipped else now,
            recovered_order=order if n == 0 else None,
        )

    return make


def test_the_tills_customer_panel_suggests_to_the_clerk(client, clerk, planted):
    customer = factories.CustomerFactory()
    buy(customer, planted["A"], channel="pos")
    customer_event_record(
        customer=customer, kind="product_viewed", channel="web", payload={"product": "p-b"}
    )
    recommendations_build()
    client.force_login(clerk)
    url = f"/pos/customers/{customer.pk}/"
    client.get(url)
    with CaptureQueriesContext(connection) as short:
        html = client.get(url).content.decode()
    suggest = html[html.index('id="suggestions"') :]
    assert "<li>C" in suggest
    assert "<li>A" not in suggest
    for variant in factories.VariantFactory.create_batch(6):  # a longer history
        buy(customer, variant)
        customer_event_record(
            customer=customer,
            kind="product_viewed",
            channel="web",
            payload={"product": variant.product.slug},
        )
    with CaptureQueriesContext(connection) as long:
        client.get(url)
    assert len(long) == len(short)


def test_the_cart_panel_leaves_out_what_is_in_the_cart(client, planted):
    recommendations_build()
    client.post("/cart/add/", {"sku": "SKU-C", "quantity": "1"})
    client.post("/cart/add/", {"sku": "SKU-A", "quantity": "1"})
    page = client.get("/cart/").content.decode()
    assert "/recommendations/panel/?product=p-a&amp;in=cart" in page
    html = client.get("/recommendations/panel/?product=p-a&in=cart").content.decode()
    assert "You may also like" in html
    assert 'href="/p/p-c/"' not in html  # already in the cart
    assert 'href="/p/p-e/"' in html
