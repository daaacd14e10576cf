"""The shop, the till and an email in French, in Chromium on the demo shop: a signed-in
shopper switches to French, checks out to their saved address with a paid delivery method,
and gets the confirmation in French; a clerk whose browser asks for French gets a French till."""

import html
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from playwright.sync_api import expect

from shop.catalog.models import Variant
from shop.customers.models import Address
from shop.customers.services import customer_for_user
from shop.orders.models import Order
from tests.browser import TIMEOUT_MS, VIEWPORT, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEE = "TEE-ORG-BLK-M"
AXE = Path(__file__).resolve().parents[2] / "static" / "vendor" / "axe-core" / "axe.min.js"
PASSWORD = "a-long-enough-Passw0rd"


def accessibility_violations(page) -> list[str]:
    """WCAG 2.1 A and AA rules of axe-core that the page breaks."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "() => axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']})"
    )
    return [f"{v['id']}: {[n['target'] for n in v['nodes']]}" for v in result["violations"]]


@pytest.fixture
def demo(live_server):
    call_command("load_demo", stdout=io.StringIO())


@pytest.fixture
def marie(demo):
    user = get_user_model().objects.create_user("marie", "marie@example.com", PASSWORD)
    Address.objects.create(
        customer=customer_for_user(user),
        name="Marie Curie",
        line1="12 rue des Écoles",
        postcode="75005",
        city="Paris",
        country="FR",
        is_default_shipping=True,
        is_default_billing=True,
    )
    return user


def test_french_checkout_with_a_saved_address_and_a_paid_method(live_server, page, marie):
    base = live_server.url
    page.goto(f"{base}/")
    page.locator("#language-select-site").select_option("fr")
    page.get_by_role("button", name="Change language").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("link", name="Aller au contenu")).to_be_attached()
    screenshot(page, "fr-shop-home")

    page.get_by_role("link", name="Se connecter").click()
    page.locator("input[name=login]").fill("marie")
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("link", name="Mes commandes")).to_be_visible()

    slug = Variant.objects.select_related("product").get(sku=TEE).product.slug
    page.goto(f"{base}/p/{slug}/")
    page.locator(f'input[name=sku][value="{TEE}"]').check()
    page.get_by_role("button", name="Ajouter au panier").click()
    expect(page).to_have_url(f"{base}/cart/")
    expect(page.locator(".grand-total dd")).to_have_text(re.compile(r"^24,90\s€$"))
    page.get_by_role("link", name="Commander").click()

    expect(page).to_have_url(f"{base}/checkout/")
    saved = page.locator(".saved-addresses")
    expect(saved).to_contain_text("12 rue des Écoles")
    expect(saved.locator("input[data-saved-address]").first).to_be_checked()
    methods = page.locator(".shipping-methods")
    expect(methods).to_contain_text("Colissimo")
    expect(methods).to_contain_text("4,90")
    page.get_by_role("radio", name=re.compile("Chronopost express")).check()
    # The summary follows the method picked.
    expect(page.locator("[data-delivery-amount]")).to_have_text(re.compile(r"^12,90\s€$"))
    expect(page.locator("[data-grand-total]")).to_have_text(re.compile(r"^37,80\s€$"))
    expect(methods).to_contain_text("Point relais, au poids")
    assert accessibility_violations(page) == []
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "fr-checkout")
    page.get_by_role("button", name=re.compile(r"^Passer la commande")).click()

    expect(page.get_by_role("heading", name="Merci, votre commande est passée")).to_be_visible()
    order = Order.objects.get()
    assert order.shipping_method_name == "Chronopost express"
    assert order.shipping_price == Decimal("12.90")
    assert order.total == Decimal("37.80")
    assert order.shipping_address["line1"] == "12 rue des Écoles"
    expect(page.locator(".totals")).to_contain_text("Livraison")
    expect(page.locator("address")).to_contain_text("France")
    screenshot(page, "fr-confirmation")

    page.goto(f"{base}/account/addresses/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes adresses")
    assert accessibility_violations(page) == []
    screenshot(page, "fr-addresses")

    [email] = [m for m in mail.outbox if order.number in m.subject]
    assert email.subject == f"Votre commande {order.number}"
    assert "37,80" in email.body
    page.set_content(
        f'<html lang="fr"><body style="font:16px sans-serif;margin:2rem">'
        f"<h1>{html.escape(email.subject)}</h1><pre>{html.escape(email.body)}</pre></body></html>"
    )
    screenshot(page, "fr-email-confirmation")


def test_till_in_french(live_server, chromium, demo):
    context = chromium.new_context(viewport=VIEWPORT, locale="fr-FR")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/pos/")
        page.locator("input[name=login]").fill("clerk-paris")
        page.locator("input[name=password]").fill("omnistore-clerk")
        page.get_by_role("button", name="Se connecter").click()
        expect(page).to_have_url(f"{live_server.url}/pos/")
        expect(page.locator("html")).to_have_attribute("lang", "fr")
        expect(page.get_by_role("navigation", name="Point de vente")).to_contain_text("Caisse")
        screenshot(page, "fr-till")
    finally:
        context.close()
