"""The shopper's website in Chromium, on the demo shop: an anonymous shopper fills a cart,
signs up (the cart survives), checks out click-and-collect paid at pickup, and finds the order
in their account."""

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import expect

from carts.models import Cart
from inventory.models import Reservation
from inventory.selectors import availability_for_variants
from shop.catalog.models import Variant
from shop.orders.models import Order
from shop.payments.models import Payment
from tests.browser import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PARIS = "Omnistore Paris Marais"
LYON = "Omnistore Lyon Presqu'île"
#: In the demo stock, Paris holds both; Lyon has the beanie but no black tee in M.
TEE = "TEE-ORG-BLK-M"
BEANIE = "ACC-BNE-NVY"
EMAIL = "new.shopper@example.com"
PASSWORD = "a-long-enough-Passw0rd"


@pytest.fixture
def demo(live_server):
    """The demo shop, in the live server's (transactional) database."""
    call_command("load_demo", stdout=io.StringIO())


@pytest.fixture
def page_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def cart_rows(page) -> list[tuple[str, str]]:
    """(SKU, quantity) of every line on the cart page."""
    lines = page.locator(".cart-lines .line")
    return [
        (
            lines.nth(i).locator(".sku").inner_text(),
            lines.nth(i).locator("input[name=quantity]").input_value(),
        )
        for i in range(lines.count())
    ]


