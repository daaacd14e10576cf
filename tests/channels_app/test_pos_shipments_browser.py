"""In Chromium: a clerk of a shipping store opens a delivery order from the till's shipping
queue, marks one item not found (it will ship from another store), then ships the rest."""

import re
from decimal import Decimal

import pytest
from django.core import mail
from playwright.sync_api import expect

from inventory import services
from shop.orders.models import Order
from shop.shipping.models import Shipment
from tests import factories
from tests.accessibility import assert_accessible
from tests.browser import screenshot
from tests.shop.order_support import delivery_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's


def located(code, name, lat, lon):
    return factories.LocationFactory(
        code=code,
        name=name,
        ships_online=True,
        click_and_collect=True,
        latitude=Decimal(lat),
        longitude=Decimal(lon),
    )


def receive(location, variant, units):
    services.stock_receive(location=location, lines=[services.StockLine(variant, units)])


def test_not_found_then_shipped_from_the_till(live_server, page):
    paris = located("paris", "Paris Marais", "48.85900", "2.35900")
    lyon = located("lyon", "Lyon", "45.76404", "4.83566")
    factories.clerk(store=paris, username="clerk-paris")
    shirt = factories.VariantFactory(sku="SHIRT-M", price=Decimal("30.00"))
    cap = factories.VariantFactory(sku="CAP-1", price=Decimal("10.00"))
    receive(paris, shirt, 1)
    receive(paris, cap, 1)
    order = delivery_order([(shirt, 1), (cap, 1)], email="ann@example.com")
    receive(lyon, shirt, 2)
    base = live_server.url

    page.goto(f"{base}/accounts/login/?next=/pos/shipments/")
    page.locator("input[name=login]").fill("clerk-paris")
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base}/pos/shipments/")
    expect(page.get_by_role("link", name="Shipments")).to_have_attribute("aria-current", "page")
    assert_accessible(page)

    page.get_by_role("link", name=order.number).click()
    expect(page.get_by_role("heading", name=f"Ship {order.number}")).to_be_visible()
    page.get_by_role("link", name=re.compile(r"^Not found.*SHIRT-M")).click()
    question = page.get_by_role("heading", name=f"SHIRT-M not found for {order.number}?")
    expect(question).to_be_visible()
    assert_accessible(page)
    screenshot(page, "shipment-not-found-confirm")
    page.get_by_role("button", name="Confirm: not found").click()

    expect(page.get_by_text("SHIRT-M will ship from Lyon instead")).to_be_visible()
    expect(page.get_by_text("1 more unit ships from another location")).to_be_visible()
    picks = page.locator(".pick-lines")
    expect(picks).to_contain_text("CAP-1")
    expect(picks).not_to_contain_text("SHIRT-M")
    expect(page.locator(".order-timeline")).to_contain_text("not found at Paris Marais")
    assert_accessible(page)
    screenshot(page, "shipment-after-not-found")

    page.get_by_label("Carrier").select_option("colissimo")
    page.get_by_label("Tracking number").fill("6A0001")
    page.get_by_role("button", name="Mark shipped").click()

    expect(page).to_have_url(f"{base}/pos/shipments/")
    expect(page.get_by_text(f"This part of {order.number} has left")).to_be_visible()
    expect(page.get_by_text("Nothing to ship from here.")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "shipments-after-shipped")

    shipment = Shipment.objects.get()
    assert (shipment.shipped_from, shipment.tracking_number) == (paris, "6A0001")
    order.refresh_from_db()
    assert order.status == Order.Status.PLACED  # the shirt still leaves from Lyon
    assert len([m for m in mail.outbox if "on its way" in m.subject]) == 1
