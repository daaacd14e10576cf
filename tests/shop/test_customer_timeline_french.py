"""The timeline in the reader's language: every sentence is one translated string, so French
reads as French (word order, amounts), on the till's customer panel, the admin's customer page
and the shopper's own timeline."""

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from shop.customers.models import CustomerEvent
from shop.customers.timeline import event_summary
from shop.orders.models import OrderEvent
from shop.orders.timeline import order_event_text
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


#: (kind, payload, the message as written) of the order's own timeline.
ORDER_EVENTS = [
    (
        "not_found",
        {"sku": "MUG", "quantity": 2, "location": "st1", "location_name": "Lyon"},
        "2 × MUG not found at Lyon; written off as a count.",
    ),
    (
        "resourced_here",
        {"sku": "MUG", "quantity": 1, "location_name": "Lyon"},
        "Another 1 × MUG held at Lyon.",
    ),
    (
        "transfer",
        {
            "sku": "MUG",
            "quantity": 1,
            "source": "st2",
            "source_name": "Paris",
            "ready_by": "2026-12-03T10:00:00+00:00",
        },
        "1 × MUG transferred from Paris; ready by 2026-12-03.",
    ),
    (
        "transfer",
        {"sku": "MUG", "quantity": 1, "source_name": "Warehouse", "ready_by": None},
        "1 × MUG will ship from Warehouse.",
    ),
    (
        "order_cancelled",
        {"sku": "MUG"},
        "MUG is nowhere to be found: the order is cancelled and refunded.",
    ),
    (
        "line_cancelled",
        {"sku": "MUG", "quantity": 1, "refund": "9.90"},
        "1 × MUG cancelled: none left anywhere; 9.90 refunded.",
    ),
    (
        "delivery_requested",
        {"sku": "MUG", "ticket": "T-1", "postcode": "69001", "city": "Lyon"},
        "The customer asked for MUG to be delivered instead (to 69001 Lyon); request T-1.",
    ),
]


@pytest.mark.parametrize(("kind", "payload", "message"), ORDER_EVENTS)
def test_the_orders_own_timeline_reads_in_the_readers_language(kind, payload, message):
    event = OrderEvent(kind=kind, payload=payload, message=message)
    with translation.override("en"):
        assert order_event_text(event) == message
    with translation.override("fr"):
        french = order_event_text(event)
    assert french != message
    assert "MUG" in french
    assert "%(" not in french


def test_an_order_event_without_its_facts_reads_as_written():
    old = OrderEvent(kind="resourced_here", payload={}, message="Another 1 × MUG held at Lyon.")
    with translation.override("fr"):
        assert order_event_text(old) == "Another 1 × MUG held at Lyon."
