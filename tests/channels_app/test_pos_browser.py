"""The clerk's pages in Chromium, on the demo shop, as clerk-paris: a cart saved on the web is
loaded at the till by its handoff code and sold for cash; a click-and-collect order goes ready
then collected on the pickup desk; a shipped web order is returned and restocked at the store,
and a whole delivery order's return gives its delivery back."""

import io
import re
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import expect

from carts.checkout import CheckoutDetails, checkout_place
from carts.models import Cart
from carts.services import cart_anonymous_new, cart_line_add
from channels_app.management.commands.load_demo import CLERK_PASSWORD
from inventory.models import Location, Reservation, Stock, StockMovement
from inventory.selectors import availability_at
from shop.catalog.models import Variant
from shop.channels import Channel
from shop.orders.models import Order, Return
from shop.orders.services import order_mark_shipped
from shop.payments.drawer import drawer_open
from shop.payments.models import Payment
from tests.accessibility import assert_accessible
from tests.browser import TIMEOUT_MS, VIEWPORT, _call_failed, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CLERK = "clerk-paris"
PARIS = "Omnistore Paris Marais"


@pytest.fixture
def demo(live_server):
    """The demo shop, in the live server's (transactional) database."""
    call_command("load_demo", stdout=io.StringIO())


@pytest.fixture
def paris(demo) -> Location:
    return Location.objects.get(code="paris")


@pytest.fixture
def page_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


@pytest.fixture
def shopper_page(request, chromium):
    """A second browser context: the shopper's own browser, next to the clerk's `page`
    (screenshot on failure, as `page` does)."""
    context = chromium.new_context(viewport=VIEWPORT)
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    shopper = context.new_page()
    try:
        yield shopper
        if request.node.stash.get(_call_failed, False) and not shopper.is_closed():
            screenshot(shopper, f"FAILED-{request.node.nodeid}-shopper")
    finally:
        context.close()


def on_hand(location: Location, sku: str) -> int:
    row = Stock.objects.filter(location=location, variant__sku=sku).first()
    return row.on_hand if row else 0


def log_in_as_clerk(page, base: str) -> None:
    page.goto(f"{base}/pos/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/pos/$"))
    page.locator("input[name=login]").fill(CLERK)
    page.locator("input[name=password]").fill(CLERK_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base}/pos/")
    expect(page.locator(".pos-store")).to_have_text(PARIS)


def place_order(paris, lines: dict[str, int], *, collect: bool) -> Order:
    """A web order through the checkout service: collect at Paris paid at pickup, or
    delivered and paid by card."""
    cart = cart_anonymous_new()
    for sku, quantity in lines.items():
        cart_line_add(cart=cart, sku=sku, quantity=quantity, channel=Channel.WEB)
    if collect:
        details = CheckoutDetails(
            email="collector@example.com",
            fulfilment=Order.Fulfilment.COLLECT,
            payment_method=Payment.Method.PAY_AT_PICKUP,
            store=paris,
        )
    else:
        details = CheckoutDetails(
            email="receiver@example.com",
            fulfilment=Order.Fulfilment.DELIVERY,
            payment_method=Payment.Method.CARD,
            card_token="tok_visa",
            shipping_address={
                "name": "Léa Dubois",
                "line1": "3 rue de la Paix",
                "postcode": "75002",
                "city": "Paris",
                "country": "France",
            },
        )
    return checkout_place(cart=cart, details=details, channel=Channel.WEB)


# --- (a) the shopper's saved cart, sold at the till ----------------------------------------

SOLD_SKU = "TEE-BRT-NVY-M"  # Breton Striped T-shirt, 34.90; the demo gives Paris 11


