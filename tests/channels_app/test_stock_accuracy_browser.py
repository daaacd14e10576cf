"""In Chromium: a clerk counts a shelf at the till while the till sells, and marks a
click-and-collect item "not found" at the desk, which re-sources it from the nearest store."""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from inventory import services
from inventory.models import Stock, StockMovement
from shop.channels import Channel
from shop.orders.models import Order
from tests import factories
from tests.browser import screenshot
from tests.shop.order_support import collect_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's
AXE = Path(__file__).resolve().parents[2] / "static" / "vendor" / "axe-core" / "axe.min.js"


def on_hand(location, variant) -> int:
    return Stock.objects.get(location=location, variant=variant).on_hand


def log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/?next=/pos/")
    page.locator("input[name=login]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base}/pos/")


def assert_accessible(page) -> None:
    """axe-core (vendored) finds no WCAG 2.1 A/AA violation on the page."""
    page.add_script_tag(content=AXE.read_text())
    result = page.evaluate(
        "() => axe.run(document, {runOnly: {type: 'tag', values:"
        " ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
    )
    violations = [(v["id"], [n["target"] for n in v["nodes"]]) for v in result["violations"]]
    assert violations == []


@pytest.fixture
def paris(db):
    return factories.LocationFactory(
        code="paris",
        name="Paris Marais",
        click_and_collect=True,
        latitude=Decimal("48.85900"),
        longitude=Decimal("2.35900"),
    )


def test_a_count_at_the_till_while_the_till_sells(live_server, page, paris):
    factories.clerk(store=paris, username="clerk-paris")
    scarf = factories.VariantFactory(sku="SCARF-RED", barcode="4006381333931")
    services.stock_receive(location=paris, lines=[services.StockLine(scarf, 10)])
    log_in(page, live_server.url, "clerk-paris")

    page.get_by_role("link", name="Count").click()
    expect(page.get_by_role("heading", name="Stock count")).to_be_visible()
    page.get_by_label("Barcode or SKU").fill("4006381333931")
    page.get_by_label("Units found").fill("5")
    page.get_by_role("button", name="Count", exact=True).click()
    page.get_by_label("Barcode or SKU").fill("SCARF-RED")
    page.get_by_label("Units found").fill("3")
    page.get_by_role("button", name="Count", exact=True).click()
    expect(page.get_by_label("Units of SCARF-RED")).to_have_value("8")
    assert_accessible(page)
    screenshot(page, "count-at-the-till")

    # While the clerk counts, the till sells two scarves off the shelf already counted.
    services.stock_sell(location=paris, lines=[services.StockLine(scarf, 2)], channel=Channel.POS)

    page.get_by_role("button", name="Record the count").click()
    expect(page).to_have_url(re.compile(r"/pos/counts/\d+/$"))
    expect(page.get_by_role("heading", name="0 of 1 item matched the record")).to_be_visible()
    row = page.locator("tbody tr").first
    expect(row.locator("td.num").nth(0)).to_have_text("10")
    expect(row.locator("td.num").nth(1)).to_have_text("8")
    expect(row.locator("td.num").nth(2)).to_have_text("-2")
    assert_accessible(page)
    screenshot(page, "count-recorded")

    # Two missing, two sold: six left, and the ledger says so.
    assert on_hand(paris, scarf) == 6
    adjustment = StockMovement.objects.get(kind="adjustment")
    assert (adjustment.quantity, adjustment.reason) == (-2, "count")


def test_not_found_at_the_desk_comes_from_the_nearest_store(live_server, page, paris):
    factories.clerk(store=paris, username="clerk-paris")
    lyon = factories.LocationFactory(
        code="lyon", name="Lyon", latitude=Decimal("45.76404"), longitude=Decimal("4.83566")
    )
    lille = factories.LocationFactory(
        code="lille", name="Lille", latitude=Decimal("50.62925"), longitude=Decimal("3.05726")
    )
    boots = factories.VariantFactory(sku="BOOTS-42", price=Decimal("89.00"))
    for location, units in ((paris, 1), (lyon, 3), (lille, 2)):
        services.stock_receive(location=location, lines=[services.StockLine(boots, units)])
    order = collect_order(paris, [(boots, 1)], email="ann@example.com")
    log_in(page, live_server.url, "clerk-paris")

    page.goto(f"{live_server.url}/pos/pickups/{order.number}/")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name=re.compile(r"^Not found.*BOOTS-42")).click()

    expect(page.get_by_text("BOOTS-42 comes from Lille")).to_be_visible()
    timeline = page.locator(".order-timeline")
    expect(timeline).to_contain_text("1 × BOOTS-42 not found at Paris Marais")
    expect(timeline).to_contain_text("transferred from Lille")
    expect(page.get_by_text("Ready by", exact=True)).to_be_visible()
    assert_accessible(page)
    screenshot(page, "not-found-at-the-desk")

    order.refresh_from_db()
    assert order.status == Order.Status.PLACED
    assert order.ready_by is not None
    assert on_hand(lille, boots) == 1
    assert on_hand(paris, boots) == 1  # the missing one written off, the transferred one in
    assert order.lines.get().reservations.filter(state="active", location=paris).exists()
