"""A customer is found by email in any case, through the unique index on Lower(email): at
checkout and when a verified email joins a user to a guest's history."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from carts.checkout import CheckoutDetails, checkout_place
from inventory.services import StockLine, stock_receive
from shop.customers.models import Customer
from shop.customers.services import customer_get_or_create, customer_link_verified_email
from tests import factories
from tests.shop.order_support import ADDRESS, cart_with

pytestmark = pytest.mark.django_db


def test_the_same_email_in_another_case_is_the_same_customer():
    first = customer_get_or_create(email="Ann@Example.com", name="Ann")

    again = customer_get_or_create(email=" ann@EXAMPLE.com ")

    assert again.pk == first.pk
    assert Customer.objects.count() == 1
    assert list(Customer.objects.with_email("ANN@example.COM")) == [first]


def test_customers_without_an_email_never_match():
    Customer.objects.create(name="Walk-in", email="")

    assert not Customer.objects.with_email("").exists()


def test_a_verified_email_in_another_case_joins_the_guest():
    guest = customer_get_or_create(email="ann@example.com")
    user = factories.UserFactory(username="annie")

    linked = customer_link_verified_email(user=user, email="Ann@Example.COM")

    assert linked.pk == guest.pk
    assert Customer.objects.get(pk=guest.pk).user == user


def _many_customers(n: int = 3000) -> None:
    Customer.objects.bulk_create(
        Customer(email=f"shopper{i}@example.com", name=f"Shopper {i}") for i in range(n)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE customers_customer")


def _plan(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


def _customer_lookups(captured) -> list[str]:
    return [
        q["sql"]
        for q in captured
        if q["sql"].startswith("SELECT") and 'FROM "customers_customer"' in q["sql"]
    ]


@pytest.mark.postgres
def test_guest_checkout_finds_the_customer_through_the_email_index(warehouse):
    _many_customers()
    variant = factories.VariantFactory()
    stock_receive(location=warehouse, lines=[StockLine(variant, 2)])
    details = CheckoutDetails(
        email="Shopper1234@Example.com",
        fulfilment="delivery",
        payment_method="card",
        card_token="tok_visa",
        shipping_address=ADDRESS,
    )
    cart = cart_with([(variant, 1)])

    with CaptureQueriesContext(connection) as captured:
        order = checkout_place(cart=cart, details=details)

    assert order.customer.email == "shopper1234@example.com"
    lookups = _customer_lookups(captured)
    assert lookups
    for sql in lookups:
        plan = _plan(sql)
        assert "customer_unique_email" in plan, plan
        assert "Seq Scan on customers_customer" not in plan, plan


@pytest.mark.postgres
def test_linking_a_verified_email_finds_the_guest_through_the_email_index():
    _many_customers()
    user = factories.UserFactory(username="shopper")

    with transaction.atomic(), CaptureQueriesContext(connection) as captured:
        linked = customer_link_verified_email(user=user, email="SHOPPER42@example.com")
        lookup = _customer_lookups(captured)[0]
        plan = _plan(lookup)

    assert linked.email == "shopper42@example.com"
    assert "customer_unique_email" in plan, plan
    assert "Seq Scan on customers_customer" not in plan, plan
