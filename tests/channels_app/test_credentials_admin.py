"""Managers create marketplace and kiosk tokens in the admin (shown once) and revoke them."""

import re

import pytest

from channels_app.credentials import credential_for_token
from channels_app.models import ChannelCredential
from tests.conftest import admin_client

pytestmark = pytest.mark.django_db
ADD = "/admin/channels_app/channelcredential/add/"
LIST = "/admin/channels_app/channelcredential/"


def test_a_kiosk_token_is_shown_once_and_works(superuser, store):
    client = admin_client(superuser)

    response = client.post(ADD, {"kind": "kiosk", "name": "wall-1", "store": store.pk}, follow=True)

    html = response.content.decode()
    token = re.search(r"<code>(oms_[^<]+)</code>", html).group(1)
    credential = ChannelCredential.objects.get()
    assert (credential.kind, credential.store, credential.created_by) == ("kiosk", store, superuser)
    assert credential_for_token(token) == credential
    page = client.get(f"{LIST}{credential.pk}/change/").content.decode()
    assert token not in page
    assert credential.last4 in page


def test_a_kiosk_needs_a_store(superuser):
    response = admin_client(superuser).post(ADD, {"kind": "kiosk", "name": "wall-1"})
    assert response.status_code == 200
    assert not ChannelCredential.objects.exists()


def test_revoke_action(superuser):
    client = admin_client(superuser)
    client.post(ADD, {"kind": "marketplace", "name": "amazon"})
    credential = ChannelCredential.objects.get()

    client.post(LIST, {"action": "revoke", "_selected_action": [credential.pk]})

    credential.refresh_from_db()
    assert credential.revoked_at is not None
