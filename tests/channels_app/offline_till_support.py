"""Driving the offline till in Chromium: signing the clerk in, scanning, paying, reading the
sync panel and checking a page with axe-core."""

from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.test import Client

from shop.payments.drawer import drawer_open
from tests import factories
from tests.channels_app.support import receive

AXE = Path(settings.BASE_DIR) / "static" / "vendor" / "axe-core" / "axe.min.js"


def open_store(name: str, prices: dict[str, str]) -> dict:
    """Store st1 with its clerk and an open till, and 5 units of each SKU of `prices` there:
    `{"store", "clerk", sku: variant}`."""
    store = factories.LocationFactory(code="st1", name=name)
    clerk = factories.clerk(store=store)
    drawer_open(store=store, user=clerk, opening_float=Decimal("100.00"))
    variants = {}
    for sku, price in prices.items():
        variants[sku] = factories.VariantFactory(sku=sku, price=Decimal(price))
        receive(store, variants[sku], 5)
    return {"store": store, "clerk": clerk, **variants}


def signed_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def scan(page, code: str) -> None:
    page.get_by_label("Scan or search").fill(code)
    page.get_by_label("Scan or search").press("Enter")


def pay_cash(page, tendered: str) -> None:
    page.locator("label.toggle-option", has_text="Cash").click()
    page.get_by_label("Cash tendered").fill(tendered)
    page.locator("[data-pay-button]").click()


def pay_card(page, reference: str) -> None:
    page.locator("label.toggle-option", has_text="Card").click()
    page.get_by_label("Terminal reference").fill(reference)
    page.locator("[data-pay-button]").click()


def lose_first_answer(answers: list[int]):
    """A route handler: the server gets every request and answers, but its first answer never
    reaches the till (the line dropped on the way back); `answers` collects the statuses."""

    def handle(route):
        response = route.fetch()
        answers.append(response.status)
        if len(answers) == 1:
            route.abort()
        else:
            route.fulfill(response=response)

    return handle


def counts(page) -> tuple[str, str, str]:
    return tuple(
        page.locator(f'[data-count="{status}"]').inner_text()
        for status in ("pending", "sent", "conflict")
    )


def assert_accessible(page) -> None:
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(
        "async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', "
        "'wcag21aa']})).violations.map(v => v.id + ': ' + v.nodes.map(n => n.target).join(' '))"
    )
    assert violations == [], violations
