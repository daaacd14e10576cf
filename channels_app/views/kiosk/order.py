"""Ordering at the kiosk (the web checkout, channel `kiosk`), handing the cart over (QR code
for the shopper's phone, or its code for the till), enrolling the device and the idle reset."""

import uuid

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from carts.checkout import checkout_place
from carts.errors import EmptyCart
from carts.models import Cart
from carts.services import cart_merge
from channels_app.current import current_cart, current_customer
from channels_app.forms import CheckoutForm
from channels_app.idempotency import form_fingerprint, request_scope, run_idempotent
from channels_app.kiosk_device import device_enrol, idle_seconds, kiosk_view
from channels_app.views.storefront.cart import priced_cart
from channels_app.views.storefront.checkout import _shortages, fulfilment_options
from inventory.errors import InsufficientStock
from inventory.models import Location
from shop.channels import Channel
from shop.errors import DomainError, InvalidInput, PermissionDenied
from shop.orders.models import Order
from shop.payments.gateways import gateway
from shop.payments.models import Payment

HANDOFF_SALT = "kiosk-handoff"
#: How long a cart's QR code can be taken to a phone.
HANDOFF_SECONDS = 15 * 60


def _render_checkout(request, store, form, cart, priced, shortages=None):
    return render(
        request,
        "kiosk/checkout.html",
        {
            "store": store,
            "idle_seconds": idle_seconds(),
            "form": form,
            "cart": cart,
            "priced": priced,
            "idempotency_key": uuid.uuid4(),
            "shortages": shortages or [],
            "gateway": gateway(),
            **fulfilment_options(list(cart.lines.all())),
        },
    )


@kiosk_view
def checkout(request, store: Location):
    cart, priced = priced_cart(request)
    if cart is None or not priced.lines:
        messages.info(request, gettext("The cart is empty."))
        return redirect("kiosk:start", store=store.code)
    if request.method != "POST":
        form = CheckoutForm(
            initial={
                "fulfilment": Order.Fulfilment.COLLECT,
                "store": store.code if store.click_and_collect else None,
                "payment_method": Payment.Method.PAY_AT_PICKUP,
                "card_token": "tok_visa",
            }
        )
        return _render_checkout(request, store, form, cart, priced)
    form = CheckoutForm(request.POST)
    shortages = None
    if form.is_valid():

        def place() -> dict:
            order = checkout_place(
                cart=current_cart(request) or cart,
                details=form.details(),
                customer=current_customer(request),
                channel=Channel.KIOSK,
            )
            return {"order": order.number}

        try:
            result = run_idempotent(
                scope=request_scope(request),
                key=form.cleaned_data["idempotency_key"].strip(),
                fingerprint=form_fingerprint(request),
                fn=place,
                atomic=False,
            )
        except EmptyCart:
            return redirect("kiosk:start", store=store.code)
        except InsufficientStock as error:
            # The wall showed stock that has gone since: say what is left, keep the cart.
            shortages = _shortages(error, cart.lines.select_related("variant__product"))
            form.add_error(None, error.message)
        except InvalidInput as error:
            form.add_service_error(error.message, error.details)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            return redirect("kiosk:done", store=store.code, number=result["order"])
    cart, priced = priced_cart(request)
    return _render_checkout(request, store, form, cart, priced, shortages)


@kiosk_view
def done(request, store: Location, number: str):
    order = get_object_or_404(Order, number=number, channel=Channel.KIOSK)
    return render(
        request,
        "kiosk/done.html",
        {"store": store, "idle_seconds": min(20, idle_seconds()), "order": order},
    )


@require_POST
@kiosk_view
def reset(request, store: Location):
    """The screen was left alone: the next shopper starts with an empty cart and a new
    session. The cart itself is left to lapse (it may have been taken to a phone)."""
    request.session.flush()
    return redirect("kiosk:start", store=store.code)


@kiosk_view
def handoff(request, store: Location):
    cart, priced = priced_cart(request)
    if cart is None or not priced.lines:
        return redirect("kiosk:cart", store=store.code)
    token = signing.dumps(cart.pk, salt=HANDOFF_SALT)
    take_url = settings.SHOP_BASE_URL.rstrip("/") + reverse("kiosk:take", args=[token])
    return render(
        request,
        "kiosk/handoff.html",
        {
            "store": store,
            "idle_seconds": idle_seconds(),
            "cart": cart,
            "priced": priced,
            "take_url": take_url,
        },
    )


def take(request, token: str):
    """The shopper's phone scanned the kiosk's QR code: the kiosk cart's lines move into the
    phone's cart (the customer's when signed in), and the phone shows its cart."""
    try:
        cart_id = signing.loads(token, salt=HANDOFF_SALT, max_age=HANDOFF_SECONDS)
    except signing.BadSignature:
        messages.error(request, gettext("This code has expired: ask the kiosk for a new one."))
        return redirect("storefront:cart")
    source = Cart.objects.filter(pk=cart_id, status=Cart.Status.OPEN, customer__isnull=True)
    source = source.first()
    if source is not None:
        with transaction.atomic():
            cart_merge(source=source, target=current_cart(request, create=True))
        messages.success(request, gettext("Your cart from the kiosk is here."))
    return redirect("storefront:cart")


def enrol(request, store: str):
    """A manager types the device token shown when the kiosk was created in the admin."""
    location = get_object_or_404(Location, code=store, is_active=True)
    error = ""
    if request.method == "POST":
        response = redirect("kiosk:start", store=store)
        try:
            device_enrol(response, token=request.POST.get("token", ""), store_code=store)
        except PermissionDenied as denied:
            error = denied.message
        else:
            return response
    return render(
        request,
        "kiosk/enrol.html",
        {"store": location, "error": error},
        status=400 if error else 200,
    )
