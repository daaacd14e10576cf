"""The anonymous visitor of the storefront request being handled, for the order placed in it.

The storefront's middleware sets it from the `visitor` cookie; an order placed on the web
during that request is attributed to that browser's touches. Off the web (the till, the
kiosk, an API client) the browser is not the buyer's, and nothing is read from it.
"""

from contextlib import contextmanager
from contextvars import ContextVar

_visitor: ContextVar[str] = ContextVar("marketing_visitor", default="")


def current_visitor() -> str:
    return _visitor.get()


@contextmanager
def visitor_context(visitor: str):
    token = _visitor.set(visitor)
    try:
        yield
    finally:
        _visitor.reset(token)