def test_web_cart_is_loaded_by_its_code_and_sold_for_cash(
    live_server, paris, page, shopper_page, page_errors
):
    base = live_server.url
    before = on_hand(paris, SOLD_SKU)
    [variant] = Variant.objects.filter(sku=SOLD_SKU)
    available = availability_at(location=paris, variants=[variant])[variant.pk]
    assert available >= 2

    # The shopper, in their own browser: two Breton tees in the cart, then the cart's code.
    shop = shopper_page
    shop.goto(f"{base}/p/breton-striped-t-shirt/")
    shop.get_by_role("radio", name=re.compile(r"^Navy \/ M\b")).check()
    shop.get_by_label("Quantity").fill("2")
    shop.get_by_role("button", name="Add to cart").click()
    expect(shop).to_have_url(f"{base}/cart/")
    expect(shop.locator(".cart-lines .line")).to_have_count(1)
    expect(shop.locator(".grand-total dd")).to_have_text("€69.80")
    code = shop.locator(".handoff-code").inner_text().strip()
    cart = Cart.objects.get(handoff_code=code, status=Cart.Status.OPEN)

    # The clerk opens the till with a float: cash needs an open drawer.
    log_in_as_clerk(page, base)
    expect(page.locator(".pos-bar .badge")).to_have_text("Till closed")
    page.get_by_role("navigation", name="Point of sale").get_by_role("link", name="Drawer").click()
    expect(page.get_by_label("Float")).to_have_value("150.00")
    page.get_by_role("button", name="Open the till").click()
    expect(page.locator(".pos-messages")).to_contain_text(f"The till at {PARIS} is open.")
    expect(page.locator(".pos-bar .badge")).to_have_text("Till open")

    # The code typed into the scan box loads the cart.
    page.get_by_role("navigation", name="Point of sale").get_by_role("link", name="Till").click()
    page.get_by_label("Scan or search").fill(code.lower())
    page.get_by_label("Scan or search").press("Enter")
    expect(page.locator(".pos-messages")).to_contain_text(f"Cart {code} loaded.")
    expect(page.locator(".loaded-cart")).to_contain_text(f"Cart {code} is loaded.")
    line = page.locator(".sale-lines .sale-line")
    expect(line).to_have_count(1)
    expect(line.locator(".sku")).to_have_text(SOLD_SKU)
    expect(line.get_by_label("Quantity", exact=True)).to_have_value("2")
    expect(line.locator(".line-stock")).to_contain_text(f"{available} available here")
    expect(page.locator("#sale-total")).to_have_text("€69.80")
    screenshot(page, "pos-till-loaded-cart")

    # Cash: 100 handed over, the change shows as the clerk types, then one click sells.
    expect(page.get_by_role("radio", name="Cash")).to_be_checked()
    page.get_by_label("Cash tendered").fill("100")
    expect(page.locator("[data-change]")).to_have_text(re.compile(r"Change due: €30\.20"))
    pay = page.locator("[data-pay-button]")
    expect(pay).to_have_text(re.compile(r"Confirm · change €30\.20"))
    screenshot(page, "pos-till-cash-tendered", full_page=False)
    pay.click()

    expect(page).to_have_url(re.compile(r"/pos/receipts/OS-[A-Z0-9]+/$"))
    order = Order.objects.get(channel=Channel.POS)
    receipt = page.locator(".receipt")
    expect(receipt.locator(".receipt-title")).to_have_text("Receipt")
    expect(receipt.locator(".receipt-meta")).to_contain_text(order.number)
    expect(receipt.locator(".receipt-lines tbody tr")).to_have_count(1)
    expect(receipt.locator(".receipt-lines")).to_contain_text("2 × Breton Striped T-shirt")
    expect(receipt.locator(".receipt-sums .grand").first).to_contain_text("€69.80")
    payment_sums = receipt.locator(".receipt-payment")
    expect(payment_sums).to_contain_text("Tendered€100.00")
    expect(payment_sums.locator(".grand")).to_have_text(re.compile(r"Change\s*€30\.20"))
    screenshot(page, "pos-receipt")

    # The database: a completed store sale at Paris, paid in cash through the open drawer.
    assert (order.store, order.status, order.fulfilment) == (paris, "completed", "in_store")
    assert order.staff_user == get_user_model().objects.get(username=CLERK)
    assert [(li.sku, li.quantity) for li in order.lines.all()] == [(SOLD_SKU, 2)]
    assert order.total == Decimal("69.80")
    [payment] = order.payments.all()
    assert (payment.method, payment.status) == (Payment.Method.CASH, Payment.Status.CAPTURED)
    assert (payment.tendered, payment.change_due) == (Decimal("100.00"), Decimal("30.20"))
    assert payment.drawer_session is not None
    assert payment.drawer_session.store == paris
    assert on_hand(paris, SOLD_SKU) == before - 2
    sale = StockMovement.objects.get(order=order)
    assert (sale.kind, sale.location, sale.quantity) == (StockMovement.Kind.SALE, paris, -2)
    cart.refresh_from_db()
    assert cart.status == Cart.Status.OPEN
    assert not cart.lines.exists()
    assert cart.handoff_code != code  # a fresh code for the shopper's next visit

    # The shopper's cart page is empty now.
    shop.reload()
    expect(shop.get_by_role("heading", name="Your cart is empty")).to_be_visible()
    assert page_errors == []


