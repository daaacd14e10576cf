"""The anonymous visitor: a random id in the `visitor` cookie, which names a shopper's product
views before they sign in or check out (`shop.customers.product_views`).

A cookie rather than the session key: Django gives the session a new key at sign-in, and a
visitor without a session would need a session row written on their first page to get one.
Setting the cookie costs the page nothing but a header.
"""

import re
import secrets

from django.conf import settings

from shop.customers.models import Customer
from shop.customers.product_views import product_views_adopt
from shop.marketing.touches import touches_adopt

VISITOR_COOKIE = "visitor"
#: How long a visitor's views wait to be joined to the account they sign in with.
VISITOR_COOKIE_AGE = 60 * 60 * 24 * 30
_WELL_FORMED = re.compile(r"[A-Za-z0-9_-]{22}")


def visitor_id(request) -> str:
    """The visitor id the browser sent, or "" (none, or not one of ours)."""
    value = request.COOKIES.get(VISITOR_COOKIE, "")
    return value if _WELL_FORMED.fullmatch(value) else ""


def visitor_new() -> str:
    return secrets.token_urlsafe(16)  # 22 characters


def visitor_remember(response, visitor: str) -> None:
    response.set_cookie(
        VISITOR_COOKIE,
        visitor,
        max_age=VISITOR_COOKIE_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def visitor_join(request, customer: Customer | None) -> int:
    """The anonymous views and touches of this browser become `customer`'s (at sign-in, at
    checkout)."""
    visitor = visitor_id(request) if request is not None else ""
    if not visitor or customer is None:
        return 0
    touches_adopt(visitor=visitor, customer=customer)
    return product_views_adopt(visitor=visitor, customer=customer)
