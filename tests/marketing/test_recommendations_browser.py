"""The product page's "Bought together" panel, loaded after the page, in Chromium."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from shop.marketing.recommendations import recommendations_build
from tests.browser import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
AXE = Path(__file__).resolve().parents[2] / "static" / "vendor" / "axe-core" / "axe.min.js"


def test_the_product_page_shows_what_is_bought_with_it(live_server, page, planted):
    recommendations_build()
    page.goto(f"{live_server.url}/p/p-a/")
    panel = page.get_by_role("region", name="Bought together")
    expect(panel).to_be_visible()
    expect(panel.get_by_role("link", name="C")).to_be_visible()
    expect(panel.get_by_role("link", name="D")).to_have_count(0)  # stocked nowhere
    screenshot(page, "product-bought-together")
    panel.get_by_role("link", name="C").click()
    expect(page).to_have_url(f"{live_server.url}/p/p-c/")
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(
        "async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21aa']}))"
        ".violations.map(v => v.id)"
    )
    assert violations == []
