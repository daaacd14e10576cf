"""GET /api/reports/channels/: the contract's shape, the fixture's figures, who may read it."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from shop.marketing.models import ChannelDaily
from shop.marketing.rollups import reports_refresh
from tests import factories
from tests.shop.measure_support import place_fixture

URL = "/api/reports/channels/"


@pytest.fixture
def measured(store, warehouse):
    place_fixture(store=store, warehouse=warehouse)
    reports_refresh()


def today() -> str:
    return timezone.localdate().isoformat()


def test_rows_and_totals_under_each_model(api, manager, measured):
    api.force_authenticate(manager)
    totals = set()
    for model in ("last_touch", "first_touch", "linear"):
        response = api.get(URL, {"from": today(), "to": today(), "model": model})
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["currency"] == "EUR"
        assert set(body["rows"][0]) == {
            "channel", "source", "store", "orders", "revenue", "returns", "net",
        }  # fmt: skip
        totals.add(tuple(sorted(body["totals"].items())))
    assert totals == {(("net", "63.33"), ("orders", 2), ("returns", "20.00"), ("revenue", "83.33"))}


def test_last_touch_rows(api, manager, measured):
    api.force_authenticate(manager)
    rows = api.get(URL, {"from": today(), "to": today()}).json()["rows"]
    assert rows == [
        {"channel": "organic_search", "source": "google.com", "store": None, "orders": 1,
         "revenue": "33.33", "returns": "0.00", "net": "33.33"},
        {"channel": "pos", "source": "pos", "store": "st1", "orders": 1,
         "revenue": "50.00", "returns": "20.00", "net": "30.00"},
    ]  # fmt: skip


def test_a_period_without_sales_is_empty(api, manager, measured):
    api.force_authenticate(manager)
    last_year = (timezone.localdate() - timedelta(days=400)).isoformat()
    body = api.get(URL, {"from": last_year, "to": last_year}).json()
    assert body["rows"] == []
    assert body["totals"]["revenue"] == "0.00"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "yesterday"}, "from"),
        ({"to": "2026-13-01"}, "to"),
        ({"model": "time_decay"}, "model"),
        ({"from": "2026-02-01", "to": "2026-01-01"}, "from"),
    ],
)
def test_bad_parameters_are_a_400(api, manager, db, params, field):
    api.force_authenticate(manager)
    response = api.get(URL, params)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert field in error["details"]


def test_a_clerk_or_a_shopper_gets_403(api, clerk, db):
    api.force_authenticate(clerk)
    assert api.get(URL).status_code == 403
    api.force_authenticate(factories.UserFactory(username="ann"))
    assert api.get(URL).status_code == 403
    api.force_authenticate(None)
    assert api.get(URL).status_code in (401, 403)


def test_reading_costs_the_same_with_more_rows(
    api, manager, measured, django_assert_max_num_queries
):
    api.force_authenticate(manager)
    with django_assert_max_num_queries(6) as small:
        api.get(URL)
    for day in range(1, 20):  # many more rollup rows
        ChannelDaily.objects.create(
            day=timezone.localdate() - timedelta(days=day), model="last_touch",
            sales_channel="web", channel="email", source=f"s{day}", revenue=Decimal("1.00"),
            orders=1,
        )  # fmt: skip
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(api.get(URL).json()["rows"]) == 21
