"""A guest checkout (not signed in) with the email of a customer who has an account does not
join that customer: the guest has not proved the email. The order keeps the email and joins
no one's history (one customer per email: there is no second record to give it). A guest
email without an account still makes the guest customer that a verified account takes over."""

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from rest_framework.test import APIClient

from carts.checkout import CheckoutDetails, checkout_place
from carts.services import cart_anonymous_new, cart_line_add
from shop.customers.models import Customer, CustomerEvent
from shop.customers.services import customer_for_user, customer_link_verified_email
from shop.orders.models import Order
from tests import factories
from tests.carts.support import ORDERS, add_line, checkout, collect_body, delivery_body
from tests.channels_app.support import receive


@pytest.fixture
def shelf(store, warehouse, tee):
    receive(store, tee, 10)
    receive(warehouse, tee, 10)


@pytest.fixture
def ann_account(db):
    """Ann signed up and verified ann@example.com: her customer holds that email."""
    user = factories.UserFactory(username="annie", email="ann@example.com")
    EmailAddress.objects.create(user=user, email="ann@example.com", verified=True, primary=True)
    customer = customer_for_user(user)
    assert customer.email == "ann@example.com"
    return user, customer


def guest_checkout(body: dict) -> Order:
    client = APIClient()
    add_line(client, "TEE-M", 1)
    response = checkout(client, body)
    assert response.status_code == 201, response.content
    return Order.objects.get(number=response.json()["number"])


def signed_in(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


@pytest.mark.usefixtures("shelf")
class TestEmailOfAnAccount:
    @pytest.mark.parametrize(
        "body",
        [collect_body(email="ANN@example.com"), delivery_body(email="Ann@Example.com")],
        ids=["collect", "delivery"],
    )
    def test_the_order_keeps_the_email_but_not_the_customer(self, ann_account, body):
        user, customer = ann_account

        order = guest_checkout(body)

        assert order.customer_id is None
        assert order.email == body["email"]
        assert order.status == Order.Status.PLACED
        assert not customer.orders.exists()
        assert not CustomerEvent.objects.filter(customer=customer).exists()
        assert Customer.objects.filter(email__iexact="ann@example.com").count() == 1

    def test_the_account_does_not_see_it(self, ann_account):
        user, _ = ann_account
        order = guest_checkout(collect_body())

        client = signed_in(user)

        assert client.get(ORDERS).json()["results"] == []
        assert client.get(f"{ORDERS}{order.number}/").status_code == 404

    def test_the_confirmation_still_goes_to_the_email(
        self, ann_account, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            order = guest_checkout(collect_body())

        assert [(m.to, m.subject) for m in mail.outbox] == [
            (["ann@example.com"], f"Your order {order.number}")
        ]

    def test_a_later_verification_by_the_account_does_not_take_it(self, ann_account):
        user, customer = ann_account
        order = guest_checkout(collect_body())

        customer_link_verified_email(user=user, email="ann@example.com")

        order.refresh_from_db()
        assert order.customer_id is None

    def test_signed_in_the_account_orders_as_itself(self, ann_account):
        user, customer = ann_account
        client = signed_in(user)
        add_line(client, "TEE-M", 1)

        response = checkout(client, collect_body())

        assert response.status_code == 201, response.content
        order = Order.objects.get(number=response.json()["number"])
        assert order.customer_id == customer.pk
        assert [o["number"] for o in client.get(ORDERS).json()["results"]] == [order.number]

    def test_a_clerk_ordering_for_the_customer_at_the_till_joins_them(
        self, ann_account, store, clerk
    ):
        """At the endless aisle the customer stands at the counter: the clerk vouches."""
        _, customer = ann_account
        cart = cart_anonymous_new()
        cart_line_add(cart=cart, sku="TEE-M", quantity=1, channel="pos")
        details = CheckoutDetails(
            email="ann@example.com",
            fulfilment=Order.Fulfilment.COLLECT,
            payment_method="pay_at_pickup",
            store=store,
        )

        order = checkout_place(cart=cart, details=details, channel="pos", staff_user=clerk)

        assert order.customer_id == customer.pk


@pytest.mark.usefixtures("shelf")
class TestEmailWithoutAnAccount:
    def test_a_guest_customer_holds_the_order_and_its_events(self):
        order = guest_checkout(collect_body(email="new@example.com"))

        assert order.customer is not None
        assert (order.customer.email, order.customer.user_id) == ("new@example.com", None)
        assert set(order.customer.events.values_list("kind", flat=True)) == {
            "checkout_started",
            "order_placed",
        }

    def test_the_account_that_verifies_the_email_takes_the_guest_orders(self):
        first = guest_checkout(collect_body(email="new@example.com"))
        second = guest_checkout(collect_body(email="NEW@example.com"))
        assert first.customer_id == second.customer_id
        user = factories.UserFactory(username="newbie", email="new@example.com")

        linked = customer_link_verified_email(user=user, email="new@example.com")

        assert linked.pk == first.customer_id
        numbers = {o["number"] for o in signed_in(user).get(ORDERS).json()["results"]}
        assert numbers == {first.number, second.number}

    def test_once_the_account_exists_the_next_guest_order_stays_apart(self):
        first = guest_checkout(collect_body(email="new@example.com"))
        user = factories.UserFactory(username="newbie", email="new@example.com")
        customer_link_verified_email(user=user, email="new@example.com")

        later = guest_checkout(collect_body(email="new@example.com"))

        assert later.customer_id is None
        numbers = {o["number"] for o in signed_in(user).get(ORDERS).json()["results"]}
        assert numbers == {first.number}
