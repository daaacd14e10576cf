"""Tokens of marketplace integrations and kiosk devices: made by a manager, shown once, kept
as a hash, revocable. Each acts as a user of its own with no password."""

import hashlib
import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from channels_app.models import ChannelCredential
from inventory.models import Location
from shop.errors import InvalidInput

#: Every token starts with this, so the API tells ours from its other tokens at a glance.
PREFIX = "oms_"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def credential_create(
    *,
    kind: str,
    name: str,
    created_by: AbstractBaseUser | None,
    store: Location | None = None,
) -> tuple[ChannelCredential, str]:
    """A new credential and its token (returned here only)."""
    if kind == ChannelCredential.Kind.KIOSK and store is None:
        raise InvalidInput(gettext("A kiosk stands in a store."), details=["store"])
    token = PREFIX + secrets.token_urlsafe(32)
    user = get_user_model().objects.create_user(
        username=f"{kind}-{name}-{secrets.token_hex(3)}"[:150], password=None
    )
    credential = ChannelCredential.objects.create(
        kind=kind,
        name=name,
        store=store if kind == ChannelCredential.Kind.KIOSK else None,
        user=user,
        digest=_digest(token),
        last4=token[-4:],
        created_by=created_by,
    )
    return credential, token


def credential_revoke(*, credential: ChannelCredential) -> None:
    ChannelCredential.objects.filter(pk=credential.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def credential_for_token(token: str) -> ChannelCredential | None:
    """The live credential of `token`, or None (unknown or revoked)."""
    if not token.startswith(PREFIX):
        return None
    return (
        ChannelCredential.objects.select_related("user", "store")
        .filter(digest=_digest(token), revoked_at__isnull=True)
        .first()
    )
