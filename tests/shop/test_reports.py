"""Report figures from the rollups, against the hand-computed fixture of measure_support.

Online order (A): 33.33, first touch email/newsletter, last touch organic search/google.com;
linear: 3333 cents over 2 touches = 1666 each and the odd cent to the first, so email 16.67
and organic search 16.66. Web delivery: no store.
Till sale (B): 50.00 at st1, first touch the window QR code, last touch the till (pos);
linear 25.00 each. The scarf (20.00) comes back: its refund lowers what the sale was credited
to, 20.00 under single-touch models, 10.00 each under linear.
Every model: revenue 83.33, returns 20.00, net 63.33, two orders.
"""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from shop.channels import Channel
from shop.marketing.models import AttributionModel, ChannelDaily, OrderAttribution, Touch
from shop.marketing.reports import (
    Period,
    channel_by_day,
    channel_report,
    collect_report,
    sales_channels,
    top_campaigns,
)
from shop.marketing.rollups import reports_refresh
from shop.orders.models import Order, Return
from shop.orders.services import order_mark_collected
from tests import factories
from tests.channels_app.support import receive
from tests.shop.measure_support import bulk_orders, place_fixture
from tests.shop.order_support import collect_order

D = Decimal
pytestmark = pytest.mark.django_db


def today_period(model: str) -> Period:
    today = timezone.localdate()
    return Period(start=today - timedelta(days=1), end=today, model=model)


def figures(model: str) -> dict:
    report = channel_report(today_period(model))
    return {
        (r["channel"], r["source"], r["store"]): (r["orders"], r["revenue"], r["returns"], r["net"])
        for r in report["rows"]
    }


@pytest.fixture
def measured(store, warehouse):
    placed = place_fixture(store=store, warehouse=warehouse)
    call_command("refresh_reports")
    return placed


class TestFixtureFigures:
    def test_last_touch(self, measured):
        assert figures(AttributionModel.LAST_TOUCH) == {
            ("organic_search", "google.com", ""): (1, D("33.33"), D("0.00"), D("33.33")),
            ("pos", "pos", "st1"): (1, D("50.00"), D("20.00"), D("30.00")),
        }

    def test_first_touch(self, measured):
        assert figures(AttributionModel.FIRST_TOUCH) == {
            ("email", "newsletter", ""): (1, D("33.33"), D("0.00"), D("33.33")),
            ("qr", "window", "st1"): (1, D("50.00"), D("20.00"), D("30.00")),
        }

    def test_linear_splits_to_the_cent(self, measured):
        assert figures(AttributionModel.LINEAR) == {
            ("email", "newsletter", ""): (1, D("16.67"), D("0.00"), D("16.67")),
            ("organic_search", "google.com", ""): (1, D("16.66"), D("0.00"), D("16.66")),
            ("qr", "window", "st1"): (1, D("25.00"), D("10.00"), D("15.00")),
            ("pos", "pos", "st1"): (1, D("25.00"), D("10.00"), D("15.00")),
        }

    def test_every_model_totals_the_same_revenue(self, measured):
        for model in AttributionModel.values:
            assert channel_report(today_period(model))["totals"] == {
                "orders": 2,
                "revenue": D("83.33"),
                "returns": D("20.00"),
                "net": D("63.33"),
            }, model

    @pytest.mark.parametrize("model", AttributionModel.values)
    def test_per_sales_channel_with_average_order_under_any_model(self, measured, model):
        rows = {
            (r["sales_channel"], r["store"]): (r["orders"], r["net"], r["average_order"])
            for r in sales_channels(today_period(model))
        }
        assert rows == {
            ("web", ""): (1, D("33.33"), D("33.33")),
            ("pos", "st1"): (1, D("30.00"), D("50.00")),
        }

    def test_campaigns_and_days(self, measured):
        campaigns = top_campaigns(today_period(AttributionModel.FIRST_TOUCH))
        assert [(c["campaign"], c["net"]) for c in campaigns] == [
            ("spring", D("33.33")),
            ("st1-window", D("30.00")),
        ]
        days = channel_by_day(today_period(AttributionModel.LINEAR))
        assert {d["day"] for d in days} == {timezone.localdate()}
        assert sum(d["net"] for d in days) == D("63.33")

    def test_refreshing_twice_gives_the_same_rollups(self, measured):
        before = sorted(ChannelDaily.objects.values_list("model", "channel", "revenue", "returns"))
        reports_refresh()
        after = sorted(ChannelDaily.objects.values_list("model", "channel", "revenue", "returns"))
        assert before == after

    def test_cancelled_orders_do_not_count(self, measured):
        Order.objects.filter(pk=measured.online.pk).update(status=Order.Status.CANCELLED)
        reports_refresh()
        totals = channel_report(today_period(AttributionModel.LINEAR))["totals"]
        assert totals["revenue"] == D("50.00")


