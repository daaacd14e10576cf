"""axe-core (WCAG 2.1 A and AA) on the shopper's pages, the till's and the kiosk's, in
Chromium against the demo shop: zero violations."""

import io

import pytest
from django.core.management import call_command

from inventory.models import Location
from tests.accessibility import assert_accessible
from tests.browser import screenshot
from tests.channels_app.kiosk_support import kiosk_token

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PRODUCT = "/p/organic-cotton-crew-t-shirt/"


@pytest.fixture
def demo(live_server):
    call_command("load_demo", stdout=io.StringIO())


def visit(page, url: str) -> None:
    page.goto(url)
    page.wait_for_load_state("networkidle")


def test_shopper_pages(live_server, page, demo):
    base = live_server.url
    for path in ["/", "/c/knitwear/", "/search/?q=merino", PRODUCT, "/cart/", "/contact/"]:
        visit(page, base + path)
        assert_accessible(page)
        screenshot(page, "a11y-shopper" + path.replace("/", "-").replace("?", "-"))
    page.goto(base + PRODUCT)
    page.get_by_role("button", name="Add to cart").click()
    visit(page, base + "/checkout/")
    assert_accessible(page)
    screenshot(page, "a11y-checkout")


def test_clerk_pages(live_server, page, demo):
    base = live_server.url
    visit(page, base + "/accounts/login/")
    assert_accessible(page)
    page.locator("input[name=login]").fill("clerk-paris")
    page.locator("input[name=password]").fill("omnistore-clerk")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("networkidle")
    for path in [
        "/pos/",
        "/pos/customers/?q=camille",
        "/pos/pickups/",
        "/pos/returns/",
        "/pos/drawer/",
        "/pos/endless-aisle/",
    ]:
        visit(page, base + path)
        assert_accessible(page)
    screenshot(page, "a11y-pos")


def test_kiosk_pages(live_server, chromium, demo):
    context = chromium.new_context(viewport={"width": 1080, "height": 1920})
    page = context.new_page()
    try:
        store = Location.objects.get(code="paris")
        _, token = kiosk_token(store)
        base = f"{live_server.url}/kiosk/paris"
        visit(page, base + "/enrol/")
        assert_accessible(page)
        page.get_by_label("Kiosk token").fill(token)
        page.get_by_role("button", name="Enrol this screen").click()
        page.wait_for_load_state("networkidle")
        for path in ["/", "/?category=shoes", "/?q=zzz", "/p/organic-cotton-crew-t-shirt/"]:
            visit(page, base + path)
            assert_accessible(page)
        page.get_by_role("button", name="Add to cart").click()
        page.wait_for_load_state("networkidle")
        assert_accessible(page)
        for path in ["/checkout/", "/cart/handoff/"]:
            visit(page, base + path)
            assert_accessible(page)
    finally:
        context.close()