def test_shopper_fills_a_cart_signs_up_and_collects_at_a_store(
    live_server, demo, page, page_errors
):
    base = live_server.url
    available = availability_for_variants(
        variants=list(Variant.objects.filter(sku__in=[TEE, BEANIE]))
    )
    assert available[TEE].locations["paris"] >= 1
    assert available[BEANIE].locations["paris"] >= 1
    assert available[TEE].locations["lyon"] == 0 < available[BEANIE].locations["lyon"]

    # Home → T-shirts → the organic tee; pick black, size M.
    page.goto(f"{base}/")
    page.get_by_role("navigation", name="Categories").get_by_role("link", name="T-shirts").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("T-shirts")
    page.get_by_role("link", name=re.compile("Organic Cotton Crew T-shirt")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Organic Cotton Crew T-shirt")
    page.get_by_role("radio", name=re.compile(r"^Black \/ M\b")).check()
    tee_stock = page.locator(f'[data-availability="{TEE}"]')
    expect(tee_stock).to_be_visible()
    expect(page.locator('[data-availability="TEE-ORG-WHT-S"]')).to_be_hidden()
    expect(tee_stock).to_contain_text(f"In stock at {PARIS} — collect today")
    expect(tee_stock).to_contain_text(f"Out of stock at {LYON}")
    expect(tee_stock).to_contain_text(f"{available[TEE].online} left online")
    screenshot(page, "shop-product")
    page.get_by_role("button", name="Add to cart").click()
    expect(page).to_have_url(f"{base}/cart/")
    expect(page.locator(".messages")).to_contain_text("Added 1 × Organic Cotton Crew T-shirt")

    # The search box → the beanie in navy.
    page.get_by_role("searchbox", name="Search products").fill("beanie")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name=re.compile("Ribbed Merino Beanie")).click()
    page.get_by_role("radio", name=re.compile(r"^Navy\b")).check()
    expect(page.locator(f'[data-availability="{BEANIE}"]')).to_contain_text(f"In stock at {PARIS}")
    page.get_by_role("button", name="Add to cart").click()
    expect(page).to_have_url(f"{base}/cart/")

    # The cart: both lines, a total and the code (and QR code) to finish in store.
    expected_lines = sorted([(TEE, "1"), (BEANIE, "1")])
    expect(page.locator(".cart-lines .line")).to_have_count(2)
    assert sorted(cart_rows(page)) == expected_lines
    expect(page.locator(".grand-total dd")).to_have_text("€53.90")  # 24.90 + 29.00
    expect(page.locator(".cart-count")).to_have_text("2")
    handoff = page.locator(".handoff-code").inner_text()
    assert re.fullmatch(r"[A-Z0-9]{6,12}", handoff), handoff
    expect(page.locator(".handoff-qr svg")).to_be_visible()
    screenshot(page, "shop-cart")
    cart_id = Cart.objects.get(handoff_code=handoff, status=Cart.Status.OPEN).pk

    # Sign up: email and the password twice. The anonymous cart becomes the customer's.
    page.get_by_role("link", name="Sign in").click()
    page.get_by_role("link", name="Create an account").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create an account")
    page.get_by_label("Email", exact=True).fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label(re.compile(r"^Password \(again\)")).fill(PASSWORD)
    screenshot(page, "shop-signup")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("link", name="My orders")).to_be_visible()
    user = get_user_model().objects.get(email=EMAIL)

    page.get_by_role("link", name=re.compile(r"^Cart")).click()
    expect(page).to_have_url(f"{base}/cart/")
    expect(page.locator(".cart-lines .line")).to_have_count(2)
    assert sorted(cart_rows(page)) == expected_lines
    cart = Cart.objects.get(status=Cart.Status.OPEN, customer__user=user)
    assert cart.pk == cart_id  # adopted, not copied

    # Checkout: click and collect, only at the store that has every line; pay at pickup.
    page.get_by_role("link", name="Checkout").click()
    expect(page).to_have_url(f"{base}/checkout/")
    expect(page.locator("#id_email")).to_have_value(EMAIL)
    page.get_by_role("radio", name=re.compile("Click and collect")).check()
    stores = page.locator(".store-list .choice")
    expect(stores).to_have_count(1)
    expect(stores).to_contain_text(PARIS)
    expect(page.locator(".store-list")).not_to_contain_text("Lyon")
    expect(page.get_by_role("radio", name=re.compile(PARIS))).to_be_checked()
    page.get_by_role("radio", name=re.compile("Pay at pickup")).check()
    expect(page.locator("[data-when-payment=card]")).to_be_hidden()
    page.evaluate("window.scrollTo(0, 0)")  # the sticky header back at the top of the capture
    screenshot(page, "shop-checkout")
    page.get_by_role("button", name=re.compile(r"^Place order")).click()

    expect(page.get_by_role("heading", name="Thank you, your order is placed")).to_be_visible()
    order = Order.objects.get()
    expect(page).to_have_url(f"{base}/orders/{order.number}/")
    expect(page.locator(".confirmation .order-number")).to_have_text(order.number)
    expect(page.locator("#pickup-title + p")).to_contain_text(PARIS)
    expect(page.locator(".order-table").first.locator("tbody tr")).to_have_count(2)
    expect(page.locator(".cart-count")).to_have_text("0")
    screenshot(page, "shop-confirmation")

    # The account's order history.
    page.get_by_role("link", name="My orders").click()
    expect(page).to_have_url(f"{base}/account/orders/")
    row = page.locator(".order-row").filter(has_text=order.number)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(f"Online, collect at {PARIS}")
    expect(row).to_contain_text("Placed")
    expect(row).to_contain_text("€53.90")
    screenshot(page, "shop-order-history")

    # The database agrees.
    assert (order.fulfilment, order.store.code, order.status) == ("collect", "paris", "placed")
    assert order.customer.user == user
    assert order.email == EMAIL
    assert sorted((line.sku, line.quantity) for line in order.lines.all()) == [
        (BEANIE, 1),
        (TEE, 1),
    ]
    reservations = Reservation.objects.filter(order_line__order=order).select_related("variant")
    assert sorted((r.variant.sku, r.quantity, r.location.code, r.state) for r in reservations) == [
        (BEANIE, 1, "paris", "active"),
        (TEE, 1, "paris", "active"),
    ]
    assert all(r.expires_at is not None for r in reservations)
    [payment] = order.payments.all()
    assert (payment.method, payment.status) == (Payment.Method.PAY_AT_PICKUP, "pending")
    cart.refresh_from_db()
    assert cart.status == Cart.Status.OPEN
    assert not cart.lines.exists()
    assert page_errors == []
