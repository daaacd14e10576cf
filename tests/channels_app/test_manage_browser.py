"""The manager dashboard in Chromium: a manager signs in (password, then the authenticator
code), sees the six charts drawn by the vendored Chart.js with their tables, changes the
attribution model, downloads a table as CSV, and the page passes axe-core's WCAG 2.1 AA rules.
Nothing is fetched from another host."""

import csv
import io
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from inventory.counts import CountedLine, stock_count_record
from shop.channels import Channel
from shop.marketing.rollups import reports_refresh
from tests import factories
from tests.browser import screenshot
from tests.channels_app.support import receive
from tests.marketing.support import bulk_reminders
from tests.shop.measure_support import bulk_orders, place_fixture

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "static" / "vendor" / "axe-core" / "axe.min.js"
CHARTS = (
    "chart-daily", "chart-channel-store", "chart-campaigns", "chart-stock-value",
    "chart-reminders", "chart-accuracy-daily",
)  # fmt: skip


@pytest.fixture
def shop(live_server):
    store = factories.LocationFactory(code="st1", name="Store One", click_and_collect=True)
    warehouse = factories.LocationFactory(
        code="wh", name="Warehouse", kind="warehouse", ships_online=True
    )
    place_fixture(store=store, warehouse=warehouse)
    bulk_orders(60, store=store)
    bulk_reminders(40, first=0)
    reports_refresh()
    counted = [factories.VariantFactory(sku=f"COUNT-{n}") for n in range(4)]
    for variant in counted:
        receive(store, variant, 5)
    stock_count_record(
        location=store,
        started_at=timezone.now(),
        lines=[CountedLine(v, 5 if n else 3) for n, v in enumerate(counted)],
        channel=Channel.POS,
    )
    user = factories.with_totp(factories.manager(username="boss"))
    return user


def sign_in(page, base: str) -> None:
    page.goto(f"{base}/manage/")
    page.locator("input[name=login]").fill("boss")
    page.locator("input[name=password]").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base}/accounts/2fa/authenticate/")
    page.locator("input[name=code]").fill(factories.totp_code())
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(f"{base}/manage/")


def painted(page, canvas_id: str) -> int:
    """How many pixels of the canvas are not transparent: 0 for a chart never drawn."""
    return page.evaluate(
        """(id) => {
            const canvas = document.getElementById(id);
            const context = canvas.getContext("2d");
            const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
            let n = 0;
            for (let i = 3; i < data.length; i += 4) if (data[i]) n++;
            return n;
        }""",
        canvas_id,
    )


def test_the_dashboard_draws_its_charts_and_downloads_csv(live_server, shop, page):
    base = live_server.url
    requested: list[str] = []
    errors: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.on("pageerror", lambda error: errors.append(str(error)))

    sign_in(page, base)
    expect(page.get_by_role("heading", name="Sales by channel")).to_be_visible()
    for canvas in CHARTS:
        expect(page.locator(f"#{canvas}")).to_have_attribute("data-drawn", "1")
        assert painted(page, canvas) > 1000, canvas
    details = page.get_by_role("region", name="Channels, sources and stores")
    expect(details).to_contain_text("Organic search")
    expect(details).to_contain_text("€33.33")
    screenshot(page, "manage-dashboard-last-touch")
    reminders = page.get_by_role("region", name="Cart reminders and what they recovered")
    expect(reminders).to_contain_text("Recovered revenue")
    page.locator("#chart-reminders").scroll_into_view_if_needed()
    screenshot(page, "manage-dashboard-reminders", full_page=False)
    accuracy = page.get_by_role("region", name="Stock accuracy per location")
    expect(accuracy).to_contain_text("75.0 %")
    page.locator("#chart-accuracy-daily").scroll_into_view_if_needed()
    screenshot(page, "manage-dashboard-accuracy", full_page=False)

    page.get_by_label("Attribution").select_option("linear")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"/manage/\?from=.*&model=linear"))
    expect(details).to_contain_text("€16.67")  # the newsletter's linear share
    screenshot(page, "manage-dashboard-linear", full_page=False)

    with page.expect_download() as download_info:
        page.locator("a[href^='/manage/export/channels.csv']").click()
    download = download_info.value
    assert download.suggested_filename.startswith("channels-")
    assert download.suggested_filename.endswith("-linear.csv")
    rows = list(csv.reader(io.StringIO(Path(download.path()).read_text())))
    assert rows[0] == ["Channel", "Source", "Store", "Orders", "Revenue", "Returns", "Net"]
    assert ["Email", "newsletter", "web (no store)", "1", "16.67", "0.00", "16.67"] in rows

    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(
        """async () => (await axe.run(document, {runOnly: {type: "tag",
            values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})).violations
            .map(v => v.id + ": " + v.nodes.map(n => n.target.join(" ")).join(", "))"""
    )
    assert violations == []
    assert errors == []
    hosts = {
        urlsplit(url).hostname for url in requested if urlsplit(url).scheme in ("http", "https")
    }
    assert hosts <= {"localhost", "127.0.0.1"}
