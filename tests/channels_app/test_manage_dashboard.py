"""/manage/: the dashboard's tables and CSV exports, who may see them, what they cost."""

import csv
import io
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from shop.channels import Channel
from shop.marketing.models import ChannelDaily, Touch
from shop.marketing.reports import channel_label
from shop.marketing.rollups import reports_refresh
from tests import factories
from tests.channels_app.support import receive
from tests.marketing.support import bulk_reminders
from tests.shop.measure_support import bulk_orders, place_fixture

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def boss(manager):
    return signed_in(factories.with_totp(manager))


@pytest.fixture
def measured(store, warehouse):
    place_fixture(store=store, warehouse=warehouse)
    reports_refresh()


def csv_rows(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode())))


def period(model: str = "first_touch") -> dict:
    today = timezone.localdate().isoformat()
    return {"from": today, "to": today, "model": model}


def test_the_dashboard_shows_every_chart_and_table(boss, measured):
    response = boss.get("/manage/", period())
    assert response.status_code == 200
    page = response.content.decode()
    for canvas in ("chart-daily", "chart-channel-store", "chart-campaigns", "chart-stock-value"):
        assert f'id="{canvas}"' in page
    for name in ("channels", "daily", "channel-store", "campaigns", "stock-value", "low-stock"):
        assert f"/manage/export/{name}.csv?" in page
    assert "vendor/chart.js/chart.umd.min.js" in page
    assert "€33.33" in page  # the newsletter's first-touch revenue
    assert "spring" in page


def test_the_csv_has_the_tables_figures(boss, measured):
    rows = csv_rows(boss.get("/manage/export/channels.csv", period("linear")))
    assert rows[0] == ["Channel", "Source", "Store", "Orders", "Revenue", "Returns", "Net"]
    assert sorted(rows[1:]) == sorted(
        [
            ["Email", "newsletter", "web (no store)", "1", "16.67", "0.00", "16.67"],
            ["Organic search", "google.com", "web (no store)", "1", "16.66", "0.00", "16.66"],
            ["Store QR code", "window", "st1", "1", "25.00", "10.00", "15.00"],
            ["Point of sale", "pos", "st1", "1", "25.00", "10.00", "15.00"],
        ]
    )


def test_channels_read_by_their_names(boss, measured):
    page = boss.get("/manage/", period("last_touch")).content.decode()
    for name in ("Organic search", "Point of sale", "Web storefront"):
        assert f'<th scope="row">{name}</th>' in page or f">{name}</td>" in page, name
    assert '<th scope="col" class="num">Organic search</th>' in page  # a column per day
    assert ">organic_search<" not in page
    for code in ("pos", "web"):  # the first column of a row is its channel ("pos" is a source)
        assert f'<th scope="row">{code}</th>' not in page, code
    assert '"channel": "Organic search"' in page  # what the charts draw
    rows = csv_rows(boss.get("/manage/export/sales-channels.csv", period()))
    assert sorted(row[0] for row in rows[1:]) == ["Point of sale", "Web storefront"]


def test_every_channel_code_has_the_name_its_choices_give_it():
    for code, label in [*Channel.choices, *Touch.Group.choices]:
        assert channel_label(code) == label
    assert channel_label("organic_search") == "Organic search"
    assert channel_label("pos") == "Point of sale"
    assert channel_label("new_channel") == "new_channel"  # unknown: shown as it is


def test_every_table_downloads(boss, measured):
    for name in (
        "channels", "daily", "channel-store", "campaigns", "sales-channels", "collect",
        "reminders", "stock-value", "low-stock", "accuracy", "variances",
    ):  # fmt: skip
        response = boss.get(f"/manage/export/{name}.csv", period())
        assert response.status_code == 200, name
        assert f'filename="{name}-' in response["Content-Disposition"]
        assert len(csv_rows(response)) >= (
            1 if name in ("low-stock", "reminders", "variances") else 2
        ), name
    assert boss.get("/manage/export/nothing.csv").status_code == 404


def test_low_stock_lists_what_is_nearly_gone(boss, store, db, settings):
    settings.LOW_STOCK_UNITS = 3
    receive(store, factories.VariantFactory(sku="LAST-2"), 2)
    receive(store, factories.VariantFactory(sku="PLENTY"), 40)
    rows = csv_rows(boss.get("/manage/export/low-stock.csv"))
    assert [(row[0], row[1], row[-1]) for row in rows[1:]] == [("st1", "LAST-2", "2")]
    values = csv_rows(boss.get("/manage/export/stock-value.csv"))
    assert values[1] == ["st1", "Store One", "42", "420.00"]  # at 10.00 each


