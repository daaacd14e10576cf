"""A kiosk device enrolled at a store, for the kiosk's tests."""

from django.test import Client

from channels_app.credentials import credential_create
from channels_app.models import ChannelCredential


def kiosk_token(store) -> tuple[ChannelCredential, str]:
    return credential_create(
        kind=ChannelCredential.Kind.KIOSK, name=f"wall-{store.code}", store=store, created_by=None
    )


def enrolled_client(store, client: Client | None = None) -> tuple[Client, ChannelCredential]:
    credential, token = kiosk_token(store)
    client = client or Client()
    response = client.post(f"/kiosk/{store.code}/enrol/", {"token": token})
    assert response.status_code == 302, response.content
    return client, credential
