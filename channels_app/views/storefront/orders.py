"""Order confirmation, and the shopper's account: orders of every channel, their returns and
refunds, and their service requests."""

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from channels_app.current import current_customer
from channels_app.views.storefront._common import placed_in_session
from channels_app.views.storefront.personalisation import account_context
from shop.orders.models import Order
from shop.orders.selectors import orders_visible_to, orders_with_lines, returns_of_customer
from shop.support.selectors import tickets_for_customer

ORDERS_PER_PAGE = 20
#: Shown beside the orders; the requests page lists them all.
TICKETS_SHOWN = 3
RETURNS_SHOWN = 5


def visible_order(request, number: str):
    """The order if the order's customer, staff who may see it, or the browser session that
    placed it asks; a redirect to the login page for anyone else not signed in."""
    if placed_in_session(request, number):
        orders = orders_with_lines().exclude(status__in=Order.UNPLACED_STATUSES)
    elif request.user.is_authenticated:
        orders = orders_visible_to(request.user, current_customer(request))
    else:
        return redirect_to_login(request.get_full_path())
    return get_object_or_404(orders.prefetch_related("payments", "shipments"), number=number)


def order_detail(request, number: str):
    order = visible_order(request, number)
    if not isinstance(order, Order):
        return order  # to the login page
    return render(
        request,
        "storefront/order.html",
        {"order": order, "just_placed": placed_in_session(request, number)},
    )


@login_required
def order_history(request):
    """The signed-in shopper's own orders (web, click-and-collect and store purchases), with
    their latest returns and service requests."""
    customer = current_customer(request)
    orders = (
        orders_visible_to(request.user, customer)
        .filter(customer=customer)
        .prefetch_related("shipments")
    )
    page = Paginator(orders, ORDERS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "tickets": tickets_for_customer(customer=customer)[:TICKETS_SHOWN],
        "returns": returns_of_customer(customer, limit=RETURNS_SHOWN),
        **account_context(customer),
    }
    return render(request, "storefront/order_history.html", context)
