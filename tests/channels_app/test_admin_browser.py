"""The back office in Chromium, on the demo shop: the manager logs in to the admin, receives
units through the stock admin action, and reads the API docs, whose Swagger UI must come from
the installed sidecar package (no CDN)."""

import io
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from channels_app.management.commands.load_demo import MANAGER
from inventory.models import Stock, StockMovement
from shop.channels import Channel
from tests.browser import screenshot

pytestmark = pytest.mark.browser

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}
#: A demo SKU that the warehouse always stocks.
SKU = "TEE-ORG-WHT-M"
REFERENCE = "PO-2024-0042"


@pytest.fixture
def demo(live_server):
    """The demo shop, in the live server's (transactional) database."""
    call_command("load_demo", stdout=io.StringIO())


@pytest.fixture
def requested_urls(page) -> list[str]:
    """Every URL the page requests from now on, including scripts, styles, fonts and XHRs."""
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    return urls


@pytest.fixture
def page_errors(page) -> list[str]:
    """Uncaught JavaScript exceptions in the page."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def not_local(urls: list[str]) -> list[str]:
    return [
        url
        for url in urls
        if urlsplit(url).scheme not in {"data", "blob"}
        and urlsplit(url).hostname not in LOCAL_HOSTS
    ]


def log_in_as_manager(page, base_url: str) -> None:
    username, password = MANAGER
    page.goto(f"{base_url}/admin/")
    expect(page).to_have_url(f"{base_url}/admin/login/?next=/admin/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{base_url}/admin/")


def test_manager_receives_units_through_the_stock_admin(
    live_server, demo, page, requested_urls, page_errors
):
    base = live_server.url
    stock = Stock.objects.select_related("variant", "location").get(
        variant__sku=SKU, location__code="warehouse"
    )
    on_hand = stock.on_hand

    log_in_as_manager(page, base)
    for section in ("Inventory", "Orders"):
        expect(
            page.locator("#content-main caption").get_by_role("link", name=section)
        ).to_be_visible()

    page.locator("#content-main").get_by_role("link", name="Stocks").click()
    expect(page).to_have_url(f"{base}/admin/inventory/stock/")
    expect(page.locator("#result_list tbody tr").first).to_be_visible()
    expect(page.locator(".paginator")).to_contain_text(f"{Stock.objects.count()} stocks")
    # Room for every column at 1280 px (the choice is kept in localStorage for the next pages).
    page.get_by_role("button", name="Toggle navigation").click()
    page.evaluate("window.scrollTo(0, 0)")  # the click scrolled the button into view
    screenshot(page, "admin-stock-list", full_page=False)  # the first rows; 100 on the page

    page.locator("#searchbar").fill(SKU)
    page.locator("#searchbar").press("Enter")
    row = page.locator("#result_list tbody tr").filter(
        has=page.locator(f'input[name="_selected_action"][value="{stock.pk}"]')
    )
    expect(row).to_contain_text(stock.location.name)
    expect(row.locator("td.field-on_hand")).to_have_text(str(on_hand))
    row.get_by_role("checkbox").check()
    page.locator('select[name="action"]').select_option(label="Receive units")
    page.locator('button[name="index"]').click()  # "Run" (Django 6), was "Go"

    # The intermediate form, for the one selected row.
    expect(page.get_by_role("heading", name="Receive units")).to_be_visible()
    expect(page.locator("#content")).to_contain_text(
        f"{SKU} at {stock.location.name}: {on_hand} on hand"
    )
    page.get_by_label("Quantity").fill("5")
    page.get_by_label("Reference").fill(REFERENCE)
    page.get_by_role("button", name="Receive units").click()

    expect(page.locator(".messagelist li")).to_have_text("Receive units: 1 row(s) updated.")
    expect(row.locator("td.field-on_hand")).to_have_text(str(on_hand + 5))
    screenshot(page, "admin-stock-received")

    stock.refresh_from_db()
    assert stock.on_hand == on_hand + 5
    movement = StockMovement.objects.get(reference=REFERENCE)
    assert (movement.kind, movement.quantity) == (StockMovement.Kind.RECEIPT, 5)
    assert (movement.location_id, movement.variant_id) == (stock.location_id, stock.variant_id)
    assert movement.channel == Channel.BACKOFFICE
    assert movement.user.username == MANAGER[0]

    assert not_local(requested_urls) == []
    assert page_errors == []


def test_api_docs_render_from_local_assets(live_server, demo, page, requested_urls, page_errors):
    base = live_server.url
    log_in_as_manager(page, base)

    page.goto(f"{base}/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Omnistore API")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    page.wait_for_load_state("networkidle")
    screenshot(page, "api-docs")

    assert not_local(requested_urls) == []
    paths = {urlsplit(url).path for url in requested_urls}
    assert "/api/schema/" in paths
    assert any(path.startswith("/static/drf_spectacular_sidecar/") for path in paths), paths
    assert page_errors == []
