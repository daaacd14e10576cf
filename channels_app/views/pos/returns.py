"""Returns at the counter: any order of any channel, brought back at this store."""

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods

from channels_app.idempotency import (
    IdempotencyKeyInProgress,
    form_fingerprint,
    request_scope,
    run_idempotent,
)
from channels_app.views.pos.access import pos_view
from channels_app.views.pos.forms import ReturnForm, first_error
from channels_app.views.pos.pickups import normalise_number
from channels_app.views.pos.receipts import order_or_404
from inventory.models import Stock
from inventory.selectors import availability_at
from shop.channels import Channel
from shop.customers.models import Customer
from shop.customers.selectors import customer_search
from shop.errors import DomainError
from shop.orders.models import Order, Return, ReturnLine
from shop.orders.returns import RETURNABLE, ReturnRequest, delivery_refundable, return_create
from shop.orders.selectors import orders_of_customer, orders_with_lines, returns_recent_at
from shop.payments.drawer import drawer_open_session
from shop.payments.models import Payment
from shop.staff.roles import can_act_at

#: A customer's orders listed to choose from, newest first.
HISTORY_SHOWN = 30
RECENT_RETURNS = 10


@require_GET
@pos_view
def returns(request, store):
    if number := request.GET.get("order", "").strip():
        number = normalise_number(number)
        if not Order.objects.filter(number=number).exists():
            messages.error(request, gettext("No order %(number)s.") % {"number": number})
            return redirect("pos:returns")
        return redirect("pos:return-order", number=number)
    query = request.GET.get("q", "").strip()
    customer = None
    orders = []
    if customer_id := request.GET.get("customer", "").strip():
        customer = (
            Customer.objects.filter(pk=customer_id).first()
            if customer_id.isascii() and customer_id.isdigit()  # not "²" nor "١٢"
            else None
        )
        if customer is None:
            raise Http404("No such customer.")
        orders = orders_of_customer(customer, limit=HISTORY_SHOWN)
    recent = returns_recent_at(store, limit=RECENT_RETURNS)
    return render(
        request,
        "pos/returns.html",
        {
            "query": query,
            "matches": list(customer_search(query=query)) if query else None,
            "customer": customer,
            "orders": orders,
            "returnable": RETURNABLE,
            "recent": recent,
        },
    )


def _render_form(request, store, order, form, *, status=200):
    lines = [
        {
            "line": line,
            "field": form[f"qty_{line.pk}"],
            "returnable": line.quantity - line.returned_quantity,
        }
        for line in form.order_lines
    ]
    return render(
        request,
        "pos/return_form.html",
        {
            "order": order,
            "form": form,
            "lines": lines,
            "can_return": order.status in RETURNABLE,
            "original": next(
                (p for p in order.payments.all() if p.status == Payment.Status.CAPTURED), None
            ),
            "drawer": drawer_open_session(store=store),
            "delivery_refundable": delivery_refundable(order),
            "idempotency_key": uuid.uuid4(),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@pos_view
def return_order(request, store, number: str):
    order = order_or_404(number, orders_with_lines().prefetch_related("payments"))
    if request.method == "GET":
        form = ReturnForm(order=order, initial={"restock": "yes", "refund_method": "original"})
        return _render_form(request, store, order, form)
    form = ReturnForm(request.POST, order=order)
    if not form.is_valid():
        messages.error(request, first_error(form))
        return _render_form(request, store, order, form, status=400)
    data = form.cleaned_data

    def take_back() -> dict:
        record = return_create(
            order=order,
            store=store,
            lines=[ReturnRequest(sku, quantity) for sku, quantity in form.requested()],
            restock=data["restock"],
            refund_method=data["refund_method"],
            refund_shipping=data["refund_shipping"],
            channel=Channel.POS,
            user=request.user,
        )
        return {"return": record.pk}

    try:
        result = run_idempotent(
            scope=request_scope(request),
            key=data["idempotency_key"].strip(),
            fingerprint=form_fingerprint(request),
            fn=take_back,
        )
    except IdempotencyKeyInProgress:
        messages.info(request, gettext("This return is already being recorded."))
        return redirect("pos:returns")
    except DomainError as error:
        messages.error(request, error.message)
        order = order_or_404(number, orders_with_lines().prefetch_related("payments"))
        return _render_form(
            request, store, order, ReturnForm(request.POST, order=order), status=409
        )
    return redirect("pos:return-done", pk=result["return"])


@require_GET
@pos_view
def return_done(request, store, pk: int):
    record = (
        Return.objects.select_related("order", "store", "staff_user")
        .prefetch_related(
            Prefetch("lines", queryset=ReturnLine.objects.select_related("order_line__variant")),
            "refunds",
        )
        .filter(pk=pk)
        .first()
    )
    if record is None:
        raise Http404("No such return.")
    if not can_act_at(request.user, record.store):
        raise PermissionDenied(gettext("This return was taken at another store."))
    variants = [line.order_line.variant for line in record.lines.all()]
    available = availability_at(location=record.store, variants=variants)
    on_hand = dict(
        Stock.objects.filter(location=record.store, variant__in=variants).values_list(
            "variant_id", "on_hand"
        )
    )
    stock = [
        {
            "variant": variant,
            "on_hand": on_hand.get(variant.pk, 0),
            "available": available.get(variant.pk, 0),
        }
        for variant in variants
    ]
    return render(request, "pos/return_done.html", {"record": record, "stock": stock})
