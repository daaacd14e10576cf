"""Abuse limits on the shared cache, the same for the API and the pages.

A scope's rate (`settings.THROTTLE_RATES`, "10/minute") counts requests per signed-in user,
else per client address. The address is DRF's `get_ident`: X-Forwarded-For is trusted only as
far as `REST_FRAMEWORK["NUM_PROXIES"]` says (allauth's sign-in limits read it the same way).

- API views list `throttles("checkout")` in `throttle_classes`: a refusal is DRF's 429
  `throttled` with a Retry-After header.
- Page views take `@throttle_posts("cart")`: a refused POST is a 429 page with Retry-After.
- `TokenLockout` locks a username after repeated failed token requests.
"""

import functools
import hashlib
import math
import time

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from rest_framework.throttling import SimpleRateThrottle


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:32]


class ScopeThrottle(SimpleRateThrottle):
    """A scope's rate per signed-in user, else per client address."""

    def get_rate(self) -> str:
        # Read at each use (not at import, as DRF's class attribute is), so settings apply.
        try:
            return settings.THROTTLE_RATES[self.scope]
        except KeyError:
            raise ImproperlyConfigured(f"No throttle rate for scope {self.scope!r}.") from None

    def identity(self, request) -> str | None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return f"user-{user.pk}"
        return f"ip-{self.get_ident(request)}"

    def get_cache_key(self, request, view) -> str | None:
        ident = self.identity(request)
        return None if ident is None else self.cache_format % {"scope": self.scope, "ident": ident}


class AddressThrottle(ScopeThrottle):
    """Per client address, signed in or not."""

    def identity(self, request) -> str:
        return f"ip-{self.get_ident(request)}"


class AnonymousThrottle(AddressThrottle):
    """Per client address, for anonymous requests only: signed-in users are not counted."""

    def identity(self, request) -> str | None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return None
        return super().identity(request)


class UsernameThrottle(ScopeThrottle):
    """Per username named in the request body (case-insensitive); no username, no count."""

    def identity(self, request) -> str | None:
        username = named_username(request)
        return f"name-{_digest(username.lower())}" if username else None


def named_username(request) -> str | None:
    """The `username` of a request body (JSON object or form), stripped; None without one."""
    data = getattr(request, "data", None)
    username = data.get("username") if isinstance(data, dict) else None
    return username.strip() or None if isinstance(username, str) else None


@functools.cache
def throttle(scope: str, base: type[ScopeThrottle] = ScopeThrottle) -> type[ScopeThrottle]:
    """The throttle class of one scope (one class per scope and kind, made once)."""
    name = "".join(part.title() for part in scope.split("_")) + base.__name__
    return type(name, (base,), {"scope": scope})


def throttles(*scopes: str) -> list[type[ScopeThrottle]]:
    """`throttle_classes` for an API view counted in each of `scopes`."""
    return [throttle(scope) for scope in scopes]


def throttle_wait(request, *scopes: str, base: type[ScopeThrottle] = ScopeThrottle) -> float | None:
    """Counts this request in each scope (as `base` counts: per user, else per address);
    the seconds to wait if one of them refuses it."""
    waits = []
    for scope in scopes:
        limiter = throttle(scope, base)()
        if not limiter.allow_request(request, None):
            waits.append(limiter.wait() or limiter.duration)
    return max(waits) if waits else None


def _on_this_site(request, url: str) -> bool:
    return url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


def throttled_page(request, wait: float, *, template: str = "429.html"):
    """The 429 page of a refused form post (`pos/429.html` in the till's layout)."""
    seconds = max(1, math.ceil(wait))
    referer = request.headers.get("Referer")
    back = referer if referer and _on_this_site(request, referer) else None
    response = render(request, template, {"retry_after": seconds, "back": back}, status=429)
    response["Retry-After"] = str(seconds)
    return response


def throttle_posts(
    *scopes: str, template: str = "429.html", base: type[ScopeThrottle] = ScopeThrottle
):
    """Counts a page view's POSTs in `scopes` (as `base` counts them); past a limit it
    answers the 429 page. The counters are the API's: a page and its API twice share them."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method == "POST" and (wait := throttle_wait(request, *scopes, base=base)):
                return throttled_page(request, wait, template=template)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


class TokenLockout:
    """`TOKEN_LOCKOUT_ATTEMPTS` failed token requests for a username within the lockout
    period lock that username for `TOKEN_LOCKOUT_MINUTES`: guessing one account's password
    stops, whatever address the guesses come from. A success clears the failures."""

    prefix = "token-lockout"

    def __init__(self) -> None:
        self.attempts = settings.TOKEN_LOCKOUT_ATTEMPTS
        self.seconds = settings.TOKEN_LOCKOUT_MINUTES * 60

    def _keys(self, username: str) -> tuple[str, str]:
        name = _digest(username.lower())
        return f"{self.prefix}:failures:{name}", f"{self.prefix}:until:{name}"

    def locked_for(self, username: str | None) -> float | None:
        """Seconds left of this username's lock, or None when it is not locked."""
        if not username:
            return None
        until = cache.get(self._keys(username)[1])
        left = until - time.time() if until else 0
        return left if left > 0 else None

    def failed(self, username: str | None) -> None:
        if not username or self.attempts <= 0:
            return
        failures, until = self._keys(username)
        cache.add(failures, 0, self.seconds)
        try:
            count = cache.incr(failures)
        except ValueError:  # expired between add and incr
            cache.set(failures, count := 1, self.seconds)
        if count >= self.attempts:
            cache.set(until, time.time() + self.seconds, self.seconds)
            cache.delete(failures)

    def succeeded(self, username: str | None) -> None:
        if username:
            cache.delete(self._keys(username)[0])
