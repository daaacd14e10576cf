"""The shopper's account: order history of every channel, and the allauth pages in the shop's
layout."""

from decimal import Decimal

import pytest
from django.core import mail

from carts.models import CartLine
from shop.customers.services import customer_for_user
from shop.orders.models import Order
from tests import factories

HISTORY = "/account/orders/"
PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's password


@pytest.fixture
def customer(shopper):
    return customer_for_user(shopper)


class TestOrderHistory:
    def test_needs_sign_in(self, client, db):
        response = client.get(HISTORY)

        assert response.status_code == 302
        assert response["Location"] == f"/accounts/login/?next={HISTORY}"

    def test_shows_web_and_store_purchases(self, client, shopper, customer, store):
        web = factories.OrderFactory(
            channel="web", customer=customer, store=store, total=Decimal("39.80")
        )
        factories.OrderLineFactory(order=web, name="Crew Tee", quantity=2)
        pos = factories.OrderFactory(
            channel="pos",
            customer=customer,
            store=store,
            fulfilment=Order.Fulfilment.IN_STORE,
            status=Order.Status.COMPLETED,
            total=Decimal("12.00"),
        )
        factories.OrderLineFactory(order=pos, name="Canvas Cap")
        client.force_login(shopper)

        response = client.get(HISTORY)

        assert response.status_code == 200
        html = response.content.decode()
        assert web.number in html
        assert pos.number in html
        assert "In store at Store One" in html
        assert "1 × Canvas Cap" in html
        assert "2 × Crew Tee" in html
        assert "€12.00" in html
        assert "€39.80" in html

    def test_hides_other_customers_and_unplaced_orders(self, client, shopper, customer):
        someone = factories.OrderFactory(customer=factories.CustomerFactory())
        unpaid = factories.OrderFactory(customer=customer, status=Order.Status.PAYMENT_FAILED)
        mine = factories.OrderFactory(customer=customer)
        client.force_login(shopper)

        html = client.get(HISTORY).content.decode()

        assert mine.number in html
        assert someone.number not in html
        assert unpaid.number not in html

    def test_a_manager_sees_only_their_own_orders_here(self, client, manager):
        factories.OrderFactory(customer=factories.CustomerFactory(), number="OS-OTHER1")
        client.force_login(manager)

        html = client.get(HISTORY).content.decode()

        assert "OS-OTHER1" not in html
        assert "No orders yet" in html

    def test_store_purchase_detail_is_visible_to_its_customer(
        self, client, shopper, customer, store
    ):
        pos = factories.OrderFactory(
            channel="pos", customer=customer, store=store, fulfilment=Order.Fulfilment.IN_STORE
        )
        factories.OrderLineFactory(order=pos, name="Canvas Cap")
        client.force_login(shopper)

        response = client.get(f"/orders/{pos.number}/")

        assert response.status_code == 200
        assert "Bought in store" in response.content.decode()
        assert "Canvas Cap" in response.content.decode()

    def test_same_queries_for_1_and_10_orders(
        self, client, shopper, customer, store, django_assert_num_queries
    ):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client.force_login(shopper)
        factories.OrderLineFactory(order=factories.OrderFactory(customer=customer, store=store))
        with CaptureQueriesContext(connection) as one:
            client.get(HISTORY)
        for _ in range(9):
            order = factories.OrderFactory(customer=customer, store=store)
            factories.OrderLineFactory.create_batch(2, order=order)

        with django_assert_num_queries(len(one)):
            html = client.get(HISTORY).content.decode()
        assert html.count('class="card order-row"') == 10


class TestAllauthPages:
    @pytest.mark.parametrize(
        ("url", "heading"),
        [
            ("/accounts/login/", "<h1>Sign in</h1>"),
            ("/accounts/signup/", "<h1>Create an account</h1>"),
            ("/accounts/password/reset/", "<h1>Reset your password</h1>"),
        ],
    )
    def test_in_the_shop_layout(self, client, db, url, heading):
        response = client.get(url)

        assert response.status_code == 200
        html = response.content.decode()
        assert heading in html
        assert 'class="site-header"' in html
        assert "/static/css/shop.css" in html
        assert "auth-page" in html
        assert "csrfmiddlewaretoken" in html

    def test_logout_page(self, client, shopper):
        client.force_login(shopper)

        response = client.get("/accounts/logout/")

        assert "<h1>Sign out</h1>" in response.content.decode()
        client.post("/accounts/logout/")
        assert "_auth_user_id" not in client.session

    def test_sign_in_keeps_the_anonymous_cart(self, client, shopper):
        factories.VariantFactory(sku="TEE-M", product__name="Crew Tee")
        client.post("/cart/add/", {"sku": "TEE-M", "quantity": "2"})

        response = client.post(
            "/accounts/login/", {"login": "shopper", "password": PASSWORD}, follow=True
        )

        assert response.status_code == 200
        line = CartLine.objects.get()
        assert line.cart.customer.user == shopper
        assert "Crew Tee" in client.get("/cart/").content.decode()

    def test_wrong_password_is_shown_on_the_form(self, client, shopper):
        response = client.post("/accounts/login/", {"login": "shopper", "password": "nope"})

        assert response.status_code == 200
        assert "alert-error" in response.content.decode()

    def test_sign_up(self, client, db):
        response = client.post(
            "/accounts/signup/",
            {"email": "new@example.com", "password1": PASSWORD, "password2": PASSWORD},
        )

        assert response.status_code == 302
        assert "_auth_user_id" in client.session

    def test_password_reset_sends_a_mail(self, client, shopper):
        response = client.post("/accounts/password/reset/", {"email": shopper.email}, follow=True)

        assert "<h1>Check your email</h1>" in response.content.decode()
        assert len(mail.outbox) == 1
