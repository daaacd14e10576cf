"""The offline till in French, in Chromium: what its script writes (the network badge, the
catalogue line, the change due, the receipt's note, the outbox's statuses) reads in French, and
still does once the page is reloaded with no network, from the service worker's copy of the
scripts' catalogue."""

import pytest
from django.conf import settings
from playwright.sync_api import expect

from channels_app.js_catalogue import catalogue_url
from tests.browser import screenshot
from tests.channels_app.offline_till_support import assert_accessible, open_store, signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OFFLINE = "Hors ligne : les ventes et les comptages sont gardés sur cette caisse"


@pytest.fixture
def shop(db):
    return open_store("Magasin Un", {"TASSE-1": "12.00", "BOL-1": "8.00"})


def scan(page, code: str) -> None:
    page.get_by_label("Scanner ou chercher").fill(code)
    page.get_by_label("Scanner ou chercher").press("Enter")


def test_the_offline_till_speaks_french_with_and_without_the_network(live_server, page, shop):
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    signed_in(page, live_server, shop["clerk"])
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "fr", "url": live_server.url}]
    )
    page.goto(f"{live_server.url}/pos/offline/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("#till-app")).to_have_attribute("data-ready", "1")
    expect(page.locator("[data-net]")).to_have_text("En ligne")
    expect(page.locator("[data-snapshot-info]")).to_contain_text("2 articles, prix du")
    page.wait_for_function("navigator.serviceWorker.controller !== null")

    # The worker kept the French catalogue when it installed, before any page asked for it.
    kept = page.evaluate("async (url) => !!(await caches.match(url))", catalogue_url("fr"))
    assert kept

    page.context.set_offline(True)
    expect(page.locator("[data-net]")).to_have_text(OFFLINE)
    page.reload()
    expect(page.locator("#till-app")).to_have_attribute("data-ready", "1")
    expect(page.locator("[data-net]")).to_have_text(OFFLINE)
    # A page kept from before a new catalogue names an older version: today's stands in.
    older = page.evaluate("async () => (await fetch('/jsi18n/0123456789ab/fr.js')).text()")
    assert "Hors ligne" in older

    scan(page, "TASSE-1")
    expect(page.locator("[data-pay-button]")).to_have_text("Encaisser · 12,00\xa0€")
    expect(page.locator(".sale-line")).to_contain_text("5 disponible(s) ici")
    page.locator("label.toggle-option", has_text="Espèces").click()
    page.get_by_label("Espèces remises").fill("20")
    expect(page.locator("[data-change-due]")).to_have_text("Monnaie à rendre 8,00\xa0€")
    page.locator("[data-pay-button]").click()
    expect(page.locator("[data-receipt-note]")).to_have_text(
        "Faite hors ligne : gardée sur cette caisse et envoyée au retour du réseau."
    )
    expect(page.locator("[data-sync-list] .badge")).to_have_text("En attente d’envoi")
    screenshot(page, "fr-offline-till")
    assert_accessible(page)
    assert errors == []

    page.context.set_offline(False)
    page.locator("[data-sync-now]").click()
    expect(page.locator("[data-sync-list] .badge")).to_have_text("Envoyée")
    expect(page.locator("[data-net]")).to_have_text("En ligne")
