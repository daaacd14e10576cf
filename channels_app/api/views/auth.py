from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle


class TokenCreateApi(ObtainAuthToken):
    """`{"username", "password"}` → `{"token"}` for POS devices and scripts."""

    # The project's parsers, not ObtainAuthToken's own (they let a JSON list or a NUL through).
    parser_classes = api_settings.DEFAULT_PARSER_CLASSES
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"
