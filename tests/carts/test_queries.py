"""The cart and checkout make a fixed number of queries, whatever the number of lines."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from carts.models import Cart
from inventory.models import Reservation
from tests import factories
from tests.carts.support import CART, CODES, add_line, checkout, collect_body, post_json, promotion
from tests.channels_app.support import receive


def measure(call):
    with CaptureQueriesContext(connection) as queries:
        response = call()
    return [query["sql"] for query in queries.captured_queries], response


@pytest.fixture
def variants(store, clothes, kitchen):
    """30 variants in two categories, 5 of each at the store."""
    made = [
        factories.VariantFactory(product__category=kitchen if n % 2 else clothes) for n in range(30)
    ]
    for variant in made:
        receive(store, variant, 5)
    return made


@pytest.fixture
def promotions(clothes, variants):
    """An automatic promotion by category, one by variant, and a code: each applies to the
    first line already, so one line and ten lines use the same promotions."""
    promotion(kind="percentage", value="10", categories=[clothes])
    promotion(kind="fixed", value="1.00", variants=variants[:3])
    promotion(kind="fixed", value="2.00", code="TWO")


def filled(variants, count: int, client=None) -> APIClient:
    client = client or APIClient()
    for variant in variants[:count]:
        assert add_line(client, variant.sku, 1).status_code == 201
    assert post_json(client, CODES, {"code": "TWO"}).status_code == 200
    return client


class TestCartQueries:
    def test_thirty_lines_cost_what_one_costs(self, promotions, variants):
        small_client, large_client = filled(variants, 1), filled(variants, 30)

        one, small = measure(lambda: small_client.get(CART))
        many, large = measure(lambda: large_client.get(CART))

        assert len(small.json()["lines"]) == 1
        assert len(large.json()["lines"]) == 30
        assert large.json()["discount"] != "0.00"
        assert len(many) == len(one), "\n".join(many)
        assert len(one) <= 10

    def test_signed_in_shopper_too(self, promotions, variants, django_assert_max_num_queries):
        def signed_in_cart(count):
            client = APIClient()
            client.force_login(factories.UserFactory())
            return filled(variants, count, client)

        small_client, large_client = signed_in_cart(1), signed_in_cart(30)
        one, _ = measure(lambda: small_client.get(CART))

        with django_assert_max_num_queries(len(one)):
            response = large_client.get(CART)

        assert len(response.json()["lines"]) == 30
        assert Cart.objects.filter(customer__isnull=False).count() == 2


class TestCheckoutQueries:
    @staticmethod
    def checkout_of(variants, count: int, measure_with=None):
        client = filled(variants, count)
        body = collect_body(email=f"lines{count}@example.com")
        if measure_with is None:
            queries, response = measure(lambda: checkout(client, body))
        else:
            with measure_with as captured:
                response = checkout(client, body)
            queries = [query["sql"] for query in captured.captured_queries]
        assert response.status_code == 201, response.content
        assert len(response.json()["lines"]) == count
        assert (
            Reservation.objects.filter(order_line__order__number=response.json()["number"]).count()
            == count
        )
        return queries

    def test_ten_lines_cost_what_two_cost(self, promotions, variants):
        # One line may cost less: on PostgreSQL its stock is held in one statement.
        one = self.checkout_of(variants, 1)
        two = self.checkout_of(variants, 2)
        ten = self.checkout_of(variants, 10)

        assert len(ten) == len(two), "\n".join(ten)
        assert len(one) <= len(two)

    def test_at_most_47_queries(self, promotions, variants, django_assert_max_num_queries):
        # Pay at pickup: the cap on unpaid holds locks the email's customer and counts its open
        # orders (2), the anonymous session remembers the order (3 with the savepoint), the
        # confirmation email's outbox row is written with the order (1), so is the order's
        # attribution (3: its touches read, the attribution and its path written), and the sale
        # enters the journal (4: its tenders read, its number taken, the entry and the chain's
        # head; 2 more here, the web shop's very first sale, which creates its chain), the
        # guest's language is kept for their emails (1) and a cart reminder it may recover is
        # looked up (1).
        self.checkout_of(variants, 10, measure_with=django_assert_max_num_queries(47))


def test_a_card_checkout_is_constant_too(promotions, variants):
    """Card checkouts take two short transactions around the gateway call (the stock lock
    is never held while the gateway answers): a few queries more, still constant."""

    def card_checkout(count: int) -> list[str]:
        client = filled(variants, count)
        body = collect_body(email=f"card{count}@example.com", method="card", token="tok_visa")
        queries, response = measure(lambda: checkout(client, body))
        assert response.status_code == 201, response.content
        return queries

    one, two, ten = card_checkout(1), card_checkout(2), card_checkout(10)
    assert len(ten) == len(two), "\n".join(ten)
    # 3 of them: the anonymous session remembers the order; 3 more: the order's attribution;
    # 4 the sales journal's entry; 2 the guest's language and a reminder it may recover.
    assert len(one) <= len(two) <= 48
