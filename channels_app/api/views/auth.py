from rest_framework import exceptions
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response
from rest_framework.settings import api_settings

from channels_app.throttling import (
    AddressThrottle,
    TokenLockout,
    UsernameThrottle,
    named_username,
    throttle,
)


class AccountLocked(exceptions.Throttled):
    default_detail = "Too many failed attempts for this account."


class TokenCreateApi(ObtainAuthToken):
    """`{"username", "password"}` → `{"token"}` for POS devices and scripts.

    Limited per client address and per username; repeated failures for one username lock
    it for a while (429), even for the right password."""

    # The project's parsers, not ObtainAuthToken's own (they let a JSON list or a NUL through).
    parser_classes = api_settings.DEFAULT_PARSER_CLASSES
    throttle_classes = [
        throttle("token", AddressThrottle),
        throttle("token_username", UsernameThrottle),
    ]

    def post(self, request, *args, **kwargs):
        username = named_username(request)
        lockout = TokenLockout()
        if wait := lockout.locked_for(username):
            raise AccountLocked(wait)
        serializer = self.get_serializer(data=request.data)
        if not serializer.is_valid():
            lockout.failed(username)
            raise exceptions.ValidationError(serializer.errors)
        lockout.succeeded(username)
        token, _ = Token.objects.get_or_create(user=serializer.validated_data["user"])
        return Response({"token": token.key})
