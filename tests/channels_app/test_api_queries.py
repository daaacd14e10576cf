"""A page or call that handles N things makes a fixed number of queries."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inventory import services
from tests import factories


def count_queries(call) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as queries:
        result = call()
    return len(queries), result


class TestAvailabilityQueries:
    @pytest.fixture
    def skus(self, warehouse, store, other_store):
        """50 variants, each with stock (and a reservation) at three locations."""
        variants = factories.VariantFactory.create_batch(50)
        for location, quantity in ((warehouse, 10), (store, 5), (other_store, 3)):
            services.stock_receive(
                location=location,
                lines=[services.StockLine(variant, quantity) for variant in variants],
            )
        line = factories.OrderLineFactory(variant=variants[0], quantity=2)
        services.stock_reserve(
            requests=[services.ReservationRequest(line, store, 2)], expires_at=None
        )
        return [variant.sku for variant in variants]

    def test_fifty_skus_cost_what_one_costs(self, api, skus, django_assert_num_queries):
        one, response = count_queries(lambda: api.get("/api/availability/", {"sku": skus[:1]}))
        assert response.status_code == 200
        assert response.json()[0]["locations"] == [
            {"code": "st1", "available": 3},
            {"code": "st2", "available": 3},
            {"code": "wh", "available": 10},
        ]
        assert one <= 3  # variants, locations, stock rows

        with django_assert_num_queries(one):
            response = api.get("/api/availability/", {"sku": skus})

        assert response.status_code == 200
        data = response.json()
        assert [entry["sku"] for entry in data] == skus
        assert {entry["online"] for entry in data} == {10}
        assert all(len(entry["locations"]) == 3 for entry in data)


class TestProductListQueries:
    @staticmethod
    def make_products(count: int) -> None:
        category = factories.CategoryFactory(slug="things")
        for n in range(count):
            product = factories.ProductFactory(name=f"Thing {n:02d}", category=category)
            for size in ("S", "M", "L"):
                factories.VariantFactory(product=product, name=size, price=Decimal("5.00"))

    def test_full_page_costs_what_a_small_page_costs(self, api, db, django_assert_num_queries):
        self.make_products(2)
        small, response = count_queries(lambda: api.get("/api/products/"))
        assert response.status_code == 200
        assert len(response.json()["results"]) == 2
        assert small <= 4  # count, products with their category, variants, images

        self.make_products(18)
        with django_assert_num_queries(small):
            response = api.get("/api/products/")

        body = response.json()
        assert body["count"] == 20
        assert len(body["results"]) == 20
        assert all(len(product["variants"]) == 3 for product in body["results"])
        assert all(product["category"] == "things" for product in body["results"])

    def test_search_and_category_filters_stay_constant(
        self, api, db, django_assert_max_num_queries
    ):
        self.make_products(25)

        with django_assert_max_num_queries(4):  # count, products, variants, images
            response = api.get("/api/products/", {"q": "thing", "category": "things"})

        assert response.json()["count"] == 25
        assert len(response.json()["results"]) == 20
