"""Counting stock at the offline till in Chromium: a shelf counted with the network down, the
page reloaded (the draft is kept), the count recorded into the outbox, a sale made online
after the scan, and the network back: one count on the server with the right variance. A
count too old by the time it is sent is refused, shown as failed and kept on the till."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from inventory import services
from inventory.models import StockCount
from shop.channels import Channel
from shop.payments.drawer import drawer_open
from tests import factories
from tests.browser import screenshot
from tests.channels_app.offline_till_support import (
    assert_accessible,
    lose_first_answer,
    signed_in,
)
from tests.channels_app.support import receive, stock_row

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop(db):
    store = factories.LocationFactory(code="st1", name="Store One")
    clerk = factories.clerk(store=store)
    drawer_open(store=store, user=clerk, opening_float=Decimal("100.00"))
    mug = factories.VariantFactory(sku="MUG-1", price=Decimal("20.00"), barcode="4006381333931")
    cap = factories.VariantFactory(sku="CAP-1", price=Decimal("10.00"))
    receive(store, mug, 5)
    receive(store, cap, 5)
    return {"store": store, "clerk": clerk, "mug": mug, "cap": cap}


def count_scan(page, code: str) -> None:
    page.get_by_label("Code to count").fill(code)
    page.get_by_label("Code to count").press("Enter")


def count_statuses(page) -> tuple[str, str, str]:
    return tuple(
        page.locator(f'[data-counts-status="{status}"]').inner_text()
        for status in ("pending", "sent", "failed")
    )


def draft_units(page) -> dict[str, int]:
    return page.evaluate(
        """async () => {
          const draft = await TillOutbox.metaGet(TillOutbox.open('st1'), 'count_draft');
          return Object.fromEntries(draft.lines.map((line) => [line.sku, line.counted]));
        }"""
    )


def open_count_screen(page, live_server, clerk) -> None:
    signed_in(page, live_server, clerk)
    page.goto(f"{live_server.url}/pos/offline/")
    expect(page.locator("#till-app")).to_have_attribute("data-ready", "1")
    expect(page.locator("#till-app")).to_have_attribute("data-count-ready", "1")
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.get_by_role("link", name="Count stock").click()
    expect(page.get_by_label("Code to count")).to_be_visible()


def test_a_count_made_offline_is_recorded_once_with_the_right_variance(live_server, page, shop):
    store, mug, cap = shop["store"], shop["mug"], shop["cap"]
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    open_count_screen(page, live_server, shop["clerk"])
    expect(page.get_by_label("Scan or search")).to_be_hidden()  # the sale is behind its tab

    page.context.set_offline(True)
    expect(page.locator("[data-net]")).to_contain_text("Offline")
    # Three mugs on the shelf, scanned one by one; the caps counted as a box of 4.
    for _ in range(3):
        count_scan(page, "4006381333931")
    count_scan(page, "CAP-1")
    page.get_by_label("Units of CAP-1").fill("4")
    page.get_by_label("Units of CAP-1").press("Tab")
    expect(page.locator('[data-count-sku="MUG-1"] input')).to_have_value("3")
    # After the mugs were scanned, the web sells one: not a variance, the shelf had it then.
    services.stock_sell(
        location=store, lines=[services.StockLine(mug, 1)], channel=Channel.WEB, reference="web"
    )
    assert stock_row(store, mug) == (4, 0)

    # The draft survives a reload with no network.
    assert draft_units(page) == {"MUG-1": 3, "CAP-1": 4}  # on the device before the reload
    page.reload()
    expect(page.locator("#till-app")).to_have_attribute("data-count-ready", "1")
    expect(page.locator('[data-count-sku="MUG-1"] input')).to_have_value("3")
    expect(page.locator('[data-count-sku="CAP-1"] input')).to_have_value("4")
    expect(page.locator("[data-count-lines] li")).to_have_count(2)
    expect(page.locator("[data-count-lines]")).to_contain_text("first scanned")
    assert_accessible(page)
    screenshot(page, "till-count-offline-draft")

    page.get_by_role("button", name="Record the count").click()
    expect(page.locator("[data-count-recorded]")).to_contain_text("2 item(s) kept on this till")
    expect(page.locator("[data-count-lines] li")).to_have_count(0)
    expect(page.locator("[data-count-sync-list]")).to_contain_text("Waiting to send")
    assert count_statuses(page) == ("1", "0", "0")
    assert not StockCount.objects.exists()

    page.context.set_offline(False)
    expect(page.locator('[data-counts-status="sent"]')).to_have_text("1", timeout=20_000)
    assert count_statuses(page) == ("0", "1", "0")
    sync_list = page.locator("[data-count-sync-list]")
    expect(sync_list).to_contain_text("MUG-1: counted 3, record 5, variance −2")
    expect(sync_list).to_contain_text("CAP-1: counted 4, record 5, variance −1")
    screenshot(page, "till-count-recorded-after-reconnect")

    [count] = StockCount.objects.all()
    lines = {line.variant.sku: line for line in count.lines.select_related("variant")}
    assert {sku: (line.expected, line.counted, line.variance) for sku, line in lines.items()} == {
        "MUG-1": (5, 3, -2),
        "CAP-1": (5, 4, -1),
    }
    assert lines["MUG-1"].counted_at < lines["CAP-1"].counted_at  # each SKU's first scan
    assert stock_row(store, mug) == (2, 0)
    assert stock_row(store, cap) == (4, 0)
    assert errors == []


def test_a_count_whose_answer_was_lost_is_recorded_once(live_server, page, shop):
    open_count_screen(page, live_server, shop["clerk"])
    answers: list[int] = []
    page.route("**/api/stores/st1/counts/", lose_first_answer(answers))
    count_scan(page, "MUG-1")
    page.get_by_role("button", name="Record the count").click()
    expect(page.locator('[data-counts-status="sent"]')).to_have_text("1", timeout=20_000)
    assert answers == [201, 201]
    assert StockCount.objects.count() == 1
    assert stock_row(shop["store"], shop["mug"]) == (1, 0)


def test_a_count_too_old_when_it_arrives_is_kept_as_failed(live_server, page, shop):
    open_count_screen(page, live_server, shop["clerk"])
    page.context.set_offline(True)
    count_scan(page, "MUG-1")
    # The line stayed down for more than a day: the draft was started 25 hours ago.
    long_ago = (timezone.now() - timedelta(hours=25)).isoformat()
    page.evaluate(
        """async (moment) => {
          const db = TillOutbox.open('st1');
          const draft = await TillOutbox.metaGet(db, 'count_draft');
          draft.started_at = moment;
          draft.lines.forEach((line) => { line.counted_at = moment; });
          await TillOutbox.metaPut(db, 'count_draft', draft);
        }""",
        long_ago,
    )
    page.reload()
    expect(page.locator("#till-app")).to_have_attribute("data-count-ready", "1")
    page.get_by_role("button", name="Record the count").click()
    page.context.set_offline(False)

    expect(page.locator('[data-counts-status="failed"]')).to_have_text("1", timeout=20_000)
    failed = page.locator("[data-count-sync-list] li.sync-failed")
    expect(failed).to_contain_text("Failed")
    expect(failed).to_contain_text("more than 24 hours ago: count again")
    expect(failed).to_contain_text("It stays on this till")
    assert_accessible(page)
    screenshot(page, "till-count-too-old")
    assert not StockCount.objects.exists()
    assert stock_row(shop["store"], shop["mug"]) == (5, 0)

    # Sent again, it is refused again and still listed: never dropped.
    page.get_by_role("button", name="Send again: the count of").click()
    expect(page.locator('[data-counts-status="failed"]')).to_have_text("1", timeout=20_000)
    page.reload()
    expect(page.locator("#till-app")).to_have_attribute("data-count-ready", "1")
    expect(page.locator("[data-count-sync-list] li.sync-failed")).to_have_count(1)

    # The clerk sets it aside once told: gone from the list, still on the device.
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Dismiss the count of").click()
    expect(page.locator("[data-count-sync-list] li")).to_have_count(0)
    kept = page.evaluate("TillOutbox.open('st1').counts.toArray()")
    assert [entry["status"] for entry in kept] == ["dismissed"]


def test_closing_the_drawer_waits_for_a_count_not_sent(live_server, page, shop):
    from shop.payments.models import CashDrawerSession

    open_count_screen(page, live_server, shop["clerk"])
    page.route("**/api/stores/st1/counts/", lambda route: route.abort())
    count_scan(page, "CAP-1")
    page.get_by_role("button", name="Record the count").click()
    expect(page.locator('[data-counts-status="pending"]')).to_have_text("1")

    page.get_by_role("link", name="Drawer").click()
    page.get_by_label("Counted cash").fill("100.00")
    page.get_by_role("button", name="Close the till").click()
    expect(page.locator("[data-outbox-wait]")).to_contain_text("1 stock count made on this till")
    assert CashDrawerSession.objects.get().closed_at is None

    page.unroute("**/api/stores/st1/counts/")
    expect(page.locator(".closing")).to_contain_text("The count matches", timeout=20_000)
    assert CashDrawerSession.objects.get().closed_at is not None
    assert StockCount.objects.count() == 1


def test_the_count_page_offline_is_the_offline_till_counting(live_server, page, shop):
    open_count_screen(page, live_server, shop["clerk"])
    page.context.set_offline(True)
    page.goto(f"{live_server.url}/pos/counts/")
    expect(page.locator("#till-app")).to_have_attribute("data-count-ready", "1")
    expect(page.get_by_label("Code to count")).to_be_visible()
    expect(page.get_by_role("link", name="Count stock")).to_have_attribute("aria-current", "page")
    count_scan(page, "CAP-1")
    expect(page.locator('[data-count-sku="CAP-1"] input')).to_have_value("1")
    screenshot(page, "till-count-page-offline")
