"""What the storefront shows from shop.marketing: suggestions and the shopper's email choice."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from channels_app.current import current_cart, current_customer
from channels_app.forms import MARKETING_CONSENT_LABEL
from shop.catalog.models import Product
from shop.customers.services import customer_marketing_consent_set
from shop.marketing.recommendations import (
    product_recommendations_cached,
    recommendations_for,
)

#: Suggestions on a page.
SHOWN = 4


def recommendations_panel(request):
    """The "bought together" panel of a product page, or the "you may also like" panel of the
    cart (`in=cart`: what goes with the item added last), fetched by the page after it loaded.
    The same cached list for everybody: one query (the product) once cached, and the cart's
    items for the cart's panel."""
    product = Product.objects.filter(slug=request.GET.get("product", ""), is_active=True).first()
    if product is None:
        return HttpResponse("")
    in_cart = request.GET.get("in") == "cart"
    items = product_recommendations_cached(product=product, limit=SHOWN * 2)
    if in_cart:  # not what is in the cart already
        cart = current_cart(request)
        held = set(cart.lines.values_list("variant__product__slug", flat=True)) if cart else set()
        items = [item for item in items if item["slug"] not in held]
    items = items[:SHOWN]
    context = {
        "items": items,
        "title": "You may also like" if in_cart else "Bought together",
        "panel_id": "cart-reco-title" if in_cart else "bought-together-title",
    }
    response = render(request, "storefront/_recommendations.html", context)
    response["Cache-Control"] = "private, max-age=300"
    return response


def shopper_panel(customer, *, product=None) -> list[dict]:
    """Suggestions from the shopper's whole history (cart page, account page)."""
    return [
        r.as_panel() for r in recommendations_for(customer=customer, product=product, limit=SHOWN)
    ]


def account_context(customer) -> dict:
    return {
        "recommendations": shopper_panel(customer),
        "marketing_consent": customer.marketing_consent,
        "consent_label": MARKETING_CONSENT_LABEL,
    }


@login_required
@require_POST
def email_preferences(request):
    customer = current_customer(request)
    consent = request.POST.get("marketing_consent") == "on"
    customer_marketing_consent_set(customer=customer, consent=consent)
    messages.success(
        request,
        "You will hear from us." if consent else "We will not send you offers or cart reminders.",
    )
    return redirect("storefront:order-history")
