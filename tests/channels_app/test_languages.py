"""English and French: Accept-Language, the switcher, the customer's saved choice (pages and
emails), money formatting, product names per language, and a complete French catalogue."""

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.core import mail
from django.template import TemplateSyntaxError
from django.template.loader import get_template
from django.utils import translation

from carts.errors import EmptyCart
from channels_app.formatting import format_money
from channels_app.language import SESSION_LANGUAGE
from channels_app.management.commands.compile_catalogues import compile_catalogue
from shop.customers.models import Customer
from shop.customers.services import customer_for_user
from shop.orders.emails import order_email_enqueue
from shop.support.services import ticket_open, ticket_reply
from tests import factories
from tests.carts.support import delivery_body
from tests.channels_app.kiosk_support import enrolled_client
from tests.channels_app.support import receive

FRENCH_PO = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES" / "django.po"
TEMPLATES = Path(settings.BASE_DIR) / "templates"


@pytest.fixture(autouse=True)
def _english_after():
    """A French request leaves French active in this thread: the next test starts in English."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


def as_tuple(text) -> tuple:
    """A plural message's id and string are sequences (one per form), a singular one's text."""
    return tuple(text) if isinstance(text, list | tuple) else (text,)


def as_dict(catalogue) -> dict:
    return {as_tuple(m.id): as_tuple(m.string) for m in catalogue}


def html(response) -> str:
    return response.content.decode()


class TestCatalogue:
    def test_no_untranslated_or_fuzzy_string_in_french(self):
        catalogue = read_po(FRENCH_PO.open("rb"))
        left = [m.id for m in catalogue if m.id and (not m.string or m.fuzzy)]
        assert left == []
        assert len(catalogue) > 500

    @pytest.mark.parametrize("name", ["django.po", "djangojs.po"])  # pages, scripts
    def test_compiled_catalogue_is_up_to_date(self, tmp_path, name):
        po_path = FRENCH_PO.with_name(name)
        copy = tmp_path / name
        copy.write_bytes(po_path.read_bytes())
        fresh = read_mo(compile_catalogue(copy).open("rb"))
        committed = read_mo(po_path.with_suffix(".mo").open("rb"))
        assert as_dict(fresh) == as_dict(committed)

    def test_placeholders_survive_translation(self):
        for message in read_po(FRENCH_PO.open("rb")):
            if message.id:
                placeholders = re.compile(r"%\(\w+\)s|\{\w+\}")
                wanted = sorted(set(placeholders.findall(" ".join(as_tuple(message.id)))))
                for string in as_tuple(message.string):
                    assert sorted(set(placeholders.findall(string))) == wanted, message.id

    @pytest.mark.parametrize("language", ["en", "fr"])
    def test_every_template_compiles_in_both_languages(self, language):
        names = [str(p.relative_to(TEMPLATES)) for p in TEMPLATES.rglob("*.*")]
        with translation.override(language):
            for name in names:
                try:
                    get_template(name)
                except TemplateSyntaxError as error:  # pragma: no cover - the failure message
                    pytest.fail(f"{name}: {error}")


@pytest.mark.django_db
class TestPages:
    def test_accept_language_picks_french(self, client):
        page = html(client.get("/", headers={"accept-language": "fr-FR,fr;q=0.9"}))
        assert '<html lang="fr">' in page
        assert "Aller au contenu" in page
        assert "Changer de langue" in page

    def test_english_by_default(self, client):
        page = html(client.get("/"))
        assert '<html lang="en">' in page
        assert "Skip to content" in page

    def test_switcher_sets_the_cookie_and_wins_over_the_browser(self, client):
        response = client.post("/language/", {"language": "fr", "next": "/cart/"})
        assert response.status_code == 302
        assert response["Location"] == "/cart/"
        assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
        page = html(client.get("/cart/", headers={"accept-language": "en"}))
        assert "Votre panier" in page

    def test_switcher_saves_a_shoppers_choice(self, client, shopper):
        client.force_login(shopper)
        client.post("/language/", {"language": "fr", "next": "/"})
        assert customer_for_user(shopper).language == "fr"
        assert client.get("/language/").status_code == 405

    def test_saved_language_follows_the_customer_to_a_new_device(self, client, shopper):
        customer = customer_for_user(shopper)
        Customer.objects.filter(pk=customer.pk).update(language="fr")
        client.post("/accounts/login/", {"login": "shopper", "password": "correct-horse-battery"})
        assert client.session[SESSION_LANGUAGE] == "fr"
        assert "Mes commandes" in html(client.get("/account/orders/"))

    def test_till_in_french(self, client, clerk):
        client.force_login(clerk)
        page = html(client.get("/pos/", headers={"accept-language": "fr"}, follow=True))
        assert '<html lang="fr">' in page
        assert "Caisse" in page


class TestFormatting:
    def test_money_per_locale(self):
        with translation.override("fr"):
            assert format_money(Decimal("1234.5")) == "1\u202f234,50\xa0€"
            assert format_money(Decimal("-3")) == "−3,00\xa0€"
        with translation.override("en"):
            assert format_money(Decimal("1234.5")) == "€1,234.50"
            assert format_money("x") == ""

    @pytest.mark.django_db
    def test_product_name_per_language_falls_back_to_english(self, client):
        variant = factories.VariantFactory(product__name="Linen shirt", product__slug="shirt")
        product = variant.product
        assert client.get("/p/shirt/", headers={"accept-language": "fr"}).status_code == 200
        assert "Linen shirt" in html(client.get("/p/shirt/", headers={"accept-language": "fr"}))
        product.name_fr = "Chemise en lin"  # as the admin's French field sets it
        with translation.override("en"):
            product.save()
        assert "Chemise en lin" in html(client.get("/p/shirt/", headers={"accept-language": "fr"}))
        assert "Linen shirt" in html(client.get("/p/shirt/", headers={"accept-language": "en"}))


@pytest.mark.django_db
def test_order_email_in_the_customers_language(django_capture_on_commit_callbacks):
    customer = factories.CustomerFactory(email="zoe@example.com", language="fr")
    order = factories.OrderFactory(customer=customer, email="zoe@example.com")
    factories.OrderLineFactory(order=order, name="Chemise", quantity=1)
    with django_capture_on_commit_callbacks(execute=True):
        order_email_enqueue(order=order, kind="confirmation")
    [message] = mail.outbox
    assert message.subject == f"Votre commande {order.number}"
    assert "Merci pour votre commande" in message.body
    assert "Total :" in message.body


@pytest.mark.django_db
def test_cached_category_menu_is_per_language(client):
    category = factories.CategoryFactory(name="Shoes", slug="shoes")
    factories.VariantFactory(product__category=category)
    category.name_fr = "Chaussures"
    with translation.override("en"):
        category.save()
    for _ in range(2):  # the second time from the fragment cache
        assert "Chaussures" in html(client.get("/", headers={"accept-language": "fr"}))
        english = html(client.get("/", headers={"accept-language": "en"}))
        assert "Chaussures" not in english
        assert ">Shoes<" in english


@pytest.mark.django_db
def test_support_reply_email_in_the_customers_language(clerk, django_capture_on_commit_callbacks):
    customer = factories.CustomerFactory(email="zoe@example.com", language="fr")
    ticket = ticket_open(customer=customer, subject="Taille", body="Quelle taille ?", channel="web")
    with django_capture_on_commit_callbacks(execute=True):
        ticket_reply(ticket=ticket, author=clerk, body="Le M.", channel="pos")
    [message] = [m for m in mail.outbox if "Le M." in m.body]
    assert "Service client" in message.body


@pytest.mark.django_db
def test_a_guest_checking_out_in_french_gets_french_emails(
    client, warehouse, django_capture_on_commit_callbacks
):
    variant = factories.VariantFactory(sku="SCARF-1", price=Decimal("20.00"))
    receive(warehouse, variant, 3)
    client.post("/api/cart/lines/", {"sku": "SCARF-1", "quantity": 1})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/checkout/",
            json.dumps(delivery_body(email="guest@example.com")),
            content_type="application/json",
            headers={"Idempotency-Key": "fr-guest", "Accept-Language": "fr"},
        )
    assert response.status_code == 201, response.json()
    assert Customer.objects.get(email="guest@example.com").language == "fr"
    [message] = mail.outbox
    assert message.subject.startswith("Votre commande")


@pytest.mark.django_db
class TestNewlyTranslatedPages:
    def test_the_kiosk_in_french(self, store):
        kiosk, _ = enrolled_client(store)
        page = html(kiosk.get(f"/kiosk/{store.code}/", headers={"accept-language": "fr"}))
        assert '<html lang="fr">' in page
        assert "Rechercher dans tout le catalogue" in page
        assert "Recommencer" in page
        english = html(kiosk.get(f"/kiosk/{store.code}/", headers={"accept-language": "en"}))
        assert "Search the whole catalogue" in english

    def test_the_dashboard_in_french(self, client, manager):
        client.force_login(factories.with_totp(manager))
        page = html(client.get("/manage/", headers={"accept-language": "fr"}))
        assert "Ventes par canal" in page
        assert "Télécharger en CSV" in page
        assert "Meilleures campagnes" in page

    def test_the_stock_count_page_in_french(self, client, clerk):
        client.force_login(clerk)
        page = html(client.get("/pos/counts/", headers={"accept-language": "fr"}, follow=True))
        assert "Code-barres ou SKU" in page
        assert "Inventaire" in page

    def test_a_domain_error_is_worded_in_the_active_language(self):
        with translation.override("fr"):
            assert EmptyCart().message == "Le panier est vide."
        assert EmptyCart().message == "The cart is empty."

    def test_a_flash_message_in_french(self, client):
        response = client.get(
            "/cart/restore/not-a-token/", headers={"accept-language": "fr"}, follow=True
        )
        assert "Ce lien n’est plus valable" in html(response)
