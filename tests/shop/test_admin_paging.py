"""Counting admin lists of big tables: exactly when small or on SQLite, by PostgreSQL's estimate
when big, and never by reading the whole table."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shop import admin_paging
from shop.admin_paging import EstimatedCountPaginator
from shop.customers.models import Customer
from tests import factories
from tests.conftest import admin_client

pytestmark = pytest.mark.django_db


def counted(queryset) -> tuple[EstimatedCountPaginator, int, list[str]]:
    paginator = EstimatedCountPaginator(queryset, 10)
    with CaptureQueriesContext(connection) as captured:
        count = paginator.count
    return paginator, count, [q["sql"] for q in captured]


def test_a_small_list_is_counted_exactly():
    factories.CustomerFactory.create_batch(12)
    factories.CustomerFactory(name="Ada")

    everyone = counted(Customer.objects.all())
    adas = counted(Customer.objects.filter(name="Ada"))

    assert (everyone[1], everyone[0].count_is_estimate) == (13, False)
    assert (adas[1], adas[0].count_is_estimate) == (1, False)


@pytest.mark.postgres
class TestOnPostgres:
    @pytest.fixture(autouse=True)
    def big_from_six(self, monkeypatch):
        monkeypatch.setattr(admin_paging, "EXACT_UP_TO", 5)
        factories.CustomerFactory.create_batch(9, name="Bea")
        factories.CustomerFactory.create_batch(3, name="Ada")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE customers_customer")
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'customers_customer'")
            self.reltuples = int(cursor.fetchone()[0])

    def test_an_unfiltered_list_takes_the_planner_estimate(self):
        paginator, count, sql = counted(Customer.objects.all())

        assert count == self.reltuples == 12
        assert paginator.count_is_estimate
        assert [s for s in sql if "COUNT(" in s and "LIMIT 6" in s]
        assert [s for s in sql if s.startswith("EXPLAIN")]

    def test_it_takes_two_queries_at_any_size(self):
        sizes = [
            len(counted(queryset)[2])
            for queryset in (
                Customer.objects.all(),
                Customer.objects.filter(name="Ada"),
                Customer.objects.filter(name="Bea"),
                Customer.objects.filter(name="Nobody"),
            )
        ]

        assert sizes == [2, 2, 2, 2]

    def test_a_filtered_list_is_counted_exactly_up_to_the_limit(self):
        paginator, count, sql = counted(Customer.objects.filter(name="Ada"))

        assert (count, paginator.count_is_estimate) == (3, False)
        assert all("LIMIT 6" in s for s in sql if "COUNT(" in s)

    def test_beyond_the_limit_the_planner_estimates(self):
        paginator, count, sql = counted(Customer.objects.filter(name="Bea"))

        assert paginator.count_is_estimate
        assert count >= 6
        assert [s for s in sql if s.startswith("EXPLAIN")]
        assert all("LIMIT 6" in s for s in sql if "COUNT(" in s)

    def test_the_admin_list_uses_it(self, manager):
        response = admin_client(manager).get("/admin/customers/customer/")

        assert response.context["cl"].paginator.count_is_estimate
        assert response.context["cl"].result_count == 12


@pytest.mark.postgres
def test_a_filter_that_matches_nothing_counts_zero():
    factories.CustomerFactory()

    paginator, count, sql = counted(Customer.objects.filter(pk__in=[]))

    assert (count, paginator.count_is_estimate) == (0, False)
