"""The shopper's service requests: their list, one request's thread with a reply form, a new
request about one of their orders, and the contact form for shoppers who are not signed in.

A shopper reads only their own requests, never the staff's internal notes; another customer's
request is a 404, as one that does not exist. Staff signed in on the shop are shoppers here.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from channels_app.current import current_customer
from channels_app.idempotency import IdempotencyKeyInProgress
from channels_app.throttling import AnonymousThrottle, throttle_posts
from channels_app.ticket_forms import ContactForm, TicketMessageForm, TicketOpenForm
from channels_app.views.ticket_actions import open_once, reply_once
from shop.channels import Channel
from shop.orders.selectors import orders_of_customer
from shop.support.errors import TicketNotFound
from shop.support.models import Ticket
from shop.support.selectors import ticket_of_customer, tickets_for_customer

TICKETS_PER_PAGE = 20
#: The customer's newest orders offered in "about an order".
ORDER_CHOICES = 20


def _own_ticket(request, number: str) -> Ticket:
    try:
        return ticket_of_customer(customer=current_customer(request), number=number)
    except TicketNotFound:
        raise Http404(f"No service request {number}.") from None


@login_required
@require_GET
def ticket_list(request):
    tickets = tickets_for_customer(customer=current_customer(request))
    page = Paginator(tickets, TICKETS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "storefront/tickets.html", {"page": page})


def _render_new(request, form, orders, *, status: int = 200):
    context = {"form": form, "has_orders": bool(orders)}
    return render(request, "storefront/ticket_new.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def ticket_new(request):
    customer = current_customer(request)
    orders = orders_of_customer(customer, limit=ORDER_CHOICES)
    if request.method == "GET":
        form = TicketOpenForm(orders=orders, initial={"order": request.GET.get("order", "")})
        return _render_new(request, form, orders)
    form = TicketOpenForm(request.POST, orders=orders)
    if form.is_valid():
        try:
            number = open_once(request, form, channel=Channel.WEB, customer=customer)
        except IdempotencyKeyInProgress:
            return redirect("storefront:tickets")
        if number:
            messages.success(request, _("Your request is sent. We answer here and by email."))
            return redirect("storefront:ticket", number=number)
    return _render_new(request, form, orders, status=400 if form.errors else 200)


def _render_ticket(request, ticket: Ticket, form, *, status: int = 200):
    return render(
        request, "storefront/ticket.html", {"ticket": ticket, "form": form}, status=status
    )


@login_required
@require_GET
def ticket_detail(request, number: str):
    return _render_ticket(request, _own_ticket(request, number), TicketMessageForm())


@login_required
@require_POST
def ticket_message(request, number: str):
    ticket = _own_ticket(request, number)
    form = TicketMessageForm(request.POST)
    if form.is_valid():
        try:
            sent = reply_once(request, form, ticket=ticket, channel=Channel.WEB)
        except IdempotencyKeyInProgress:
            sent = True
        if sent:
            messages.success(request, _("Your message is sent."))
            return redirect("storefront:ticket", number=ticket.number)
    ticket = _own_ticket(request, number)  # the thread as it is now
    return _render_ticket(request, ticket, form, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@throttle_posts("ticket_open", base=AnonymousThrottle)
def contact(request):
    """For shoppers who are not signed in: the request is their email's (its customer is made
    on first sight) and the answers come by email. A signed-in shopper opens it in their
    account, where they can follow it."""
    if request.user.is_authenticated:
        return redirect("storefront:ticket-new")
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            number = open_once(request, form, channel=Channel.WEB)
        except IdempotencyKeyInProgress:
            return redirect("storefront:contact")
        if number:
            messages.success(
                request,
                gettext(
                    "Thank you: your request %(number)s is received. We answer you at %(email)s."
                )
                % {"number": number, "email": form.cleaned_data["email"]},
            )
            return redirect("storefront:contact")
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "storefront/contact.html", {"form": form}, status=status)
