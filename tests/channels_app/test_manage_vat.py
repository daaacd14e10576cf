"""/manage/'s VAT table: VAT collected per channel and rate over the period, read from the
sales journal (returns deducted), its CSV export, and what it costs."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from shop.journal.vat_report import vat_by_channel
from shop.marketing.reports import channel_label
from shop.marketing.rollups import reports_refresh
from tests import factories
from tests.journal.support import give_back, stocked_variant
from tests.shop.order_support import collect_order, till_sale

pytestmark = pytest.mark.django_db

D = Decimal
POS, WEB = channel_label("pos"), channel_label("web")


@pytest.fixture
def boss(manager):
    client = Client()
    client.force_login(factories.with_totp(manager))
    return client


@pytest.fixture
def goods(store):
    return (
        stocked_variant(store, sku="TEE-M", price="19.90", units=500),
        stocked_variant(store, sku="BOOK-1", price="21.10", units=500, tax_class="reduced"),
    )


@pytest.fixture
def sales(store, clerk, goods):
    """At the till: two tees and a book, then one tee brought back; on the web: one book."""
    tee, book = goods
    sale = till_sale(store, clerk, [(tee, 2), (book, 1)])
    give_back(sale, store, "TEE-M", 1, user=clerk)
    collect_order(store, [(book, 1)], payment="card")
    reports_refresh()  # beat, every 15 minutes


def today() -> dict:
    day = timezone.localdate().isoformat()
    return {"from": day, "to": day}


def test_vat_per_channel_and_rate_deducts_returns(sales):
    day = timezone.localdate()
    rows = vat_by_channel(start=day, end=day)
    assert [(r["channel"], r["rate"], r["net"], r["tax"], r["gross"]) for r in rows] == [
        ("pos", D("5.50"), D("20.00"), D("1.10"), D("21.10")),
        # 39.80 sold (6.63 of VAT), 19.90 given back (3.32 at the rate of the sale)
        ("pos", D("20.00"), D("16.59"), D("3.31"), D("19.90")),
        ("web", D("5.50"), D("20.00"), D("1.10"), D("21.10")),
    ]
    assert vat_by_channel(start=day - timedelta(days=9), end=day - timedelta(days=1)) == []


def test_the_dashboard_shows_the_vat_table_and_exports_it(boss, sales):
    page = boss.get("/manage/", today()).content.decode()
    assert "VAT collected per rate" in page
    assert "/manage/export/vat.csv?" in page

    response = boss.get("/manage/export/vat.csv", today())

    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [
        ["Channel", "VAT rate", "Net", "VAT", "Gross"],
        [POS, "5.5", "20.00", "1.10", "21.10"],
        [POS, "20", "16.59", "3.31", "19.90"],
        [WEB, "5.5", "20.00", "1.10", "21.10"],
        ["All channels", "5.5", "40.00", "2.20", "42.20"],
        ["All channels", "20", "16.59", "3.31", "19.90"],
    ]


def test_the_vat_table_costs_the_same_with_more_sales(
    boss, store, clerk, goods, django_assert_max_num_queries
):
    tee, book = goods
    till_sale(store, clerk, [(tee, 1)])
    reports_refresh()
    with django_assert_max_num_queries(12) as small_csv:
        assert boss.get("/manage/export/vat.csv", today()).status_code == 200
    with django_assert_max_num_queries(40) as small_page:
        assert boss.get("/manage/", today()).status_code == 200
    for n in range(15):
        till_sale(store, clerk, [(tee, 1), (book, n % 3 + 1)])
        collect_order(store, [(book, 1)], payment="card", email=f"s{n}@example.com")
    reports_refresh()
    with django_assert_max_num_queries(len(small_csv.captured_queries)):
        response = boss.get("/manage/export/vat.csv", today())
    assert response.content.decode().count("\n") == 6  # header, 3 channel rows, 2 totals
    with django_assert_max_num_queries(len(small_page.captured_queries)):
        assert boss.get("/manage/", today()).status_code == 200


def test_the_table_shows_the_journal_as_of_the_last_refresh(store, clerk, goods):
    tee, _ = goods
    day = timezone.localdate()
    till_sale(store, clerk, [(tee, 1)])
    assert vat_by_channel(start=day, end=day) == []  # not refreshed yet

    reports_refresh()
    till_sale(store, clerk, [(tee, 1)])
    assert [r["gross"] for r in vat_by_channel(start=day, end=day)] == [D("19.90")]

    reports_refresh()
    assert [r["gross"] for r in vat_by_channel(start=day, end=day)] == [D("39.80")]
