"""The till, the pickup desk, the counts, the kiosk and the dashboard read in French from top to
bottom: no English label left in what a French-speaking clerk, shopper or manager reads (the
page's text and the labels of its controls)."""

import html
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from shop.channels import Channel
from shop.marketing.rollups import reports_refresh
from shop.orders import services as order_services
from shop.payments.drawer import drawer_open
from shop.support.services import ticket_open
from tests import factories
from tests.channels_app.kiosk_support import enrolled_client
from tests.channels_app.support import receive
from tests.channels_app.test_pos_pages import collect_order
from tests.conftest import admin_client
from tests.shop.measure_support import place_fixture

pytestmark = pytest.mark.django_db
FRENCH = {"accept-language": "fr"}


@pytest.fixture(autouse=True)
def _english_after():
    yield
    translation.activate(settings.LANGUAGE_CODE)


def readable(response) -> str:
    """What a person reads on the page: its text and its controls' labels, not its markup."""
    assert response.status_code == 200, response.status_code
    page = response.content.decode()
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    labels = re.findall(r'(?:aria-label|placeholder|title|alt|data-confirm)="([^"]*)"', page)
    text = re.sub(r"<[^>]+>", " ", page)
    return html.unescape(" ".join([text, *labels]))


@pytest.fixture
def desk(store, clerk, variant):
    receive(store, variant, 20)
    drawer_open(store=store, user=clerk, opening_float=Decimal("100.00"))
    waiting = collect_order(store, variant)
    ready = collect_order(store, variant)
    order_services.order_mark_ready(order=ready, channel="pos")
    return {"waiting": waiting, "ready": ready}


@pytest.fixture
def french_clerk(client, clerk):
    client.force_login(clerk)
    return client


#: Words of the pages' own English text; none is in the test data (product, store and customer
#: names), so any of them on a French page is a label left untranslated.
ENGLISH = re.compile(
    r"\b(the|and|of|is|are|was|from|with|for|Add|Remove|Mark|Take|Cash|Gift|Pending|Picking"
    r"|Shelf|found|counted|Offline|Online|stores|Assigned|Waiting|Reload|storefront|Pay"
    r"|Quantity|Start|Linear|touch|collected|channels|Email|Postcode|City|Country|Skipped)\b"
)


def english_left(page: str) -> list[str]:
    return sorted({match.group(0) for match in ENGLISH.finditer(page)})


@pytest.fixture
def shop_in_use(desk, store, clerk, variant):
    """A sale on the till, collect orders at the desk, a service request, a customer."""
    customer = factories.CustomerFactory(name="Anne", email="anne@example.com")
    ticket = ticket_open(
        subject="Fermeture cassée", body="Bonjour", channel=Channel.WEB, customer=customer
    )
    return {**desk, "customer": customer, "ticket": ticket}


def clerk_pages(data, store, variant) -> list[str]:
    waiting, ready = data["waiting"].number, data["ready"].number
    return [
        "/pos/",
        "/pos/pickups/",
        f"/pos/pickups/{waiting}/",
        f"/pos/pickups/{ready}/",
        "/pos/pickups/pick-list/",
        "/pos/counts/",
        "/pos/drawer/",
        "/pos/returns/",
        f"/pos/returns/{ready}/",
        "/pos/endless-aisle/",
        "/pos/customers/",
        f"/pos/customers/{data['customer'].pk}/",
        "/pos/tickets/",
        f"/pos/tickets/{data['ticket'].number}/",
        "/pos/offline/",
        f"/pos/receipts/{waiting}/",
    ]


def test_the_till_and_the_desk_read_in_french(french_clerk, shop_in_use, store, variant):
    french_clerk.post("/pos/sale/scan/", {"store": store.code, "code": variant.sku}, headers=FRENCH)
    assert english_left(readable(french_clerk.get("/pos/"))) != []  # the same page in English
    left = {}
    for path in clerk_pages(shop_in_use, store, variant):
        words = english_left(readable(french_clerk.get(path, headers=FRENCH)))
        if words:
            left[path] = words
    assert left == {}


def test_french_labels_the_till_and_the_desk_once_missed(french_clerk, shop_in_use, store, variant):
    french_clerk.post("/pos/sale/scan/", {"store": store.code, "code": variant.sku}, headers=FRENCH)
    till = readable(french_clerk.get("/pos/", headers=FRENCH))
    assert "Espèces ou carte pour le reste." in till
    assert "Commencer une nouvelle vente ?" in till
    assert "Sur le ticket du terminal de paiement" in till
    desk = readable(french_clerk.get("/pos/pickups/", headers=FRENCH))
    assert "À préparer" in desk  # the queues
    assert "Encaissez 19,90\xa0€ auprès du client avant de remettre" in desk
    pickup_url = f"/pos/pickups/{shop_in_use['waiting'].number}/"
    assert "Pay at pickup · Pending" in readable(french_clerk.get(pickup_url))  # English stays
    pickup = readable(french_clerk.get(pickup_url, headers=FRENCH))
    assert "Payer au retrait · En attente" in pickup
    assert "Boutique en ligne" in pickup
    queue = readable(french_clerk.get("/pos/tickets/", headers=FRENCH))
    assert "Tous les magasins" in queue
    assert "En attente du client" in queue
    offline = readable(french_clerk.get("/pos/offline/", headers=FRENCH))
    assert "Hors ligne : les ventes sont gardées sur cet appareil" in offline


def test_the_kiosk_reads_in_french(store, variant):
    receive(store, variant, 3)
    kiosk, _credential = enrolled_client(store)
    for path in ("", f"p/{variant.product.slug}/", "cart/"):
        page = readable(kiosk.get(f"/kiosk/{store.code}/{path}", headers=FRENCH))
        assert english_left(page) == [], path


def test_the_dashboard_reads_in_french(manager, store, warehouse):
    place_fixture(store=store, warehouse=warehouse)
    reports_refresh()
    boss = Client()
    boss.force_login(factories.with_totp(manager))
    page = readable(boss.get("/manage/", headers=FRENCH))
    assert english_left(page) == []
    assert "Dernier contact non direct" in page
    assert "TVA collectée par taux (journal des ventes)" in page
    assert "Tous les canaux" in page


def test_the_desks_order_timeline_reads_in_french(french_clerk, store, variant, manager):
    receive(store, variant, 2)
    order = collect_order(store, variant)
    french_clerk.post(
        f"/pos/pickups/{order.number}/not-found/", {"sku": variant.sku}, headers=FRENCH
    )
    page = readable(french_clerk.get(f"/pos/pickups/{order.number}/", headers=FRENCH))
    assert "1 × TEE-M introuvable(s) à Store One ; sorti(s) du stock par un comptage." in page
    assert "1 autre(s) × TEE-M réservé(s) à Store One." in page
    english = readable(french_clerk.get(f"/pos/pickups/{order.number}/"))
    assert "1 × TEE-M not found at Store One; written off as a count." in english
    url = reverse("admin:orders_order_change", args=[order.pk])
    admin_page = readable(admin_client(manager).get(url, headers=FRENCH))
    assert "1 autre(s) × TEE-M réservé(s) à Store One." in admin_page
