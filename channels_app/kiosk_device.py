"""Which kiosk device a browser is: a signed cookie naming its credential, checked against the
credential (still live, same store) on every request, so revoking it locks the screen out."""

import functools

from django.conf import settings
from django.core import signing
from django.shortcuts import redirect
from django.utils.translation import gettext

from channels_app.credentials import credential_for_token
from channels_app.models import ChannelCredential
from shop.errors import PermissionDenied

COOKIE = "kiosk_device"
SALT = "kiosk-device"
COOKIE_SECONDS = 365 * 24 * 60 * 60


def idle_seconds() -> int:
    """Idle seconds after which a kiosk clears its cart and goes back to the start."""
    return settings.KIOSK_IDLE_SECONDS


def device_enrol(response, *, token: str, store_code: str) -> ChannelCredential:
    """Signs this browser in as the kiosk of `token`; the token must be a live kiosk token of
    that store."""
    credential = credential_for_token(token.strip())
    if (
        credential is None
        or credential.kind != ChannelCredential.Kind.KIOSK
        or credential.store.code != store_code
    ):
        raise PermissionDenied(gettext("This is not a live kiosk token for this store."))
    value = signing.dumps({"id": credential.pk, "d": credential.digest[:16]}, salt=SALT)
    response.set_cookie(
        COOKIE,
        value,
        max_age=COOKIE_SECONDS,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return credential


def device_of(request, store_code: str) -> ChannelCredential | None:
    try:
        data = signing.loads(request.COOKIES.get(COOKIE, ""), salt=SALT)
    except signing.BadSignature:
        return None
    credential = (
        ChannelCredential.objects.select_related("store")
        .filter(pk=data.get("id"), kind=ChannelCredential.Kind.KIOSK, revoked_at__isnull=True)
        .first()
    )
    if (
        credential is None
        or not credential.digest.startswith(data.get("d", "-"))
        or credential.store.code != store_code
        or not credential.store.is_active
    ):
        return None
    return credential


def kiosk_view(view):
    """A kiosk page: only for an enrolled device of this store (else the enrol page).
    The view gets `request.kiosk` (the credential) and its store."""

    @functools.wraps(view)
    def wrapper(request, store: str, *args, **kwargs):
        device = device_of(request, store)
        if device is None:
            return redirect("kiosk:enrol", store=store)
        request.kiosk = device
        return view(request, device.store, *args, **kwargs)

    return wrapper
