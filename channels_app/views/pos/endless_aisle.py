"""Endless aisle: items this store cannot hand over now are ordered at the till, delivered or
collected at another store, through the same checkout as the web (channel POS)."""

import uuid

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from carts import services as carts
from carts.checkout import checkout_place
from channels_app.idempotency import (
    IdempotencyKeyInProgress,
    form_fingerprint,
    request_scope,
    run_idempotent,
)
from channels_app.views.pos.access import pos_view
from channels_app.views.pos.forms import EndlessAisleForm, first_error
from channels_app.views.pos.sale import sale_cart, sale_contents, sale_load, sale_save
from inventory.models import Location
from inventory.selectors import availability_for_variants
from shop.catalog.images import main_images
from shop.channels import Channel
from shop.customers.models import Address
from shop.errors import DomainError, InvalidInput
from shop.orders.models import Order
from shop.payments.models import Payment

ADDRESS_FIELD_FOR_DETAIL = {"payment": "payment_method", "store": "pickup_store"}


def _render(request, store, contents, form, stock):
    locations = list(Location.objects.filter(is_active=True).exclude(pk=store.pk))
    rows = [
        {
            "line": line,
            "here": stock[line.variant.sku].locations.get(store.code, 0),
            "elsewhere": [
                (loc, stock[line.variant.sku].locations.get(loc.code, 0)) for loc in locations
            ],
        }
        for line in contents.priced.lines
    ]
    return render(
        request,
        "pos/endless_aisle.html",
        {
            "contents": contents,
            "customer": contents.customer,
            "rows": rows,
            "images": main_images(line.variant.product_id for line in contents.priced.lines),
            "locations": locations,
            "form": form,
            "idempotency_key": uuid.uuid4(),
            "saved_addresses": list(Address.objects.filter(customer=contents.customer))
            if contents.customer
            else [],
        },
    )


@require_http_methods(["GET", "POST"])
@pos_view
def endless_aisle(request, store):
    contents = sale_contents(request, store)
    if not contents.priced.lines:
        messages.info(request, gettext("The sale is empty: scan the items to order first."))
        return redirect("pos:till")
    stock = availability_for_variants(variants=contents.variants)
    quantities = {line.variant.sku: line.quantity for line in contents.priced.lines}
    choices = [
        (line.variant.sku, f"{line.quantity} × {line.variant.display_name}")
        for line in contents.priced.lines
    ]
    customer = contents.customer
    if request.method == "GET":
        wanted = request.GET.getlist("sku") or [
            sku for sku, qty in quantities.items() if stock[sku].locations.get(store.code, 0) < qty
        ]
        form = EndlessAisleForm(
            skus=choices,
            store=store,
            initial={
                "skus": wanted,
                "email": customer.email if customer else "",
                "name": customer.name if customer else "",
                "fulfilment": Order.Fulfilment.DELIVERY,
                "payment_method": Payment.Method.CARD,
                "country": "France",
            },
        )
        return _render(request, store, contents, form, stock)

    form = EndlessAisleForm(request.POST, skus=choices, store=store)
    if not form.is_valid():
        messages.error(request, first_error(form))
        return _render(request, store, contents, form, stock)
    skus = form.cleaned_data["skus"]

    def place() -> dict:
        cart = carts.cart_anonymous_new()
        for sku in skus:
            carts.cart_line_add(cart=cart, sku=sku, quantity=quantities[sku], channel=Channel.POS)
        order = checkout_place(
            cart=cart,
            details=form.details(customer),
            customer=customer,
            channel=Channel.POS,
            staff_user=request.user,
        )
        return {"order": order.number}

    try:
        result = run_idempotent(
            scope=request_scope(request),
            key=form.cleaned_data["idempotency_key"].strip(),
            fingerprint=form_fingerprint(request),
            fn=place,
        )
    except IdempotencyKeyInProgress:
        messages.info(request, gettext("This order is already being placed."))
        return redirect("pos:till")
    except InvalidInput as error:
        fields = [ADDRESS_FIELD_FOR_DETAIL.get(d, d) for d in error.details if isinstance(d, str)]
        field = next((f for f in fields if f in form.fields), None)
        form.add_error(field, error.message)
        return _render(request, store, contents, form, stock)
    except DomainError as error:
        messages.error(request, error.message)
        return _render(request, store, contents, form, stock)
    _take_off_sale(request, store, skus)
    messages.success(
        request,
        gettext("Order %(order)s placed; the items left the sale.") % {"order": result["order"]},
    )
    return redirect("pos:receipt", number=result["order"])


def _take_off_sale(request, store, skus: list[str]) -> None:
    """The ordered items are no longer part of the sale at the till."""
    sale = sale_load(request, store)
    cart = sale_cart(sale)
    if cart is None:
        for sku in skus:
            sale.lines.pop(sku, None)
        sale_save(request, sale)
        return
    for line in cart.lines.filter(variant__sku__in=skus):
        carts.cart_line_remove(cart=cart, line_id=line.pk, channel=Channel.POS)
