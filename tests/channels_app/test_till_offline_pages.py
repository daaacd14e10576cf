"""The offline till's page and its service worker, served by Django."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_offline_till_page_is_for_store_staff(client, clerk_client):
    anonymous = client.__class__().get("/pos/offline/")
    assert anonymous.status_code == 302
    assert "/accounts/login/" in anonymous["Location"]
    page = clerk_client.get("/pos/offline/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-store="st1"' in html
    assert "vendor/dexie/dexie.min.js" in html
    assert 'data-sales-url="/api/pos/sales/"' in html


def test_a_shopper_may_not_open_the_offline_till(client, shopper):
    client.force_login(shopper)
    assert client.get("/pos/offline/").status_code == 403


def test_the_till_pages_link_to_the_offline_till(clerk_client):
    assert 'href="/pos/offline/"' in clerk_client.get("/pos/drawer/").content.decode()


def test_the_service_worker_may_control_the_pos_pages_and_is_never_cached(client):
    response = client.get("/pos/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/pos/"
    assert "no-cache" in response["Cache-Control"]
    assert b'TILL_PAGE = "/pos/offline/"' in response.content
    assert b'TILL_PAGES = "/pos/"' in response.content  # stands in for every till page offline


def test_the_full_till_keeps_the_offline_till_ready(clerk_client):
    """The full till registers the worker and fills the device's snapshot in the background."""
    html = clerk_client.get("/pos/").content.decode()
    assert "js/till_warm.js" in html
    assert "vendor/dexie/dexie.min.js" in html
    assert 'id="till-warm"' in html
    assert 'data-store="st1"' in html
    assert 'data-offline-url="/pos/offline/"' in html
    assert 'data-worker="/pos/sw.js"' in html
    assert 'data-snapshot-url="/api/pos/snapshot/"' in html


def test_the_offline_till_carries_the_offline_banner(clerk_client):
    html = clerk_client.get("/pos/offline/").content.decode()
    assert "Offline: sales are kept on this device and sent when the line is back" in html
    assert 'data-page="/pos/offline/"' in html


def test_the_drawer_close_form_waits_for_this_stores_outbox(clerk_client, store):
    from tests.channels_app.support import open_till

    open_till(store)
    html = clerk_client.get("/pos/drawer/").content.decode()
    assert 'data-outbox-guard="st1"' in html
