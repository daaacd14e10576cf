"""The scripts' translations: a complete French `djangojs` catalogue, served by Django's
JavaScriptCatalog at a versioned URL that browsers keep, loaded only by the pages whose scripts
write text, and kept by the till's service worker for offline use."""

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.utils import translation
from django.utils.autoreload import file_changed

from channels_app.js_catalogue import catalogue_url, catalogue_version

LOCALE = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES"
SCRIPTS_PO = LOCALE / "djangojs.po"
SCRIPTS = Path(settings.BASE_DIR) / "static" / "js"
FRENCH = {"accept-language": "fr"}


@pytest.fixture(autouse=True)
def _english_after():
    yield
    translation.activate(settings.LANGUAGE_CODE)


def ids(catalogue) -> set:
    return {m.id if isinstance(m.id, str) else m.id[0] for m in catalogue if m.id}


class TestCatalogue:
    def test_no_untranslated_or_fuzzy_string_in_french(self):
        catalogue = read_po(SCRIPTS_PO.open("rb"))

        def complete(string) -> bool:
            return all(string) if isinstance(string, tuple) else bool(string)

        left = [m.id for m in catalogue if m.id and (m.fuzzy or not complete(m.string))]
        assert left == []
        assert len(catalogue) > 40

    def test_every_string_the_scripts_translate_is_in_the_catalogue(self):
        """A string added to a script without its French shows in English on French pages."""
        wanted = set()
        for script in SCRIPTS.glob("*.js"):
            source = script.read_text(encoding="utf-8")
            wanted |= set(re.findall(r'\b(?:gettext|ngettext)\(\s*"((?:[^"\\]|\\.)*)"', source))
        assert len(wanted) > 40
        assert wanted - ids(read_po(SCRIPTS_PO.open("rb"))) == set()


@pytest.mark.django_db
class TestServed:
    def test_french_catalogue_is_kept_by_browsers_and_costs_no_query(
        self, client, django_assert_num_queries
    ):
        url = catalogue_url("fr")
        assert url == f"/jsi18n/{catalogue_version()}/fr.js"
        with django_assert_num_queries(0):
            response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/javascript")
        assert "immutable" in response["Cache-Control"]
        assert "max-age=31536000" in response["Cache-Control"]
        assert "Cookie" not in response.get("Vary", "")
        script = response.content.decode()
        # JSON: the accents are escaped
        offline = (
            '"Offline: sales and counts are kept on this till": "Hors ligne : les ventes et les'
        )
        assert offline in script
        assert '"Net revenue": "Chiffre d\\u2019affaires net"' in script
        assert "interpolate" in script

    def test_the_url_not_the_browser_says_the_language(self, client):
        script = client.get(catalogue_url("en"), headers=FRENCH).content.decode()
        assert "Hors ligne" not in script

    def test_a_signed_in_clerks_request_does_not_vary_on_the_cookie(self, clerk_client):
        response = clerk_client.get(catalogue_url("fr"))
        assert response.status_code == 200
        assert "Cookie" not in response.get("Vary", "")

    def test_a_recompiled_catalogue_gets_a_new_version(self):
        catalogue_version()
        file_changed.send(sender=None, file_path=SCRIPTS_PO.with_suffix(".mo"))
        assert catalogue_version.cache_info().currsize == 0
        assert catalogue_version() == catalogue_version()

    def test_an_old_version_leads_to_todays_and_an_unknown_language_is_404(self, client):
        response = client.get("/jsi18n/0123456789ab/fr.js")
        assert response.status_code == 302
        assert response["Location"] == catalogue_url("fr")
        assert client.get(f"/jsi18n/{catalogue_version()}/de.js").status_code == 404


@pytest.mark.django_db
class TestPages:
    def test_the_pos_pages_load_it_deferred_before_their_scripts(self, clerk_client):
        page = clerk_client.get("/pos/offline/", headers=FRENCH).content.decode()
        tag = f'<script src="{catalogue_url("fr")}" defer></script>'
        assert tag in page
        assert page.index(tag) < page.index("js/pos.js") < page.index("js/till_offline.js")

    def test_the_storefronts_hot_pages_do_not_load_it(self, client):
        for path in ("/", "/cart/", "/search/?q=shirt"):
            assert "/jsi18n/" not in client.get(path, headers=FRENCH).content.decode()

    def test_the_service_worker_keeps_every_languages_catalogue(self, client):
        worker = client.get("/pos/sw.js").content.decode()
        assert f'var CATALOGUES = ["{catalogue_url("en")}", "{catalogue_url("fr")}"];' in worker
        assert 'CATALOGUE_PATH = "/jsi18n/"' in worker
        assert "La caisse n" in worker  # its own answer for a page it has no copy of