def test_click_and_collect_share_and_pickup_rate(store, warehouse):
    tee = factories.VariantFactory(sku="TEE", price=D("10.00"))
    receive(store, tee, 10)
    first = collect_order(store, [(tee, 1)], email="a@example.com")
    collect_order(store, [(tee, 1)], email="b@example.com")
    expired = collect_order(store, [(tee, 1)], email="c@example.com")
    Order.objects.filter(pk=expired.pk).update(status=Order.Status.EXPIRED)
    from shop.payments.drawer import drawer_open

    drawer_open(store=store, user=factories.manager(), opening_float=D("0.00"))
    order_mark_collected(order=first, channel=Channel.POS, payment_method="cash")
    reports_refresh()
    [row] = collect_report(today_period(AttributionModel.LAST_TOUCH))
    assert (row["store"], row["orders"], row["collect_orders"]) == ("st1", 3, 3)
    assert row["collect_share"] == D("100.0")
    assert (row["collected"], row["expired"], row["pickup_rate"]) == (1, 1, D("50.0"))


def read_everything(period: Period) -> dict:
    report = channel_report(period)
    return {
        "report": report,
        "days": channel_by_day(period),
        "campaigns": top_campaigns(period),
        "sales": sales_channels(period),
        "collect": collect_report(period),
    }


@pytest.mark.postgres
def test_reports_cost_the_same_for_10_and_10000_orders(
    store, django_assert_max_num_queries, django_assert_num_queries
):
    period = Period(
        start=timezone.localdate() - timedelta(days=30),
        end=timezone.localdate(),
        model=AttributionModel.LINEAR,
    )
    bulk_orders(10, store=store)
    with django_assert_max_num_queries(20) as small_refresh:
        reports_refresh()
    with django_assert_max_num_queries(10) as small:
        read_everything(period)

    bulk_orders(9990, store=store, first=10)
    with django_assert_num_queries(len(small_refresh.captured_queries)):
        reports_refresh()
    with django_assert_num_queries(len(small.captured_queries)):
        result = read_everything(period)
    assert result["report"]["totals"]["orders"] == 10000
    assert result["report"]["totals"]["revenue"] == D("100100.00")
    for model in AttributionModel.values:
        totals = channel_report(Period(period.start, period.end, model))["totals"]
        assert totals["revenue"] == D("100100.00"), model


def test_the_beat_task_rebuilds_recent_days_or_the_longer_window(measured, settings):
    from shop.marketing.tasks import refresh_reports

    settings.REPORTS_REFRESH_RECENT_DAYS = 2
    old = timezone.localdate() - timedelta(days=10)
    ChannelDaily.objects.create(
        day=old, model="last_touch", sales_channel="web", channel="email", source="kept"
    )
    refresh_reports.delay(recent=True)
    assert ChannelDaily.objects.filter(day=old).exists()  # older than the recent days
    refresh_reports.delay()
    assert not ChannelDaily.objects.filter(day=old).exists()  # no order that day
    assert channel_report(today_period(AttributionModel.LINEAR))["totals"]["net"] == D("63.33")


def test_orders_without_attribution_are_attributed_then_counted(store):
    customer = factories.CustomerFactory()
    Touch.objects.create(channel="email", source="newsletter", customer=customer, at=timezone.now())
    Order.objects.bulk_create(  # a bulk load: no signal, no attribution
        [
            Order(number="OS-OLD1", channel="web", fulfilment="delivery", customer=customer,
                  status=Order.Status.SHIPPED, currency="EUR", subtotal=D("12.00"),
                  total=D("12.00")),
            Order(number="OS-OLD2", channel="kiosk", fulfilment="collect", store=store,
                  status=Order.Status.COLLECTED, currency="EUR", subtotal=D("8.00"),
                  total=D("8.00")),
        ]
    )  # fmt: skip
    Return.objects.create(  # a return of an order not attributed yet
        order=Order.objects.get(number="OS-OLD2"), store=store, channel="pos",
        refund_method="cash", refund_amount=D("8.00"),
    )  # fmt: skip
    reports_refresh()  # before the orders are attributed: they are not counted yet
    assert figures(AttributionModel.LAST_TOUCH) == {}
    call_command("refresh_reports", "--attribute-missing", stdout=io.StringIO())
    rows = figures(AttributionModel.LAST_TOUCH)
    assert rows == {
        ("email", "newsletter", ""): (1, D("12.00"), D("0.00"), D("12.00")),
        ("kiosk", "kiosk", "st1"): (1, D("8.00"), D("8.00"), D("0.00")),
    }
    call_command("refresh_reports", "--attribute-missing", stdout=io.StringIO())
    assert OrderAttribution.objects.count() == 2
