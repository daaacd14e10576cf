"""The shipping queue at the till of a location that ships online orders: the delivery orders
with units held here, a pick page per order (this location's part only), "not found" for a
line, and "shipped" with the carrier and tracking number."""

import uuid

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from channels_app.idempotency import IdempotencyKeyInProgress, run_form_once
from channels_app.views.pos.access import pos_view
from channels_app.views.pos.forms import first_error
from channels_app.views.pos.pickups import normalise_number
from inventory.models import Location
from shop.channels import Channel
from shop.errors import DomainError
from shop.orders.models import Order
from shop.orders.not_found import order_line_not_found
from shop.orders.selectors import delivery_order_part, delivery_orders_to_ship_from
from shop.orders.timeline import order_timeline_read
from shop.shipping.carriers import Carrier
from shop.shipping.services import order_ship

PER_PAGE = 25
#: What the clerk is told after "not found", by outcome.
NOT_FOUND_DONE = {
    "here": gettext_lazy("Another %(sku)s is free here: take it from stock and ship it."),
    "transfer": gettext_lazy(
        "%(sku)s will ship from %(source)s instead: leave it out of this parcel."
    ),
    "line_cancelled": gettext_lazy(
        "%(sku)s is nowhere: the line is cancelled and %(refund)s refunded."
    ),
    "order_cancelled": gettext_lazy(
        "%(sku)s is nowhere and the customer wanted all or nothing: cancelled and refunded."
    ),
}


class ShipForm(forms.Form):
    carrier = forms.ChoiceField(label=gettext_lazy("Carrier"), choices=Carrier.choices)
    tracking_number = forms.CharField(
        label=gettext_lazy("Tracking number"), max_length=60, strip=True
    )
    idempotency_key = forms.CharField(max_length=255, widget=forms.HiddenInput)


class NotFoundForm(forms.Form):
    sku = forms.CharField(max_length=64, strip=True)
    shelf_empty = forms.BooleanField(required=False)
    idempotency_key = forms.CharField(max_length=255, widget=forms.HiddenInput)


def ships_here(store: Location) -> None:
    if not store.ships_online:
        raise Http404(f"{store.name} does not ship online orders.")


def _part(store: Location, number: str) -> Order:
    """The order's part held at `store`; 404 for any other order (another location's, a
    collect order, one already shipped from here)."""
    ships_here(store)
    order = delivery_order_part(store, normalise_number(number))
    if order is None:
        raise Http404(f"No delivery order {number!r} to ship from {store.code}.")
    return order


def _lines_here(order: Order) -> list:
    return [line for line in order.lines.all() if line.held_here]


@require_GET
@pos_view
def shipments(request, store):
    ships_here(store)
    if found := request.GET.get("find", "").strip():
        number = normalise_number(found)
        if delivery_orders_to_ship_from(store).filter(number=number).exists():
            return redirect("pos:shipment", number=number)
        messages.error(
            request,
            gettext("No delivery order %(number)s to ship from %(store)s.")
            % {"number": number, "store": store.name},
        )
        return redirect("pos:shipments")
    page = Paginator(delivery_orders_to_ship_from(store), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "pos/shipments.html", {"page": page})


def _delivery_order(store: Location, number: str) -> Order:
    """A form's order, whatever its state: a repeated submit is answered with the first
    result even once nothing of the order is held here any more."""
    ships_here(store)
    order = Order.objects.filter(
        number=normalise_number(number), fulfilment=Order.Fulfilment.DELIVERY
    ).first()
    if order is None:
        raise Http404(f"No delivery order {number!r}.")
    return order


def _render_part(request, order: Order, form: ShipForm | None = None, status: int = 200):
    return render(
        request,
        "pos/shipment.html",
        {
            "order": order,
            "lines": _lines_here(order),
            "elsewhere": sum(line.held_elsewhere for line in order.lines.all()),
            "form": form or ShipForm(initial={"idempotency_key": uuid.uuid4()}),
            "timeline": order_timeline_read(order),
        },
        status=status,
    )


@require_GET
@pos_view
def shipment(request, store, number: str):
    return _render_part(request, _part(store, number))


@require_http_methods(["GET", "POST"])
@pos_view
def not_found(request, store, number: str):
    """A line's item is not on the shelf: confirm (GET), then correct the record and re-source
    the line (POST, once per form)."""
    sku = (request.POST.get("sku") or request.GET.get("sku") or "").strip()
    if request.method == "GET":
        order = _part(store, number)
        line = next((line for line in _lines_here(order) if line.sku == sku), None)
        if line is None:
            raise Http404(f"{sku!r} is not picked here for {order.number}.")
        return render(
            request,
            "pos/shipment_not_found.html",
            {"order": order, "line": line, "idempotency_key": uuid.uuid4()},
        )
    order = _delivery_order(store, number)
    form = NotFoundForm(request.POST)
    if not form.is_valid():
        messages.error(request, first_error(form))
        return redirect("pos:shipment", number=order.number)

    def record() -> dict:
        _part(store, order.number)  # still held here (else 404, nothing done)
        outcome = order_line_not_found(
            order=order,
            sku=sku,
            channel=Channel.POS,
            user=request.user,
            location=store,
            shelf_empty=form.cleaned_data["shelf_empty"],
        )
        return {
            "kind": outcome.kind,
            "source": outcome.source.name if outcome.source else "",
            "refund": str(outcome.refund),
        }

    try:
        done = run_form_once(request, key=form.cleaned_data["idempotency_key"], fn=record)
    except IdempotencyKeyInProgress:
        messages.info(request, gettext("This is being recorded."))
        return redirect("pos:shipment", number=order.number)
    messages.success(request, NOT_FOUND_DONE[done["kind"]] % {"sku": sku, **done})
    return _after(store, order)


def _after(store: Location, order: Order):
    """Back to the order while part of it is still held here, else to the queue."""
    if delivery_orders_to_ship_from(store).filter(pk=order.pk).exists():
        return redirect("pos:shipment", number=order.number)
    return redirect("pos:shipments")


@require_POST
@pos_view
def ship(request, store, number: str):
    """This location's part leaves with a carrier: committed from stock here, the customer
    emailed the tracking number; the order is shipped once its last part has left."""
    form = ShipForm(request.POST)
    if not form.is_valid():
        return _render_part(request, _part(store, number), form, status=400)
    data = form.cleaned_data
    order = _delivery_order(store, number)

    def record() -> dict:
        _part(store, order.number)  # still held here (else 404, nothing done)
        parcel = order_ship(
            order=order,
            carrier=data["carrier"],
            tracking_number=data["tracking_number"],
            shipped_from=store,
            user=request.user,
            channel=Channel.POS,
            part_only=True,
        )
        return {"shipment": parcel.pk, "status": order.status}

    try:
        done = run_form_once(request, key=data["idempotency_key"], fn=record)
    except IdempotencyKeyInProgress:
        messages.info(request, gettext("This is being recorded."))
        return redirect("pos:shipments")
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("pos:shipment", number=order.number)
    if done["status"] == Order.Status.SHIPPED:
        text = gettext("%(number)s has left: the customer is sent the tracking number.")
    else:
        text = gettext(
            "This part of %(number)s has left: the customer is sent its tracking number. "
            "The rest ships from another location."
        )
    messages.success(request, text % {"number": order.number})
    return redirect("pos:shipments")
