"""One customer at the counter: found by email, phone or name, then their panel (what they
spent on each channel, their saved cart, their orders of every channel with a return
shortcut, their open service requests, their recent activity and browsing from the one
timeline) and a new request opened for them at the till."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods

from channels_app.idempotency import IdempotencyKeyInProgress
from channels_app.ticket_forms import TicketOpenForm
from channels_app.views.pos.access import pos_view
from channels_app.views.pos.sale import customer_cart, sale_cart, sale_load
from channels_app.views.storefront.personalisation import shopper_panel
from channels_app.views.ticket_actions import open_once
from shop.channels import Channel
from shop.customers.models import Customer, CustomerEvent
from shop.customers.selectors import customer_search, customer_timeline
from shop.orders.returns import RETURNABLE
from shop.orders.selectors import customer_spend_by_channel, orders_of_customer
from shop.support.selectors import tickets_open_for_customer

#: The customer's newest orders on the panel (and offered in "about an order").
RECENT_ORDERS = 10
#: Open requests listed on the panel, the latest first.
OPEN_TICKETS = 10
#: Entries of "Recent activity" (every channel's events) and of "Recently viewed".
ACTIVITY_SHOWN = 8
VIEWS_SHOWN = 6


def _customer_or_404(customer_id: int) -> Customer:
    return get_object_or_404(Customer, pk=customer_id)


@require_GET
@pos_view
def customers(request, store):
    """Finds customers; one match opens their panel at once."""
    query = request.GET.get("q", "").strip()
    matches = list(customer_search(query=query)) if query else None
    if matches is not None and len(matches) == 1:
        return redirect("pos:customer", customer_id=matches[0].pk)
    return render(request, "pos/customers.html", {"query": query, "matches": matches})


@require_GET
@pos_view
def customer_panel(request, store, customer_id: int):
    customer = _customer_or_404(customer_id)
    orders = orders_of_customer(customer, limit=RECENT_ORDERS)
    sale = sale_load(request, store)
    saved_cart, saved_priced = customer_cart(customer, loaded=sale_cart(sale))
    context = {
        "customer": customer,
        "spend": customer_spend_by_channel(customer),
        "orders": orders,
        "returnable": RETURNABLE,
        "open_tickets": list(tickets_open_for_customer(customer=customer)[:OPEN_TICKETS]),
        "saved_cart": saved_cart,
        "saved_priced": saved_priced,
        "on_sale": sale.customer_id == customer.pk,
        "activity": customer_timeline(
            customer, limit=ACTIVITY_SHOWN, include_internal=True
        ).entries,
        "viewed": customer_timeline(
            customer, kind=CustomerEvent.Kind.PRODUCT_VIEWED, limit=VIEWS_SHOWN
        ).entries,
        "suggestions": shopper_panel(customer),
    }
    return render(request, "pos/customer.html", context)


@require_http_methods(["GET", "POST"])
@pos_view
def customer_ticket_new(request, store, customer_id: int):
    """A request the customer brings to the counter, written by the clerk on their behalf:
    channel pos, this store's."""
    customer = _customer_or_404(customer_id)
    orders = orders_of_customer(customer, limit=RECENT_ORDERS)
    if request.method == "GET":
        form = TicketOpenForm(orders=orders, initial={"order": request.GET.get("order", "")})
        return _render_new(request, customer, form)
    form = TicketOpenForm(request.POST, orders=orders)
    if form.is_valid():
        try:
            number = open_once(request, form, channel=Channel.POS, customer=customer, store=store)
        except IdempotencyKeyInProgress:
            return redirect("pos:customer", customer_id=customer.pk)
        if number:
            messages.success(
                request,
                gettext("Request %(number)s opened for %(customer)s.")
                % {"number": number, "customer": customer},
            )
            return redirect("pos:ticket", number=number)
    return _render_new(request, customer, form, status=400)


def _render_new(request, customer: Customer, form, *, status: int = 200):
    return render(
        request, "pos/ticket_new.html", {"customer": customer, "form": form}, status=status
    )
