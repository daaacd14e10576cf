"""The offline till in Chromium: the network drops, three sales are made (one of the last unit,
which a web shopper buys meanwhile), the page is reloaded offline, and the network comes back:
three sales on the server, one stock discrepancy, no negative stock, the collector's unit
untouched, receipt numbers without gaps, and the offline prices equal the online ones."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from carts.checkout import CheckoutDetails, checkout_place
from carts.models import TillDevice, TillSale
from carts.pos import pos_sale_price
from carts.services import cart_anonymous_new, cart_line_add
from carts.till_sales import till_receipt_gaps
from inventory.models import Reservation, Stock, StockDiscrepancy
from shop.channels import Channel
from shop.orders.models import Order
from shop.payments.drawer import drawer_open
from shop.payments.models import Payment
from tests import factories
from tests.browser import screenshot
from tests.channels_app.offline_till_support import (
    assert_accessible,
    counts,
    lose_first_answer,
    pay_card,
    pay_cash,
    scan,
    signed_in,
)
from tests.channels_app.support import receive, stock_row
from tests.shop.order_support import promotion

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop(db):
    store = factories.LocationFactory(code="st1", name="Store One", click_and_collect=True)
    clerk = factories.clerk(store=store)
    drawer_open(store=store, user=clerk, opening_float=Decimal("100.00"))
    mug = factories.VariantFactory(sku="MUG-1", price=Decimal("20.00"), barcode="4006381333931")
    cap = factories.VariantFactory(sku="CAP-1", price=Decimal("10.00"))
    last = factories.VariantFactory(sku="LAST-1", price=Decimal("15.00"))
    last.product.name = "Last Lamp"
    last.product.save()
    receive(store, mug, 5)
    receive(store, cap, 5)
    receive(store, last, 1)
    promotion(code="", kind="percentage", value="10.00")  # automatic: the till prices with it
    return {"store": store, "clerk": clerk, "mug": mug, "cap": cap, "last": last}


def web_shopper_buys_the_last_unit(store, last) -> Order:
    cart = cart_anonymous_new()
    cart_line_add(cart=cart, sku=last.sku, quantity=1, channel=Channel.WEB)
    details = CheckoutDetails(
        email="collector@example.com",
        fulfilment=Order.Fulfilment.COLLECT,
        payment_method=Payment.Method.PAY_AT_PICKUP,
        store=store,
    )
    return checkout_place(cart=cart, details=details, channel=Channel.WEB)


def test_the_till_sells_offline_and_every_sale_arrives_once(live_server, page, shop):
    store, mug, cap, last = shop["store"], shop["mug"], shop["cap"], shop["last"]
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    signed_in(page, live_server, shop["clerk"])
    page.goto(f"{live_server.url}/pos/offline/")
    app = page.locator("#till-app")
    expect(app).to_have_attribute("data-ready", "1")
    expect(page.locator("[data-snapshot-info]")).to_contain_text("3 items")
    expect(page.locator("[data-net]")).to_have_text("Online")
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    assert_accessible(page)

    page.context.set_offline(True)
    expect(page.locator("[data-net]")).to_contain_text("Offline")

    # 1. Two mugs by barcode, cash. The offline price is the server's price of the same sale.
    scan(page, "4006381333931")
    page.locator('[data-sku="MUG-1"] button[aria-label^="One more"]').click()
    online_total = pos_sale_price(lines=[(mug, 2)]).total
    assert online_total == Decimal("36.00")
    expect(page.locator("[data-total]")).to_have_text(re.compile(r"36\.00"))
    pay_cash(page, "50.00")
    expect(page.locator("[data-receipt-number]")).to_have_text("ST1-1-1")
    expect(page.locator("[data-receipt-sums]")).to_contain_text("14.00")  # change due
    page.get_by_role("button", name="New sale").click()

    # 2. The last lamp: a web shopper collects it meanwhile, the till sells it anyway (card).
    collect = web_shopper_buys_the_last_unit(store, last)
    assert stock_row(store, last) == (1, 1)
    scan(page, "lamp")
    page.get_by_role("button", name=re.compile("^Add Last Lamp")).click()
    pay_card(page, "TERM-77")
    expect(page.locator("[data-receipt-number]")).to_have_text("ST1-1-2")

    # 3. A cap, cash.
    scan(page, "CAP-1")
    pay_cash(page, "10.00")
    expect(page.locator("[data-receipt-number]")).to_have_text("ST1-1-3")
    assert counts(page) == ("3", "0", "0")
    screenshot(page, "till-offline-three-sales")
    assert Order.objects.filter(channel="pos").count() == 0  # nothing reached the server

    # The page is reloaded with no network: the service worker serves it, the outbox is kept.
    page.reload()
    expect(app).to_have_attribute("data-ready", "1")
    expect(page.locator("[data-net]")).to_contain_text("Offline")
    assert counts(page) == ("3", "0", "0")
    scan(page, "CAP-1")  # still sells: the catalogue is on the device
    expect(page.locator('[data-sku="CAP-1"]')).to_be_visible()
    page.locator('[data-sku="CAP-1"] button[aria-label^="Remove"]').click()

    page.context.set_offline(False)
    expect(page.locator('[data-count="sent"]')).to_have_text("3", timeout=20_000)
    assert counts(page) == ("0", "3", "0")
    expect(page.locator("[data-sync-list]")).to_contain_text("1 × LAST-1 not in stock")
    expect(page.locator("[data-discrepancies]")).to_contain_text("1 open stock discrepancy")
    screenshot(page, "till-sync-panel-after-reconnect")

    sales = TillSale.objects.select_related("order").order_by("sequence")
    assert [s.receipt_number for s in sales] == ["ST1-1-1", "ST1-1-2", "ST1-1-3"]
    assert all(s.created_offline_at is not None for s in sales)
    assert [s.order.total for s in sales] == [Decimal("36.00"), Decimal("13.50"), Decimal("9.00")]
    assert [s.price_difference for s in sales] == [Decimal("0.00")] * 3
    assert till_receipt_gaps(TillDevice.objects.get()) == []
    assert Order.objects.filter(channel="pos").count() == 3
    [discrepancy] = StockDiscrepancy.objects.all()
    assert (discrepancy.variant, discrepancy.quantity) == (last, 1)
    assert not Stock.objects.filter(on_hand__lt=0).exists()
    assert stock_row(store, last) == (1, 1)  # the collector's unit is still held
    assert Reservation.objects.get(order_line__order=collect).state == "active"
    assert stock_row(store, mug) == (3, 0)
    assert stock_row(store, cap) == (4, 0)
    assert errors == []


def test_closing_the_drawer_waits_for_the_outbox(live_server, page, shop):
    from shop.payments.models import CashDrawerSession

    signed_in(page, live_server, shop["clerk"])
    page.goto(f"{live_server.url}/pos/offline/")
    expect(page.locator("#till-app")).to_have_attribute("data-ready", "1")
    # The server cannot be reached for sales (a dead line on the way to it).
    page.route("**/api/pos/sales/", lambda route: route.abort())
    scan(page, "CAP-1")
    pay_cash(page, "20.00")
    expect(page.locator("[data-receipt-number]")).to_have_text("ST1-1-1")
    assert counts(page)[0] == "1"

    page.get_by_role("link", name="Drawer").click()
    page.get_by_label("Counted cash").fill("109.00")
    page.get_by_role("button", name="Close the till").click()
    expect(page.locator("[data-outbox-wait]")).to_contain_text("1 sale made on this till")
    screenshot(page, "drawer-close-waits-for-outbox")
    assert CashDrawerSession.objects.get().closed_at is None

    page.unroute("**/api/pos/sales/")
    expect(page.locator(".closing")).to_contain_text("The count matches", timeout=20_000)
    session = CashDrawerSession.objects.get()
    assert session.closed_at is not None
    assert session.payments.get().amount == Decimal("9.00")


def test_a_sale_whose_answer_was_lost_is_sent_again_and_recorded_once(live_server, page, shop):
    signed_in(page, live_server, shop["clerk"])
    page.goto(f"{live_server.url}/pos/offline/")
    expect(page.locator("#till-app")).to_have_attribute("data-ready", "1")
    delivered: list[int] = []
    page.route("**/api/pos/sales/", lose_first_answer(delivered))
    scan(page, "CAP-1")
    pay_card(page, "TERM-5")
    expect(page.locator('[data-count="sent"]')).to_have_text("1", timeout=20_000)
    assert delivered == [201, 201]
    assert TillSale.objects.count() == Order.objects.filter(channel="pos").count() == 1
    assert stock_row(shop["store"], shop["cap"]) == (4, 0)


def test_a_refused_sale_is_set_aside_then_sent_again(live_server, page, shop):
    from shop.payments.drawer import drawer_close, drawer_open_session

    store, clerk = shop["store"], shop["clerk"]
    signed_in(page, live_server, clerk)
    page.goto(f"{live_server.url}/pos/offline/")
    expect(page.locator("#till-app")).to_have_attribute("data-ready", "1")
    page.route("**/api/pos/sales/", lambda route: route.abort())
    scan(page, "CAP-1")
    pay_cash(page, "10.00")
    # The drawer was closed elsewhere before the sale arrived: cash cannot be taken.
    drawer_close(session=drawer_open_session(store=store), user=clerk, counted_cash=Decimal("100"))
    page.unroute("**/api/pos/sales/")
    expect(page.locator('[data-count="conflict"]')).to_have_text("1", timeout=20_000)
    expect(page.locator("[data-sync-list]")).to_contain_text("Conflicted")
    screenshot(page, "till-sync-panel-conflict")
    assert not TillSale.objects.exists()

    drawer_open(store=store, user=clerk, opening_float=Decimal("100.00"))
    page.get_by_role("button", name="Send ST1-1-1 again").click()
    expect(page.locator('[data-count="sent"]')).to_have_text("1", timeout=20_000)
    assert TillSale.objects.get().receipt_number == "ST1-1-1"


SLOW_SALES = """
(() => {
  const send = window.fetch;
  window.fetch = async (url, options) => {
    if (String(url).includes('/api/pos/sales/') && options && options.method === 'POST') {
      localStorage.setItem('salePosts', String(Number(localStorage.getItem('salePosts') || 0) + 1));
      await new Promise((resolve) => setTimeout(resolve, 3000));
    }
    return send(url, options);
  };
})();
"""


def test_one_tab_sends_the_outbox_at_a_time(live_server, page, shop):
    """Each tab counts the sales it posts (in the origin's localStorage, shared by the tabs)
    and its posts are slowed down: while one tab sends, the other's "Send now" posts nothing."""
    page.context.add_init_script(SLOW_SALES)
    signed_in(page, live_server, shop["clerk"])
    page.goto(f"{live_server.url}/pos/offline/")
    expect(page.locator("#till-app")).to_have_attribute("data-ready", "1")
    other = page.context.new_page()
    other.goto(f"{live_server.url}/pos/offline/")
    expect(other.locator("#till-app")).to_have_attribute("data-ready", "1")

    scan(page, "CAP-1")
    pay_card(page, "TERM-9")
    page.wait_for_function("localStorage.getItem('salePosts') === '1'")
    other.get_by_role("button", name="Send now").click()  # the first tab holds the lock
    expect(page.locator('[data-count="sent"]')).to_have_text("1", timeout=20_000)
    expect(other.locator('[data-count="sent"]')).to_have_text("1", timeout=20_000)
    assert page.evaluate("localStorage.getItem('salePosts')") == "1"
    assert TillSale.objects.count() == 1
