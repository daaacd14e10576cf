"""The full till with no network: opened once online, /pos/ (or another till page) reloaded
offline is answered by the service worker with the offline till, which sells through the
outbox; back online the sale reaches the server once and the full till is back."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from carts.models import TillSale
from shop.orders.models import Order
from tests.browser import screenshot
from tests.channels_app.offline_till_support import (
    assert_accessible,
    counts,
    open_store,
    pay_cash,
    scan,
    signed_in,
)
from tests.channels_app.support import stock_row

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BANNER = "Offline: sales are kept on this device and sent when the line is back"


@pytest.fixture
def shop(db):
    shop = open_store("Store One", {"CAP-1": "10.00", "MUG-1": "20.00"})
    return {**shop, "cap": shop["CAP-1"]}


def test_the_full_till_reloaded_offline_keeps_selling(live_server, page, shop):
    store, cap = shop["store"], shop["cap"]
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    signed_in(page, live_server, shop["clerk"])

    # Online, the full till only: it registers the worker and fills the device in the background.
    page.goto(f"{live_server.url}/pos/")
    expect(page.get_by_placeholder(re.compile("cart code"))).to_be_visible()
    expect(page.locator("#till-warm")).to_have_attribute("data-warm", "done")
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    expect(page.locator("[data-offline-banner]")).to_have_count(0)

    page.context.set_offline(True)
    page.reload()
    assert page.url == f"{live_server.url}/pos/"
    expect(page.locator("#till-app")).to_have_attribute("data-ready", "1")
    expect(page.get_by_role("status").filter(has_text=BANNER)).to_be_visible()
    expect(page.locator("[data-snapshot-info]")).to_contain_text("2 items")
    scan(page, "CAP-1")
    pay_cash(page, "20.00")
    expect(page.locator("[data-receipt-number]")).to_have_text("ST1-1-1")
    expect(page.locator("[data-receipt-sums]")).to_contain_text("10.00")  # change due
    assert counts(page) == ("1", "0", "0")
    assert_accessible(page)
    page.evaluate("window.scrollTo(0, 0)")  # the receipt took the focus; the banner is on top
    screenshot(page, "till-reloaded-offline")
    assert not Order.objects.filter(channel="pos").exists()

    # Another till page with no network is the offline till too, with the same outbox.
    page.goto(f"{live_server.url}/pos/pickups/")
    expect(page.locator("#till-app")).to_have_attribute("data-ready", "1")
    expect(page.get_by_text(BANNER)).to_be_visible()
    assert counts(page) == ("1", "0", "0")

    page.context.set_offline(False)
    expect(page.locator('[data-count="sent"]')).to_have_text("1", timeout=20_000)
    expect(page.get_by_text("The line is back.")).to_be_visible()
    expect(page.get_by_text(BANNER)).to_be_hidden()
    screenshot(page, "till-offline-stand-in-back-online")
    page.get_by_role("link", name="Reload this page").click()
    expect(page.get_by_role("heading", name="Pickup desk")).to_be_visible()
    expect(page.locator("[data-offline-banner]")).to_have_count(0)
    page.goto(f"{live_server.url}/pos/")
    expect(page.get_by_placeholder(re.compile("cart code"))).to_be_visible()
    screenshot(page, "till-online-again")

    assert counts_on_server() == (1, 1)
    [sale] = TillSale.objects.all()
    assert sale.receipt_number == "ST1-1-1"
    assert sale.created_offline_at is not None
    assert sale.order.total == Decimal("10.00")
    assert stock_row(store, cap) == (4, 0)
    assert errors == []


def counts_on_server() -> tuple[int, int]:
    return TillSale.objects.count(), Order.objects.filter(channel="pos").count()