def test_a_crafted_campaign_name_is_not_a_formula_in_the_csv(boss, store, db):
    ChannelDaily.objects.create(
        day=timezone.localdate(), model="first_touch", sales_channel="web", channel="email",
        source="x", campaign="=HYPERLINK(1)", orders=1, revenue=Decimal("5.00"),
        returns=Decimal("9.00"),
    )  # fmt: skip
    rows = csv_rows(boss.get("/manage/export/campaigns.csv", period()))
    assert rows[1][0] == "'=HYPERLINK(1)"
    assert rows[1][-1] == "-4.00"  # a negative amount stays a number


def test_a_bad_period_is_a_400(boss, db):
    assert boss.get("/manage/", {"from": "soon"}).status_code == 400
    assert boss.get("/manage/export/channels.csv", {"model": "x"}).status_code == 400


def test_clerks_and_shoppers_get_403(clerk, db):
    assert signed_in(clerk).get("/manage/").status_code == 403
    assert signed_in(clerk).get("/manage/export/channels.csv").status_code == 403
    shopper = factories.UserFactory(username="ann")
    assert signed_in(shopper).get("/manage/").status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(db):
    response = Client().get("/manage/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_manager_without_a_second_factor_enrols_first(manager):
    response = signed_in(manager).get("/manage/")
    assert response.status_code == 302
    assert "/accounts/2fa/" in response["Location"]


def test_the_page_costs_the_same_with_more_sales_and_stock(
    boss, store, warehouse, django_assert_max_num_queries
):
    place_fixture(store=store, warehouse=warehouse)
    reports_refresh()
    with django_assert_max_num_queries(30) as small:
        assert boss.get("/manage/", period()).status_code == 200
    for n in range(30):  # more locations, stock rows and rollup rows
        location = factories.LocationFactory(code=f"x{n}")
        receive(location, factories.VariantFactory(), 2)
    bulk_orders(300, store=store)
    bulk_reminders(200, first=0)
    reports_refresh()
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert boss.get("/manage/", period()).status_code == 200


def test_stock_figures_come_from_the_last_refresh_not_the_request(
    boss, store, db, django_assert_max_num_queries
):
    from inventory.tasks import refresh_stock_reports

    variant = factories.VariantFactory(sku="COUNTED")
    receive(store, variant, 5)
    refresh_stock_reports()
    receive(store, variant, 7)  # after the refresh: not shown until the next one

    with django_assert_max_num_queries(30) as page:
        response = boss.get("/manage/", period())
    assert response.status_code == 200
    assert not [q for q in page.captured_queries if '"inventory_stock"' in q["sql"]]
    assert "As of" in response.content.decode()
    assert csv_rows(boss.get("/manage/export/stock-value.csv"))[1][2] == "5"

    refresh_stock_reports()  # beat, a few minutes later

    assert csv_rows(boss.get("/manage/export/stock-value.csv"))[1][2] == "12"


def test_a_cold_cache_computes_the_stock_figures_once(boss, store, db):
    from django.core.cache import cache

    receive(store, factories.VariantFactory(sku="COLD"), 3)
    cache.clear()

    rows = csv_rows(boss.get("/manage/export/stock-value.csv"))

    assert rows[1][2] == "3"


def test_stock_accuracy_per_location_over_time_and_variances_by_reason(boss, store, db):
    from inventory.counts import CountedLine, stock_count_record

    right, wrong = factories.VariantFactory(sku="RIGHT"), factories.VariantFactory(sku="WRONG")
    receive(store, right, 4)
    receive(store, wrong, 4)
    stock_count_record(
        location=store,
        started_at=timezone.now(),
        lines=[CountedLine(right, 4), CountedLine(wrong, 1)],
        channel=Channel.POS,
    )

    page = boss.get("/manage/", period())
    assert page.status_code == 200
    assert 'id="chart-accuracy-daily"' in page.content.decode()
    accuracy = csv_rows(boss.get("/manage/export/accuracy.csv", period()))
    by_store = {row[0]: row[1:] for row in accuracy[1:]}
    assert by_store["Store One"] == ["1", "2", "1", "50.0", "0"]
    daily = csv_rows(boss.get("/manage/export/accuracy-daily.csv", period()))
    assert daily[0] == ["Day", "Store One"]
    assert daily[1] == [timezone.localdate().isoformat(), "50.0"]
    variances = csv_rows(boss.get("/manage/export/variances.csv", period()))
    assert ["Store One", "count", "-3", "1"] in variances


def test_no_count_leaves_the_accuracy_chart_empty(boss, db):
    daily = csv_rows(boss.get("/manage/export/accuracy-daily.csv", period()))
    assert daily == [["Day"]]
