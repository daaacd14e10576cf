"""Reminder recovery in the reports, against a hand-computed fixture.

Yesterday: reminders to A, B and C sent, D skipped (no consent). A's link was followed and
A ordered 42.50 (shipped); B's link was followed and B ordered 15.00, then cancelled it (not
counted); C did nothing. Sent 3, skipped 1, clicked 2, recovered 1 for 42.50; click rate 2/3,
recovery rate 1/3.
Today: E's reminder sent, E bought 30.00 at the till without following the link and brought
back 10.00 of it: recovered 1 for 20.00. F skipped (paid an order since).
The period: sent 4, skipped 2, clicked 2, recovered 2 for 62.50, both rates 50 %.
"""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from shop.marketing.models import AttributionModel, CartReminder, ReminderDaily
from shop.marketing.reports import Period, reminder_report
from shop.marketing.rollups import reports_refresh
from shop.orders.models import Order, Return
from tests import factories
from tests.marketing.support import bulk_reminders, remind

D = Decimal
Status = CartReminder.Status
Reason = CartReminder.SkipReason
pytestmark = pytest.mark.django_db


def order(total: str, status=Order.Status.SHIPPED, **fields) -> Order:
    return factories.OrderFactory(total=D(total), subtotal=D(total), status=status, **fields)


@pytest.fixture
def reminded(store):
    today = timezone.localdate()
    yesterday = today - timedelta(days=1)
    till = order("30.00", Order.Status.COMPLETED, channel="pos", store=store)
    Return.objects.create(
        order=till, store=store, channel="pos", refund_method="cash", refund_amount=D("10.00")
    )
    CartReminder.objects.bulk_create(
        [
            remind(1, yesterday, clicked=True, order=order("42.50")),
            remind(2, yesterday, clicked=True, order=order("15.00", Order.Status.CANCELLED)),
            remind(3, yesterday),
            remind(4, yesterday, reason=Reason.NO_CONSENT),
            remind(5, today, order=till),
            remind(6, today, reason=Reason.PAID_SINCE),
        ]
    )
    call_command("refresh_reports", stdout=io.StringIO())
    return yesterday, today


def period(start, end) -> Period:
    return Period(start=start, end=end, model=AttributionModel.LAST_TOUCH)


NO_SKIP = {f"skipped_{reason}": 0 for reason in Reason.values}


def test_figures_per_day_and_in_total(reminded):
    yesterday, today = reminded
    report = reminder_report(period(yesterday, today))
    assert report["rows"] == [
        {
            "day": yesterday,
            "sent": 3,
            "skipped": 1,
            **NO_SKIP,
            "skipped_no_consent": 1,
            "clicked": 2,
            "recovered_orders": 1,
            "recovered_revenue": D("42.50"),
            "click_rate": D("66.7"),
            "recovery_rate": D("33.3"),
        },
        {
            "day": today,
            "sent": 1,
            "skipped": 1,
            **NO_SKIP,
            "skipped_paid_since": 1,
            "clicked": 0,
            "recovered_orders": 1,
            "recovered_revenue": D("20.00"),
            "click_rate": D("0.0"),
            "recovery_rate": D("100.0"),
        },
    ]
    totals = report["totals"]
    assert (totals["sent"], totals["skipped"], totals["clicked"]) == (4, 2, 2)
    assert (totals["skipped_no_consent"], totals["skipped_paid_since"]) == (1, 1)
    assert (totals["recovered_orders"], totals["recovered_revenue"]) == (2, D("62.50"))
    assert (totals["click_rate"], totals["recovery_rate"]) == (D("50.0"), D("50.0"))


def test_the_period_bounds_the_days(reminded):
    yesterday, today = reminded
    report = reminder_report(period(today, today))
    assert [row["day"] for row in report["rows"]] == [today]
    assert report["totals"]["sent"] == 1
    assert reminder_report(period(today - timedelta(days=9), today - timedelta(days=5))) == {
        "rows": [],
        "totals": {
            "sent": 0, "skipped": 0, **NO_SKIP, "clicked": 0, "recovered_orders": 0,
            "recovered_revenue": D("0.00"), "click_rate": None, "recovery_rate": None,
        },
    }  # fmt: skip


def test_a_refresh_follows_what_happened_since(reminded):
    yesterday, today = reminded
    Order.objects.filter(total=D("42.50")).update(status=Order.Status.CANCELLED)
    CartReminder.objects.filter(email="c3@example.com").update(clicked_at=timezone.now())
    reports_refresh()
    reports_refresh()  # twice: the same rows
    [day] = reminder_report(period(yesterday, yesterday))["rows"]
    assert (day["clicked"], day["recovered_orders"], day["recovered_revenue"]) == (3, 0, D("0"))
    assert ReminderDaily.objects.filter(day=yesterday).count() == 2  # sent, no consent


@pytest.mark.postgres
def test_refresh_and_report_cost_the_same_for_20_and_2000_reminders(
    django_assert_max_num_queries, django_assert_num_queries
):
    whole = period(timezone.localdate() - timedelta(days=30), timezone.localdate())
    bulk_reminders(20, first=0)
    with django_assert_max_num_queries(20) as small_refresh:
        reports_refresh()
    with django_assert_num_queries(1):
        reminder_report(whole)
    bulk_reminders(1980, first=20)
    with django_assert_num_queries(len(small_refresh.captured_queries)):
        reports_refresh()
    with django_assert_num_queries(1):
        totals = reminder_report(whole)["totals"]
    assert totals["sent"] + totals["skipped"] == 2000
    assert totals["skipped"] == 400
    assert totals["clicked"] == 800  # 1000 even ones, less the 200 skipped among them
    assert totals["recovered_orders"] == 400  # 500 fourths, less the 100 skipped among them
    assert totals["recovered_revenue"] == D("4000.00")


class TestDashboard:
    @pytest.fixture
    def boss(self, manager):
        client = Client()
        client.force_login(factories.with_totp(manager))
        return client

    def test_the_page_has_the_reminder_chart_and_table(self, boss, reminded):
        yesterday, today = reminded
        page = boss.get("/manage/", {"from": yesterday, "to": today}).content.decode()
        assert 'id="chart-reminders"' in page
        assert 'id="data-reminders"' in page
        assert "Cart reminders and what they recovered" in page
        assert "€42.50" in page
        assert "66.7 %" in page
        assert "/manage/export/reminders.csv?" in page

    def test_the_csv_has_the_figures(self, boss, reminded):
        yesterday, today = reminded
        response = boss.get("/manage/export/reminders.csv", {"from": yesterday, "to": today})
        assert response["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert rows[0] == [
            "Day", "Sent", "Skipped", "Link followed", "Click rate", "Recovered orders",
            "Recovery rate", "Recovered revenue",
            "Skipped: paid an order since the cart was last touched",
            "Skipped: no consent to marketing email",
            "Skipped: nothing in the cart can be sold any more",
            "Skipped: idle since before reminders were switched on",
        ]  # fmt: skip
        assert rows[1:] == [
            [str(yesterday), "3", "1", "2", "66.7", "1", "33.3", "42.50", "0", "1", "0", "0"],
            [str(today), "1", "1", "0", "0.0", "1", "100.0", "20.00", "1", "0", "0", "0"],
        ]
