"""Store credit at the till in Chromium: the attached customer's credit pays part of the sale,
cash the rest with the change worked out live; the page checked with axe-core."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from shop.orders.models import Order
from shop.payments.drawer import drawer_open
from shop.payments.stored_value import (
    store_credit_account,
    store_credit_balance,
    stored_value_credit,
)
from tests import factories
from tests.accessibility import assert_accessible
from tests.browser import screenshot
from tests.catalog_support import add_picture
from tests.channels_app.support import receive

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's password


def test_store_credit_and_cash_with_change_at_the_till(live_server, page, store, clerk):
    bag = factories.VariantFactory(sku="BAG-30", price=Decimal("30.00"), product__name="Canvas bag")
    receive(store, bag, 5)
    add_picture(bag.product)
    ann = factories.CustomerFactory(email="ann@example.com", name="Ann Credit")
    stored_value_credit(
        account=store_credit_account(customer=ann), amount=Decimal("10.00"), channel="pos"
    )
    drawer_open(store=store, user=clerk, opening_float=Decimal("100.00"))
    page.goto(f"{live_server.url}/pos/")
    page.locator("input[name=login]").fill(clerk.username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.locator("form.scan input[name=code]").fill("BAG-30")
    page.locator("form.scan input[name=code]").press("Enter")
    expect(page.locator(".sale-line .pos-thumb")).to_have_count(1)
    page.locator("#customer-q").fill("ann@example.com")
    page.locator("#customer-q").press("Enter")
    page.get_by_role("button", name="Attach").click()
    page.get_by_label("Use store credit").check()
    page.locator("input[name=method][value=cash]").check()
    page.get_by_label("Cash tendered").fill("50.00")

    expect(page.locator("[data-change]")).to_have_text(re.compile(r"Change due: .*30\.00"))
    assert_accessible(page)
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "till-store-credit-and-cash", full_page=False)
    page.locator("[data-pay-button]").click()

    expect(page.locator(".receipt")).to_be_visible()
    screenshot(page, "till-store-credit-receipt")
    paid = Order.objects.get().payments.order_by("id").values_list("method", "amount")
    assert list(paid) == [("store_credit", Decimal("10.00")), ("cash", Decimal("20.00"))]
    assert store_credit_balance(customer=ann) == Decimal("0.00")
