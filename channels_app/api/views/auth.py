from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.throttling import ScopedRateThrottle


class TokenCreateApi(ObtainAuthToken):
    """`{"username", "password"}` → `{"token"}` for POS devices and scripts."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"
