"""Small helpers shared by the storefront views."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from shop.errors import DomainError

#: Order numbers this browser session placed: an anonymous shopper may see those orders.
SESSION_ORDERS = "placed_orders"
#: How many of them are remembered.
SESSION_ORDERS_KEPT = 20


def safe_next(request, fallback: str) -> str:
    """The `next` field or the referring page when it is on this site; `fallback` otherwise."""
    for candidate in (request.POST.get("next"), request.headers.get("Referer")):
        if candidate and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return candidate
    return reverse(fallback)


def error_redirect(request, error: DomainError, to: str):
    messages.error(request, error.message)
    return redirect(to)


def remember_order(request, number: str) -> None:
    placed = [n for n in request.session.get(SESSION_ORDERS, []) if n != number]
    request.session[SESSION_ORDERS] = (placed + [number])[-SESSION_ORDERS_KEPT:]


def placed_in_session(request, number: str) -> bool:
    return number in request.session.get(SESSION_ORDERS, [])
