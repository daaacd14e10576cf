"""The back office in Chromium, on the demo shop: the manager signs in to the admin (allauth's
sign-in, then the authenticator-app code; a manager without one enrols first), receives units
through the stock admin action, and reads the API docs, whose Swagger UI must come from the
installed sidecar package (no CDN)."""

import io
from urllib.parse import urlsplit

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import expect

from channels_app.management.commands.load_demo import MANAGER
from inventory.models import Stock, StockMovement
from shop.channels import Channel
from tests import factories
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
def enrolled(demo):
    """The demo manager with an authenticator app, as the back office requires."""
    return factories.with_totp(get_user_model().objects.get(username=MANAGER[0]))


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


def sign_in(page, base_url: str) -> None:
    """From the admin to allauth's sign-in page, with the demo manager's password."""
    username, password = MANAGER
    page.goto(f"{base_url}/admin/")
    expect(page).to_have_url(f"{base_url}/accounts/login/?next=%2Fadmin%2F")
    page.locator("input[name=login]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.get_by_role("button", name="Sign in").click()


def enter_code(page, secret: str = factories.TOTP_SECRET) -> None:
    page.locator("input[name=code]").fill(factories.totp_code(secret))
    page.get_by_role("button", name="Sign In").click()


def log_in_as_manager(page, base_url: str) -> None:
    """The manager (enrolled) signs in: password, then the authenticator app's code."""
    sign_in(page, base_url)
    expect(page).to_have_url(f"{base_url}/accounts/2fa/authenticate/")
    enter_code(page)
    expect(page).to_have_url(f"{base_url}/admin/")


def test_manager_receives_units_through_the_stock_admin(
    live_server, enrolled, page, requested_urls, page_errors
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


def test_api_docs_render_from_local_assets(
    live_server, enrolled, page, requested_urls, page_errors
):
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


def test_manager_without_an_authenticator_enrols_before_the_admin_opens(
    live_server, demo, page, page_errors
):
    base = live_server.url
    username, password = MANAGER

    sign_in(page, base)

    # Sent to enrol; allauth first asks for the password again.
    expect(page).to_have_url(
        f"{base}/accounts/reauthenticate/?next=%2Faccounts%2F2fa%2Ftotp%2Factivate%2F"
    )
    expect(page.locator(".messages")).to_contain_text("The back office needs two-factor")
    page.locator("input[name=password]").fill(password)
    page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(f"{base}/accounts/2fa/totp/activate/")
    expect(page.get_by_role("heading", name="Activate Authenticator App")).to_be_visible()
    expect(page.locator("img.totp-qr")).to_be_visible()
    screenshot(page, "mfa-enrol")

    page.goto(f"{base}/admin/")  # not yet: still sent to enrol
    expect(page).to_have_url(f"{base}/accounts/2fa/totp/activate/")
    secret = page.locator("#authenticator_secret").input_value()
    page.locator("input[name=code]").fill(factories.totp_code(secret))
    page.get_by_role("button", name="Activate").click()

    expect(page).to_have_url(f"{base}/accounts/2fa/recovery-codes/")
    expect(page.locator("#recovery_codes")).not_to_be_empty()
    screenshot(page, "mfa-recovery-codes")
    page.get_by_role("link", name="Continue to the back office").click()
    expect(page).to_have_url(f"{base}/admin/")
    expect(page.locator("#content-main")).to_be_visible()
    assert Authenticator.objects.filter(user__username=username, type="totp").exists()
    assert page_errors == []


def test_manager_with_an_authenticator_gives_its_code(live_server, enrolled, page, page_errors):
    base = live_server.url
    sign_in(page, base)

    expect(page).to_have_url(f"{base}/accounts/2fa/authenticate/")
    expect(page.get_by_role("heading", name="Two-Factor Authentication")).to_be_visible()
    screenshot(page, "mfa-code")
    page.locator("input[name=code]").fill("000000")
    page.get_by_role("button", name="Sign In").click()
    expect(page.locator(".field-error, .alert-error")).to_contain_text("Incorrect code")
    page.goto(f"{base}/admin/")  # no way round the code: the sign-in leads back to it
    expect(page).to_have_url(f"{base}/accounts/2fa/authenticate/")

    enter_code(page)

    expect(page).to_have_url(f"{base}/admin/")
    expect(page.locator("#user-tools")).to_contain_text(MANAGER[0])
    screenshot(page, "mfa-admin")
    assert page_errors == []


def test_manager_reads_a_customers_overview_and_timeline(live_server, enrolled, page, page_errors):
    from shop.customers.models import Customer, CustomerEvent
    from shop.customers.services import customer_event_record

    base = live_server.url
    customer = Customer.objects.create(name="Ann Example", email="ann@example.com")
    for n in range(3):
        customer_event_record(
            customer=customer,
            kind=CustomerEvent.Kind.PRODUCT_VIEWED,
            channel=Channel.WEB,
            payload={"product": f"tee-{n}", "name": f"Tee {n}"},
        )
    customer_event_record(
        customer=customer,
        kind=CustomerEvent.Kind.POS_SALE,
        channel=Channel.POS,
        payload={"order": "OS-TILL01", "total": "19.90"},
    )
    log_in_as_manager(page, base)

    page.goto(f"{base}/admin/customers/customer/{customer.pk}/change/")
    page.get_by_role("link", name="Timeline and overview").click()

    expect(page.get_by_role("heading", name="Lifetime spend per channel")).to_be_visible()
    rows = page.locator(".timeline tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.first).to_contain_text("Bought in store for 19.90 EUR (order OS-TILL01)")
    screenshot(page, "admin-customer-timeline")
    page.locator(".timeline-filters").get_by_role("link", name="Web storefront").click()
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("Viewed Tee 2")
    assert page_errors == []
