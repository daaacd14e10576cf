"""The "deliver it instead" link of a pick failure, opened in a browser that never saw the
shop: the customer confirms an address and sends the request."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from shop.channels import Channel
from shop.orders.delivery_choice import delivery_choice_link
from shop.orders.not_found import order_line_not_found
from shop.support.models import Ticket
from tests import factories
from tests.accessibility import assert_accessible
from tests.browser import screenshot
from tests.channels_app.support import receive
from tests.shop.order_support import collect_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_customer_asks_for_delivery_from_the_link(live_server, page, settings):
    settings.SITE_URL = live_server.url
    paris = factories.LocationFactory(code="paris", name="Paris", click_and_collect=True)
    shirt = factories.VariantFactory(sku="SHIRT", price=Decimal("30.00"), product__name="Shirt")
    cap = factories.VariantFactory(sku="CAP", price=Decimal("10.00"))
    receive(paris, shirt, 1)
    receive(paris, cap, 1)
    order = collect_order(paris, [(shirt, 1), (cap, 1)])
    order_line_not_found(order=order, sku="SHIRT", channel=Channel.POS)

    page.goto(delivery_choice_link(line=order.lines.get(sku="SHIRT")))

    expect(page.get_by_role("heading", name="Deliver it instead")).to_be_visible()
    expect(page.locator("main")).to_contain_text(f"of order {order.number} could not be found")
    page.get_by_label("Full name").fill("Ann Example")
    page.get_by_label("Address", exact=True).fill("5 Rue du Bac")
    page.get_by_label("Postal code").fill("75007")
    page.get_by_label("City").fill("Paris")
    assert_accessible(page)
    screenshot(page, "deliver-instead-form")
    page.get_by_role("button", name="Ask for delivery").click()

    expect(page.get_by_role("status")).to_contain_text("We have your request")
    screenshot(page, "deliver-instead-sent")
    assert_accessible(page)
    ticket = Ticket.objects.get()
    assert ticket.order == order
    assert ticket.number in page.locator("main").inner_text()
