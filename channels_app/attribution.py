"""Touches of storefront visitors: the middleware that notices them.

A request whose query or `Referer` carries nothing to record costs nothing but reading them:
no query. Only storefront pages are looked at (not staff pages, the API or files). One that
carries a touch (a campaign link, an ad click, another site) writes it in one INSERT, for the
browser's `visitor` cookie (given one now if it had none) and, when the shopper is signed in,
their customer. Every request also names its visitor for an order placed during it
(`shop.marketing.context`).
"""

import logging

from django.db import DatabaseError

from channels_app.visitor import VISITOR_COOKIE, visitor_id, visitor_new, visitor_remember
from shop.customers.models import Customer
from shop.marketing.context import visitor_context
from shop.marketing.touches import touch_from_request, touch_record
from shop.staff.roles import is_staff_member

logger = logging.getLogger(__name__)

#: Paths that are not the storefront: staff pages, the API, files and probes.
NOT_STOREFRONT = (
    "/admin/", "/manage/", "/pos/", "/kiosk/", "/api/", "/static/", "/media/", "/healthz",
    "/readyz", "/metrics", "/accounts/", "/feeds/",
)  # fmt: skip


def _customer(request) -> Customer | None:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or is_staff_member(user):
        return None
    return Customer.objects.filter(user=user).first()


class TouchMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        visitor, new_visitor = visitor_id(request), ""
        info = None
        if request.method == "GET" and not request.path_info.startswith(NOT_STOREFRONT):
            info = touch_from_request(
                params=request.GET,
                referrer=request.headers.get("referer", ""),
                own_host=request.get_host(),
                path=request.path_info,
            )
        if info is not None:
            if not visitor:
                # The views of this request see the same visitor and do not make another.
                visitor = new_visitor = visitor_new()
                request.COOKIES[VISITOR_COOKIE] = visitor
            try:
                touch_record(info=info, visitor=visitor, customer=_customer(request))
            except DatabaseError:
                logger.exception("Touch not recorded")
        with visitor_context(visitor):
            response = self.get_response(request)
        if new_visitor:
            visitor_remember(response, new_visitor)
        return response
