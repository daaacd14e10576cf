"""Split tenders in Chromium: at the till a gift card and cash with change, on the website a
gift card and a card; each page checked with axe-core (WCAG 2.1 AA) where the gift card is."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from shop.catalog.models import Product
from shop.orders.models import Order
from shop.payments.drawer import drawer_open
from shop.payments.stored_value import gift_card_by_code, gift_card_issue
from tests import factories
from tests.browser import REPO_ROOT, screenshot
from tests.channels_app.support import receive

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's password
AXE = REPO_ROOT / "static" / "vendor" / "axe-core" / "axe.min.js"


def axe_violations(page, selector: str) -> list[dict]:
    """WCAG 2.1 A and AA violations axe-core finds in the part of the page at `selector`."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """(selector) => axe.run(document.querySelector(selector), {
            runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}
        })""",
        selector,
    )
    return [
        {"id": v["id"], "nodes": [n["target"] for n in v["nodes"]]} for v in result["violations"]
    ]


@pytest.fixture
def shop(live_server, store, warehouse):
    bag = factories.VariantFactory(sku="BAG-30", price=Decimal("30.00"), product__name="Canvas bag")
    receive(store, bag, 5)
    receive(warehouse, bag, 5)
    return live_server.url


@pytest.fixture
def bag_slug(shop):
    return Product.objects.get(name="Canvas bag").slug


def test_a_gift_card_and_cash_with_change_at_the_till(shop, page, store, clerk):
    drawer_open(store=store, user=clerk, opening_float=Decimal("100.00"))
    code = gift_card_issue(amount=Decimal("50.00"), channel="api").code
    page.goto(f"{shop}/pos/")
    page.locator("input[name=login]").fill(clerk.username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{shop}/pos/")

    page.locator("form.scan input[name=code]").fill("BAG-30")
    page.locator("form.scan input[name=code]").press("Enter")
    expect(page.locator("#sale-total")).to_contain_text("30.00")
    page.get_by_text("Gift card", exact=True).click()
    page.get_by_label("Gift card code").fill(code)
    page.get_by_label("From the gift card").fill("12.00")
    page.locator("input[name=method][value=cash]").check()
    page.get_by_label("Cash tendered").fill("20.00")
    expect(page.locator("[data-change]")).to_have_text(re.compile(r"Change due: .*2\.00"))
    assert axe_violations(page, ".pay-form") == []
    screenshot(page, "till-gift-card-and-cash")
    page.locator("[data-pay-button]").click()

    expect(page.locator(".receipt")).to_be_visible()
    receipt = page.locator(".receipt-payment")
    expect(receipt).to_contain_text("Gift card")
    expect(receipt).to_contain_text(f"…{code[-4:]}")
    expect(receipt).to_contain_text("Change")
    screenshot(page, "till-gift-card-receipt")
    order = Order.objects.get()
    paid = order.payments.order_by("id").values_list("method", "amount", "change_due")
    assert list(paid) == [
        ("gift_card", Decimal("12.00"), None),
        ("cash", Decimal("18.00"), Decimal("2.00")),
    ]
    assert gift_card_by_code(code).balance == Decimal("38.00")


def test_a_gift_card_and_a_card_at_the_web_checkout(shop, bag_slug, page):
    code = gift_card_issue(amount=Decimal("10.00"), channel="api").code
    page.goto(f"{shop}/p/{bag_slug}/")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator(".cart-count")).to_have_text("1")
    page.goto(f"{shop}/checkout/")
    expect(page.get_by_role("button", name=re.compile(r"^Place order"))).to_be_visible()

    page.get_by_label("Email", exact=True).fill("ann@example.com")
    page.get_by_label("Full name").fill("Ann Example")
    page.get_by_label("Address").fill("1 Rue de la Paix")
    page.get_by_label("Postal code").fill("75002")
    page.get_by_label("City").fill("Paris")
    page.get_by_text("Pay part with a gift card").click()
    page.get_by_label("Gift card code").fill(code)
    page.get_by_label("Amount from the gift card").fill("10.00")
    assert axe_violations(page, ".gift-card-field") == []
    page.evaluate("window.scrollTo(0, 0)")  # the sticky header back at the top of the capture
    screenshot(page, "checkout-gift-card")
    page.get_by_role("button", name=re.compile(r"^Place order")).click()

    expect(page.get_by_role("heading", name=re.compile("Thank you"))).to_be_visible()
    order = Order.objects.get()
    paid = sorted(order.payments.values_list("method", "amount"))
    assert paid == [("card", Decimal("20.00")), ("gift_card", Decimal("10.00"))]
    assert gift_card_by_code(code).balance == Decimal("0.00")
