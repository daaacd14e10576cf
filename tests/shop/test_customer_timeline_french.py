"""The timeline in the reader's language: every sentence is one translated string, so French
reads as French (word order, amounts), on the till's customer panel, the admin's customer page
and the shopper's own timeline."""

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from shop.customers.models import CustomerEvent
from shop.customers.timeline import event_summary
from tests import factories
from tests.conftest import admin_client
from tests.shop.customer_support import history
from tests.shop.test_customer_timeline import SUMMARIES

Kind = CustomerEvent.Kind
FRENCH = {"accept-language": "fr"}
#: English words of the sentences' own text (not of the payloads' names and subjects).
ENGLISH = ("Placed", "Bought", " was ", " of order", "Refund of", "Added", "issued", " the cart")


@pytest.fixture(autouse=True)
def _english_after():
    yield
    translation.activate(settings.LANGUAGE_CODE)


def summary(kind: str, payload: dict, language: str) -> str:
    with translation.override(language):
        return event_summary(CustomerEvent(kind=kind, payload=payload)).sentence


@pytest.mark.parametrize(("kind", "payload", "english", "subject"), SUMMARIES)
def test_every_sentence_reads_in_french(kind, payload, english, subject):
    assert summary(kind, payload, "en") == english
    french = summary(kind, payload, "fr")
    assert french != english
    assert not [word for word in ENGLISH if word in french], french
    assert "%(" not in french


@pytest.mark.parametrize(
    ("kind", "payload", "french"),
    [
        (
            Kind.ORDER_PLACED,
            {"order": "OS-A", "total": "1234.5", "fulfilment": "collect"},
            "A passé la commande OS-A (1\u202f234,50 EUR, retrait en magasin)",
        ),
        (Kind.PICKUP_READY, {"order": "OS-C"}, "La commande OS-C est prête à retirer"),
        (Kind.PICKUP_READY, {}, "Une commande est prête à retirer"),
        (
            Kind.ORDER_SHIPPED,
            {"order": "OS-D", "carrier": "Colissimo", "tracking_number": "6A123"},
            "La commande OS-D a été expédiée par Colissimo, numéro de suivi 6A123",
        ),
        (
            Kind.REFUND,
            {"order": "OS-E", "amount": "30", "method": "cash", "status": "pending"},
            "Remboursement de 30,00 EUR en espèces pour la commande OS-E (en cours)",
        ),
        (
            Kind.CART_LINE_ADDED,
            {"sku": "TEE-M", "quantity": 1},
            "A ajouté 1 unité de TEE-M au panier",
        ),
        (
            Kind.TICKET_STATUS,
            {"ticket": "T-1", "status": "resolved"},
            "La demande T-1 est maintenant résolue",
        ),
    ],
)
def test_french_word_order_and_amounts(kind, payload, french):
    assert summary(kind, payload, "fr") == french


@pytest.mark.django_db
class TestPagesInFrench:
    def test_the_tills_customer_panel(self, client, clerk, store):
        client.force_login(clerk)
        customer = factories.CustomerFactory(name="Ann")
        history(customer, 2, kind=Kind.POS_SALE, channel="pos", store=store)
        page = client.get(f"/pos/customers/{customer.pk}/", headers=FRENCH).content.decode()
        assert "A acheté en magasin pour 5,00 EUR (commande OS-000001)" in page
        assert "Bought in store" not in page

    def test_the_admins_customer_page(self, manager, store):
        customer = factories.CustomerFactory(name="Ann")
        history(customer, 2, kind=Kind.POS_SALE, channel="pos", store=store)
        url = reverse("admin:customers_customer_timeline", args=[customer.pk])
        page = admin_client(manager).get(url, headers=FRENCH).content.decode()
        assert "A acheté en magasin pour 5,00 EUR (commande OS-000001)" in page

    def test_the_shoppers_own_timeline(self, client):
        user = factories.UserFactory(username="ann")
        customer = factories.CustomerFactory(name="Ann", user=user)
        history(customer, 1)
        client.force_login(user)
        body = client.get("/api/me/timeline/", headers=FRENCH).json()
        assert body["results"][0]["summary"] == "A passé la commande OS-000000 (5,00 EUR)"
        english = client.get("/api/me/timeline/", headers={"accept-language": "en"}).json()
        assert english["results"][0]["summary"] == "Placed order OS-000000 (5.00 EUR)"
