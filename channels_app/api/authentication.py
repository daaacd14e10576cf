"""`Authorization: Token oms_...`: a marketplace integration's (or kiosk's) token."""

from django.utils.translation import gettext
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from channels_app.credentials import PREFIX, credential_for_token


class ChannelTokenAuthentication(TokenAuthentication):
    """Answers for tokens that start with PREFIX and leaves the others to DRF's tokens."""

    def authenticate_credentials(self, key: str):
        if not key.startswith(PREFIX):
            return None
        credential = credential_for_token(key)
        if credential is None:
            raise AuthenticationFailed(gettext("Unknown or revoked token."))
        return credential.user, credential


class ChannelTokenScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema names this scheme (apart from DRF's own tokens)."""

    target_class = ChannelTokenAuthentication
    name = "channelTokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token oms_...`: a marketplace integration's token.",
        }
