"""The kiosk on a 1080×1920 portrait screen in Chromium, on the demo shop: a shopper browses,
orders for collection here, hands a cart to their phone, and a screen left alone starts again."""

import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from carts.models import Cart
from inventory.models import Location
from shop.orders.models import Order
from tests.accessibility import assert_accessible
from tests.browser import screenshot
from tests.channels_app.kiosk_support import kiosk_token

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PORTRAIT = {"width": 1080, "height": 1920}
TEE = "Organic Cotton Crew T-shirt"


@pytest.fixture
def wall(live_server, chromium):
    """The Paris wall screen, enrolled with its token."""
    call_command("load_demo", stdout=io.StringIO())
    _, token = kiosk_token(Location.objects.get(code="paris"))
    context = chromium.new_context(viewport=PORTRAIT, has_touch=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/kiosk/paris/")
    expect(page).to_have_url(re.compile(r"/kiosk/paris/enrol/$"))
    page.get_by_label("Kiosk token").fill(token)
    page.get_by_role("button", name="Enrol this screen").click()
    expect(page).to_have_url(f"{live_server.url}/kiosk/paris/")
    yield page
    context.close()


def test_browse_and_order_for_collection_here(live_server, wall):
    page = wall
    expect(page.locator(".kiosk-card")).to_have_count(12)
    screenshot(page, "kiosk-start", full_page=False)

    page.get_by_label("Search the whole catalogue").fill("crew")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name=re.compile(TEE)).click()
    stock = page.locator("#kiosk-stock")
    expect(stock).to_contain_text("Here:")
    expect(stock).to_contain_text("Online:")
    expect(stock).to_contain_text("Omnistore Lyon")
    box = page.get_by_role("button", name="Add to cart").bounding_box()
    assert box["height"] >= 88  # a touch target for a finger at arm's length
    screenshot(page, "kiosk-product", full_page=False)

    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator(".kiosk-line")).to_have_count(1)
    page.get_by_role("link", name="Order: collect or delivery").click()
    page.get_by_label("Email, for the confirmation").fill("wall.shopper@example.com")
    screenshot(page, "kiosk-checkout", full_page=False)
    page.get_by_role("button", name="Place the order").click()

    expect(page.locator("h1")).to_contain_text("Thank you: order")
    order = Order.objects.get(email="wall.shopper@example.com")
    assert (order.channel, order.fulfilment, order.store.code) == ("kiosk", "collect", "paris")
    assert_accessible(page)
    screenshot(page, "kiosk-done", full_page=False)


def test_hand_the_cart_to_a_phone(live_server, wall, chromium):
    page = wall
    page.get_by_label("Search the whole catalogue").fill("crew")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name=re.compile(TEE)).click()
    page.get_by_role("button", name="Add to cart").click()
    page.get_by_role("link", name=re.compile("Take this cart")).click()
    qr = page.locator(".kiosk-qr svg")
    expect(qr).to_be_visible()
    code = page.locator("[data-handoff-code]").inner_text()
    assert Cart.objects.filter(handoff_code=code, status="open").exists()
    screenshot(page, "kiosk-handoff", full_page=False)

    take_url = page.locator(".kiosk-qr").get_attribute("data-take-url")
    path = take_url.split("/kiosk/take/", 1)[1]
    phone = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    try:
        mobile = phone.new_page()
        mobile.goto(f"{live_server.url}/kiosk/take/{path}")
        expect(mobile.locator(".cart-lines")).to_contain_text(TEE)
        screenshot(mobile, "kiosk-handoff-phone", full_page=False)
    finally:
        phone.close()


def test_an_idle_screen_clears_its_cart_and_starts_again(live_server, wall, settings):
    settings.KIOSK_IDLE_SECONDS = 3
    page = wall
    page.get_by_label("Search the whole catalogue").fill("crew")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name=re.compile(TEE)).click()
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator(".kiosk-line")).to_have_count(1)

    # untouched: back to the start with a new session, the cart no longer on screen
    expect(page).to_have_url(f"{live_server.url}/kiosk/paris/", timeout=10_000)
    page.get_by_role("link", name="Cart").click()
    expect(page.locator(".kiosk-empty")).to_contain_text("The cart is empty")
    screenshot(page, "kiosk-after-idle", full_page=False)