# --- (b) the pickup desk: ready, then collected --------------------------------------------


def test_collect_order_goes_ready_then_collected_on_the_pickup_desk(
    live_server, paris, page, page_errors
):
    base = live_server.url
    lines = {"KNT-MER-NVY-M": 1, "BAG-MKT-BLU": 2}  # 79.00 + 2 × 19.90
    order = place_order(paris, lines, collect=True)
    before = {sku: on_hand(paris, sku) for sku in lines}
    clerk = get_user_model().objects.get(username=CLERK)
    drawer = drawer_open(store=paris, user=clerk, opening_float=Decimal("100.00"))
    assert order.status == Order.Status.PLACED
    assert set(
        Reservation.objects.filter(order_line__order=order).values_list("location", "state")
    ) == {(paris.pk, "active")}

    log_in_as_clerk(page, base)
    page.get_by_role("navigation", name="Point of sale").get_by_role("link", name="Pickups").click()
    expect(page).to_have_url(f"{base}/pos/pickups/")
    to_pick = page.locator("#queue-to_pick")
    card = to_pick.locator(".order-card").filter(has_text=order.number)
    expect(card).to_have_count(1)
    expect(card).to_contain_text("collector@example.com")
    expect(card.locator(".order-lines li")).to_have_count(2)
    expect(card.locator(".order-pay")).to_contain_text("To pay at pickup: €118.80")
    screenshot(page, "pos-pickups-to-pick")

    card.get_by_role("button", name="Mark ready").click()
    expect(page.locator(".pos-messages")).to_contain_text(
        f"{order.number} is ready: the customer is told."
    )
    expect(to_pick.locator(".order-card")).to_have_count(0)
    ready = page.locator("#queue-ready .order-card").filter(has_text=order.number)
    expect(ready).to_have_count(1)
    expect(ready.locator(".badge-status")).to_have_text("Ready for pickup")
    expect(ready.get_by_role("button", name="Mark ready")).to_have_count(0)
    screenshot(page, "pos-pickups-ready")
    order.refresh_from_db()
    assert order.status == Order.Status.READY_FOR_PICKUP

    # Handing over: the page asks the clerk to take the money first.
    dialogs: list[str] = []

    def accept(dialog):
        dialogs.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    ready.get_by_role("button", name="Mark collected").click()
    expect(page.locator(".pos-messages")).to_contain_text(f"{order.number} was collected.")
    assert dialogs == [f"Take €118.80 from the customer before handing over {order.number}."]
    collected = page.locator("#queue-collected .order-card").filter(has_text=order.number)
    expect(collected).to_have_count(1)
    expect(collected.locator(".badge-status")).to_have_text("Collected")
    expect(collected.locator(".order-pay")).to_contain_text("Paid €118.80")
    expect(page.locator("#queue-ready .order-card")).to_have_count(0)
    screenshot(page, "pos-pickups-collected")

    order.refresh_from_db()
    assert order.status == Order.Status.COLLECTED
    commits = StockMovement.objects.filter(order=order).select_related("variant", "location")
    assert sorted((m.kind, m.variant.sku, m.location.code, m.quantity) for m in commits) == [
        (StockMovement.Kind.RESERVATION_COMMIT, "BAG-MKT-BLU", "paris", -2),
        (StockMovement.Kind.RESERVATION_COMMIT, "KNT-MER-NVY-M", "paris", -1),
    ]
    assert all(m.channel == Channel.POS and m.user == clerk for m in commits)
    assert set(
        Reservation.objects.filter(order_line__order=order).values_list("state", flat=True)
    ) == {Reservation.State.COMMITTED}
    assert {sku: on_hand(paris, sku) for sku in lines} == {
        sku: before[sku] - quantity for sku, quantity in lines.items()
    }
    [payment] = order.payments.all()
    assert (payment.method, payment.status, payment.amount) == (
        Payment.Method.CASH,
        Payment.Status.CAPTURED,
        Decimal("118.80"),
    )
    assert payment.drawer_session == drawer
    assert page_errors == []


# --- (c) returns: a shipped web order brought back at the store ----------------------------

RETURNED_SKU = "TEE-POC-ECR-M"  # Pocket T-shirt, 27.90


