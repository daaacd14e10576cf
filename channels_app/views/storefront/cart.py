"""The cart page and its changes: quantities, removals, promotion codes."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from carts import services
from carts.errors import CartLineNotFound
from carts.services import cart_anonymous_contents, cart_load_lines, cart_price, price_lines
from channels_app.current import SESSION_CART, current_cart, current_customer
from channels_app.forms import CartLineUpdateForm, PromotionCodeForm
from channels_app.throttling import throttle_posts
from channels_app.views.storefront.reminders import SESSION_REMINDER_EMAIL
from shop.channels import Channel
from shop.errors import DomainError


def priced_cart(request):
    """(cart with lines, its prices) of the shopper, or (None, None) when there is no cart.
    A fixed number of queries, whatever the number of lines."""
    cart = current_cart(request)
    if cart is None:
        return None, None
    cart = cart_load_lines(cart)
    customer = current_customer(request)
    email = None if customer else request.session.get(SESSION_REMINDER_EMAIL)
    return cart, cart_price(cart, customer=customer, email=email)


def _cart_page_contents(request) -> tuple:
    """(cart, its prices, its promotion codes) for the cart page; (None, None, []) when there
    is nothing to show. An anonymous shopper's cart, the page most often shown, is read with
    its lines in one query (`cart_anonymous_contents`): the page is the same without a cart
    as with an empty one."""
    customer = current_customer(request)
    if customer is not None:
        cart, priced = priced_cart(request)
        _pictures_on_variants(cart)
        return cart, priced, list(cart.promotions.all()) if cart else []
    cart_id = request.session.get(SESSION_CART)
    contents = cart_anonymous_contents(cart_id=cart_id) if cart_id else None
    if contents is None:
        return None, None, []
    cart, lines, promotions = contents
    for line in lines:
        line.variant.main_image = line.main_image
    priced = price_lines(
        [(line.variant, line.quantity) for line in lines],
        promotions=promotions,
        customer=None,
        line_ids=[line.pk for line in lines],
        email=request.session.get(SESSION_REMINDER_EMAIL),
    )
    return cart, priced, promotions


def _pictures_on_variants(cart) -> None:
    """Each line's variant carries its product's first picture (read with the lines)."""
    for line in cart.lines.all() if cart is not None else ():
        line.variant.main_image = getattr(line, "main_image", None)


def cart(request):
    cart, priced, promotions = _cart_page_contents(request)
    units = sum(line.quantity for line in priced.lines) if priced else 0
    applied = {a.promotion.pk for a in priced.applied} if priced else set()
    codes = [{"promotion": p, "applied": p.pk in applied} for p in promotions]
    return render(
        request,
        "storefront/cart.html",
        {
            "cart": cart,
            "priced": priced,
            "codes": codes,
            "automatic": [a for a in priced.applied if not a.promotion.code] if priced else [],
            "max_quantity": CartLineUpdateForm.base_fields["quantity"].max_value,
            "cart_units": units,  # the header's count, known here without a query
        },
    )


def _open_cart(request):
    cart = current_cart(request)
    if cart is None:
        raise CartLineNotFound(gettext("Your cart is empty."))
    return cart


def _first_error(form) -> str:
    return next(iter(form.errors.values()))[0]


@require_POST
@throttle_posts("cart")
def line_update(request, line_id: int):
    form = CartLineUpdateForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, gettext("Quantity: %(first_error)s") % {"first_error": _first_error(form)}
        )
        return redirect("storefront:cart")
    try:
        line = services.cart_line_update(
            cart=_open_cart(request),
            line_id=line_id,
            quantity=form.cleaned_data["quantity"],
            channel=Channel.WEB,
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            gettext("%(name)s: quantity %(quantity)s.")
            % {"name": line.variant.display_name, "quantity": line.quantity},
        )
    return redirect("storefront:cart")


@require_POST
@throttle_posts("cart")
def line_remove(request, line_id: int):
    try:
        services.cart_line_remove(cart=_open_cart(request), line_id=line_id, channel=Channel.WEB)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Item removed from your cart."))
    return redirect("storefront:cart")


@require_POST
@throttle_posts("cart", "promotion_code")
def promotion_apply(request):
    form = PromotionCodeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter a promotion code."))
        return redirect("storefront:cart")
    try:
        promotion = services.cart_promotion_code_apply(
            cart=current_cart(request, create=True), code=form.cleaned_data["code"]
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            gettext("Code %(code)s added: %(name)s.")
            % {"code": promotion.code, "name": promotion.name},
        )
    return redirect("storefront:cart")


@require_POST
@throttle_posts("cart")
def promotion_remove(request):
    form = PromotionCodeForm(request.POST)
    if form.is_valid():
        try:
            services.cart_promotion_code_remove(
                cart=_open_cart(request), code=form.cleaned_data["code"]
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, gettext("Code %(code)s removed.") % {"code": form.cleaned_data["code"]}
            )
    return redirect("storefront:cart")
