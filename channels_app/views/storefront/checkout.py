"""Checkout: delivery or click-and-collect, paid by card or at pickup; one order per submit."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from carts.checkout import ADDRESS_FIELDS, checkout_place
from carts.errors import EmptyCart
from carts.pricing import ShippingCharge
from carts.shipping import shipping_options
from channels_app.current import current_cart, current_customer
from channels_app.formatting import format_money
from channels_app.forms import CheckoutForm
from channels_app.idempotency import (
    IdempotencyKeyInProgress,
    form_fingerprint,
    idempotent_outcome,
    request_scope,
    run_idempotent,
)
from channels_app.models import IdempotencyKey
from channels_app.throttling import throttle_posts
from channels_app.views.storefront._common import SESSION_ORDERS, remember_order
from channels_app.views.storefront.cart import priced_cart
from channels_app.visitor import visitor_join
from inventory.errors import InsufficientStock
from inventory.models import Location
from inventory.selectors import availability_for_variants
from shop.channels import Channel
from shop.customers.address_rules import country_code
from shop.customers.models import Address
from shop.errors import DomainError, InvalidInput, PaymentDeclined
from shop.marketing.contacts import checkout_consent_record
from shop.orders.models import Order
from shop.payments.errors import GiftCardNotFound, StoredValueTooLow
from shop.payments.gateways import gateway
from shop.payments.models import Payment
from shop.payments.stored_value import store_credit_balance
from shop.shipping.models import ShippingMethod


def fulfilment_options(lines) -> dict:
    """Where the cart's lines can come from, read once for all lines: the collect stores
    that have every line in the wanted quantity, and the lines delivery cannot cover."""
    available = availability_for_variants(variants=[line.variant for line in lines])
    stores = Location.objects.filter(is_active=True, click_and_collect=True).order_by("name")
    return {
        "stores": [
            store
            for store in stores
            if all(
                available[line.variant.sku].locations.get(store.code, 0) >= line.quantity
                for line in lines
            )
        ],
        "short_online": [
            {"line": line, "available": available[line.variant.sku].online}
            for line in lines
            if available[line.variant.sku].online < line.quantity
        ],
    }


def delivery_options(form: CheckoutForm, priced, customer) -> dict:
    """The saved addresses to pick from, and the delivery methods for the country shown (the
    chosen one, or else the cheapest, priced into the summary)."""
    saved = list(Address.objects.filter(customer=customer)) if customer is not None else []
    picked = str(form["address"].value() or "")
    default = next((a for a in saved if a.is_default_shipping), None)
    chosen_address = next((a for a in saved if str(a.pk) == picked), None)
    if chosen_address is None and not form.is_bound:
        chosen_address = default
    country = (
        chosen_address.country
        if chosen_address
        else country_code(str(form["country"].value() or "")) or "FR"
    )
    options = [
        option
        for option in shipping_options(priced, country=country)
        if option.method.kind != ShippingMethod.Kind.COLLECT
    ]
    wanted = str(form["shipping_method"].value() or "")
    chosen = next((o for o in options if o.method.code == wanted), options[0] if options else None)
    if chosen is not None and form["fulfilment"].value() != Order.Fulfilment.COLLECT:
        priced.shipping = ShippingCharge(method=chosen.method, amount=chosen.price)
    return {
        "saved_addresses": saved,
        "chosen_address": chosen_address,
        "shipping_options": options,
        "chosen_shipping": chosen,
        # What the summary shows for each choice, so it follows the radio the shopper picks.
        "shipping_labels": {
            option.method.code: {
                "price": format_money(option.price) if option.price else _("Free"),
                "total": format_money(priced.goods_total + option.price),
            }
            for option in options
        },
        "goods_total_label": format_money(priced.goods_total),
    }


def _shortages(error: InsufficientStock, lines) -> list[dict]:
    names = {line.variant.sku: line.variant.display_name for line in lines}
    return [
        {**detail, "name": names.get(detail["sku"], detail["sku"])}
        for detail in error.details
        if isinstance(detail, dict) and detail.get("requested", 0) > detail.get("available", 0)
    ]


def _render(request, form: CheckoutForm, cart, priced, *, shortages=None):
    lines = list(cart.lines.all())
    customer = current_customer(request)
    return render(
        request,
        "storefront/checkout.html",
        {
            "form": form,
            "cart": cart,
            "priced": priced,
            # A fresh key on every render: a submit of this page makes at most one order.
            "idempotency_key": uuid.uuid4(),
            "shortages": shortages or [],
            "address_fields": [form[name] for name in ADDRESS_FIELDS],
            "pickup_days": settings.PICKUP_DAYS,
            "gateway": gateway(),
            "store_credit": _store_credit(request),
            **fulfilment_options(lines),
            **delivery_options(form, priced, customer),
        },
    )


def _store_credit(request) -> Decimal:
    customer = current_customer(request)
    return store_credit_balance(customer=customer) if customer else Decimal("0.00")


@throttle_posts("checkout")
def checkout(request):
    if request.method == "POST":
        return _checkout_post(request)
    cart, priced = priced_cart(request)
    if cart is None or not priced.lines:
        messages.info(request, _("Your cart is empty: add something before checking out."))
        return redirect("storefront:cart")
    user = request.user
    customer = current_customer(request)
    form = CheckoutForm(
        initial={
            "email": user.email if user.is_authenticated else "",
            "marketing_consent": bool(customer and customer.marketing_consent),
            "fulfilment": Order.Fulfilment.DELIVERY,
            "payment_method": Payment.Method.CARD,
            "card_token": "tok_visa",
            "country": "France",
        }
    )
    return _render(request, form, cart, priced)


def _checkout_post(request):
    form = CheckoutForm(request.POST)
    shortages = None
    if form.is_valid():

        def place() -> dict:
            cart = current_cart(request)
            if cart is None:
                raise EmptyCart()
            customer = current_customer(request)
            checkout_consent_record(
                email=form.cleaned_data["email"],
                consent=form.cleaned_data["marketing_consent"],
                customer=customer,
            )
            order = checkout_place(
                cart=cart,
                details=form.details(
                    total=priced_cart(request)[1].total,
                    store_credit=store_credit_balance(customer=customer)
                    if customer
                    else Decimal("0.00"),
                    customer=customer,
                ),
                customer=customer,
                channel=Channel.WEB,
                session_orders=request.session.get(SESSION_ORDERS, []),
            )
            visitor_join(request, order.customer)
            return {"order": order.number}

        key = form.cleaned_data["idempotency_key"].strip()
        try:
            result = run_idempotent(
                scope=request_scope(request),
                key=key,
                fingerprint=form_fingerprint(request),
                fn=place,
                atomic=False,  # reserve, charge and place commit one after the other
            )
        except IdempotencyKeyInProgress:
            return redirect("storefront:checkout-pending", key=key)
        except EmptyCart as error:
            messages.info(request, error.message)
            return redirect("storefront:cart")
        except InsufficientStock as error:
            cart = current_cart(request)
            lines = cart.lines.select_related("variant__product") if cart else []
            shortages = _shortages(error, lines)
            form.add_error(None, error.message)
        except PaymentDeclined as error:
            form.add_error("card_token", f"{error.message} Your cart is kept: try another card.")
        except StoredValueTooLow as error:
            form.add_error("gift_card_amount", error.message)
        except GiftCardNotFound as error:
            form.add_error("gift_card_code", error.message)
        except InvalidInput as error:
            form.add_service_error(error.message, error.details)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            remember_order(request, result["order"])
            return redirect("storefront:order", number=result["order"])
    cart, priced = priced_cart(request)
    if cart is None or not priced.lines:
        messages.info(request, _("Your cart is empty: add something before checking out."))
        return redirect("storefront:cart")
    return _render(request, form, cart, priced, shortages=shortages)


def checkout_pending(request, key: str):
    """Where a second submit of the checkout form waits for the first to finish."""
    outcome = idempotent_outcome(scope=request_scope(request), key=key)
    if outcome is not None and outcome[0] == IdempotencyKey.State.PROCESSING:
        return render(request, "storefront/checkout_pending.html", {"key": key})
    number = outcome[1].get("order") if outcome and isinstance(outcome[1], dict) else None
    if not number:  # the first submit failed (its key was freed), or this is no checkout key
        messages.error(
            request, _("Your order could not be placed. Check the details and try again.")
        )
        return redirect("storefront:checkout")
    remember_order(request, number)
    return redirect("storefront:order", number=number)