def test_shipped_web_order_is_returned_and_restocked_at_the_store(
    live_server, paris, page, page_errors
):
    base = live_server.url
    order = order_mark_shipped(
        order=place_order(paris, {RETURNED_SKU: 2, "BAG-MKT-ECR": 1}, collect=False)
    )
    assert order.status == Order.Status.SHIPPED
    before = on_hand(paris, RETURNED_SKU)
    bag_before = on_hand(paris, "BAG-MKT-ECR")

    log_in_as_clerk(page, base)
    page.get_by_role("navigation", name="Point of sale").get_by_role("link", name="Returns").click()
    expect(page).to_have_url(f"{base}/pos/returns/")
    expect(page.get_by_text("No returns at this store yet.")).to_be_visible()
    page.get_by_label("Order number").fill(order.number.removeprefix("OS-").lower())
    page.get_by_role("button", name="Open").click()

    expect(page).to_have_url(f"{base}/pos/returns/{order.number}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Return from {order.number}")
    expect(page.locator(".lead")).to_contain_text("Shipped")
    rows = page.locator(".stock-table tbody tr")
    expect(rows).to_have_count(2)
    tee = rows.filter(has_text=RETURNED_SKU)
    expect(tee.locator("td.num").first).to_have_text("2")
    tee.get_by_label(re.compile("^Return how many")).fill("1")
    expect(page.get_by_role("radio", name="Yes, resellable")).to_be_checked()
    expect(page.get_by_role("radio", name="Original payment method")).to_be_checked()
    expect(page.locator("main")).to_contain_text("Paid with: Card online")
    screenshot(page, "pos-return-form")
    page.get_by_role("button", name="Record the return and refund").click()

    record = Return.objects.get(order=order)
    expect(page).to_have_url(f"{base}/pos/returns/done/{record.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Return recorded · {order.number}")
    expect(page.locator(".big-number")).to_have_text("€27.90")
    expect(page.locator("main")).to_contain_text(f"Back on the shelf at {PARIS}.")
    stock_row = page.locator(".stock-table tbody tr").filter(has_text=RETURNED_SKU)
    expect(stock_row.locator("td.num").first).to_have_text(str(before + 1))
    screenshot(page, "pos-return-done")

    assert on_hand(paris, RETURNED_SKU) == before + 1
    assert on_hand(paris, "BAG-MKT-ECR") == bag_before
    assert (record.store, record.restock, record.refund_amount) == (paris, True, Decimal("27.90"))
    movement = StockMovement.objects.get(kind=StockMovement.Kind.RETURN, order=order)
    assert (movement.location, movement.variant.sku, movement.quantity) == (paris, RETURNED_SKU, 1)
    line = order.lines.get(sku=RETURNED_SKU)
    assert line.returned_quantity == 1
    [refund] = record.refunds.all()
    assert (refund.status, refund.amount, refund.method) == (
        Payment.Status.REFUNDED,
        Decimal("27.90"),
        Payment.Method.CARD,
    )

    # The returns screen lists it among this store's latest returns.
    page.get_by_role("link", name="Next return").click()
    latest = page.locator(".history li").filter(has_text=order.number)
    expect(latest).to_contain_text("−€27.90")
    screenshot(page, "pos-returns")
    assert page_errors == []


def test_returning_a_whole_delivery_order_refunds_its_delivery(
    live_server, paris, page, page_errors
):
    """Under the free-delivery threshold the order paid for delivery: the return of its last
    unit gives it back, as the form says beforehand and the return's page after."""
    base = live_server.url
    order = order_mark_shipped(order=place_order(paris, {"BAG-MKT-ECR": 1}, collect=False))
    assert order.shipping_price > 0
    delivery = f"€{order.shipping_price}"

    log_in_as_clerk(page, base)
    page.goto(f"{base}/pos/returns/{order.number}/")
    expect(page.locator("main")).to_contain_text(
        f"Delivery ({delivery}, VAT included) is given back with the last item that comes back."
    )
    expect(page.get_by_label("Give the delivery charge back with this return")).not_to_be_checked()
    page.get_by_label(re.compile("^Return how many")).fill("1")
    assert_accessible(page)
    screenshot(page, "pos-return-form-delivery")
    page.get_by_role("button", name="Record the return and refund").click()

    record = Return.objects.get(order=order)
    expect(page).to_have_url(f"{base}/pos/returns/done/{record.pk}/")
    expect(page.locator(".big-number")).to_have_text(f"€{order.total}")
    expect(page.locator("main")).to_contain_text(f"Delivery refunded · {delivery}")
    screenshot(page, "pos-return-done-delivery")
    assert (record.refund_amount, record.shipping_amount) == (order.total, order.shipping_price)
    assert page_errors == []
