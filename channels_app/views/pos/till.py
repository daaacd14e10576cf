"""The till: scan or search items, attach a customer, load a saved cart, take the payment."""

import uuid
from decimal import Decimal

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from carts import services as carts
from carts.errors import CartLineNotFound
from carts.models import Cart
from carts.pos import pos_sale_complete
from carts.selectors import cart_by_handoff_code
from carts.services import HANDOFF_LENGTH
from channels_app.idempotency import (
    IdempotencyKeyInProgress,
    form_fingerprint,
    idempotent_outcome,
    request_scope,
    run_idempotent,
)
from channels_app.models import IdempotencyKey
from channels_app.throttling import throttle_posts, throttle_wait, throttled_page
from channels_app.views.pos.access import pos_view
from channels_app.views.pos.forms import (
    CodeForm,
    CustomerForm,
    LineAddForm,
    PaymentForm,
    QuantityForm,
    ScanForm,
    first_error,
)
from channels_app.views.pos.receipts import receipt_render
from channels_app.views.pos.sale import (
    Sale,
    SaleContents,
    customer_cart,
    max_quantity,
    sale_cart,
    sale_contents,
    sale_forget,
    sale_load,
    sale_save,
    sale_stock,
)
from inventory.errors import InsufficientStock
from inventory.selectors import availability_at
from shop.catalog.errors import VariantNotFound
from shop.catalog.images import main_images
from shop.catalog.selectors import product_list, variant_by_code
from shop.channels import Channel
from shop.customers.models import Customer
from shop.customers.selectors import customer_search
from shop.errors import Conflict, DomainError
from shop.marketing.touches import touch_handoff_scan
from shop.payments.drawer import drawer_open_session
from shop.payments.models import Payment
from shop.payments.stored_value import store_credit_balance

#: Products listed for a name search at the till.
SEARCH_LIMIT = 12
#: The refusal page of a form posted too often, in the till's layout.
POS_429 = "pos/429.html"


class SaleChanged(Conflict):
    code = "sale_changed"
    default_message = (
        "The sale changed since this page was shown (another tab, or the shopper online). "
        "Check the lines and the total, then take the payment again."
    )


def _to_till(**query):
    url = reverse("pos:till")
    return redirect(f"{url}?{urlencode(query)}" if query else url)


# --- the page ------------------------------------------------------------------------------


def render_till(request, store, *, payment_form=None, review=None, status=200):
    contents = sale_contents(request, store)
    for notice in contents.notices:
        messages.warning(request, notice)
    query = request.GET.get("q", "").strip()
    products = list(product_list(query=query)[:SEARCH_LIMIT]) if query else []
    found_variants = [v for product in products for v in product.variants.all()]
    customer_query = request.GET.get("customer_q", "").strip()
    saved_cart, saved_priced = customer_cart(contents.customer, loaded=contents.cart)
    drawer = drawer_open_session(store=store)
    images = sale_images(products, contents.priced)
    if payment_form is None:
        method = Payment.Method.CASH if drawer else Payment.Method.CARD
        payment_form = PaymentForm(initial={"method": method})
    context = {
        "sale": contents.sale,
        "contents": contents,
        "priced": contents.priced,
        "stock": sale_stock(store, contents.priced),
        "query": query,
        "products": products,
        "product_stock": availability_at(location=store, variants=found_variants)
        if found_variants
        else {},
        "customer_query": customer_query,
        "customer_matches": list(customer_search(query=customer_query)) if customer_query else None,
        "saved_cart": saved_cart,
        "saved_priced": saved_priced,
        "drawer": drawer,
        "payment_form": payment_form,
        "store_credit": _store_credit(contents.customer),
        "images": images,
        "review": review,
        # A fresh key on every render: a double submit of this page makes at most one sale.
        "idempotency_key": uuid.uuid4(),
        "signature": contents.signature(),
        "max_quantity": max_quantity(),
        "handoff_length": HANDOFF_LENGTH,
    }
    return render(request, "pos/till.html", context, status=status)


def sale_images(products, priced) -> dict[int, str]:
    """Product id → first picture, for the search results and the sale's lines, in one query."""
    ids = [product.pk for product in products] + [line.variant.product_id for line in priced.lines]
    return main_images(ids)


@require_GET
@pos_view
def till(request, store):
    return render_till(request, store)


# --- lines ---------------------------------------------------------------------------------


def _cart_of(request, sale: Sale) -> Cart:
    """The cart the sale is: the shopper's cart loaded at the till, else the till's own (a
    loaded cart closed elsewhere meanwhile is taken off the sale)."""
    cart = sale_cart(sale)
    if cart is not None:
        return cart
    if sale.from_cart:
        sale.cart_id, sale.cart_code = None, ""
        sale_save(request, sale)
    return sale.till_cart.cart


def _add(request, store, sale: Sale, sku: str, quantity: int) -> None:
    """One scan or tap, through the cart service."""
    carts.cart_line_add(
        cart=_cart_of(request, sale), sku=sku, quantity=quantity, channel=Channel.POS
    )


def _load_cart(request, store, sale: Sale, cart: Cart) -> None:
    """The shopper's cart becomes the sale. Items already scanned join that cart (it is the one
    cart of the customer, and completing the sale empties it); the cart's owner is attached."""
    for sku, quantity in sale.lines.items():
        carts.cart_line_add(cart=cart, sku=sku, quantity=quantity, channel=Channel.POS)
    for code in sale.codes:
        carts.cart_promotion_code_apply(cart=cart, code=code)
    if sale.lines:
        messages.info(request, gettext("The items already scanned were added to the loaded cart."))
    sale.lines, sale.codes = {}, []
    sale.cart_id, sale.cart_code = cart.pk, cart.handoff_code
    if cart.customer_id:
        sale.customer_id = cart.customer_id
    sale_save(request, sale)
    touch_handoff_scan(customer=cart.customer, store=store)
    if cart.customer_id:
        loaded = gettext("Cart %(code)s of %(customer)s loaded.")
    else:
        loaded = gettext("Cart %(code)s loaded.")
    messages.success(request, loaded % {"code": cart.handoff_code, "customer": cart.customer})


@require_POST
@pos_view
def scan(request, store):
    """The scan box: a barcode or SKU adds one unit; else a handoff code loads that cart; else
    the text searches products by name."""
    form = ScanForm(request.POST)
    if not form.is_valid():
        return _to_till()
    code = form.cleaned_data["code"]
    sale = sale_load(request, store)
    try:
        variant = variant_by_code(code=code)
    except VariantNotFound:
        variant = None
    if variant is not None:
        _add(request, store, sale, variant.sku, 1)
        messages.success(request, gettext("Added %(name)s.") % {"name": variant.display_name})
        return _to_till()
    if len(code) == HANDOFF_LENGTH:
        if wait := throttle_wait(request, "handoff_lookup"):
            return throttled_page(request, wait, template=POS_429)
        cart = cart_by_handoff_code(code)
        if cart is not None:
            _load_cart(request, store, sale, cart)
            return _to_till()
    return _to_till(q=code)


@require_POST
@pos_view
def line_add(request, store):
    form = LineAddForm(request.POST)
    if not form.is_valid():
        messages.error(request, first_error(form))
        return _to_till()
    sku = form.cleaned_data["sku"]
    variant = variant_by_code(code=sku)  # refuses an SKU no longer sold
    _add(request, store, sale_load(request, store), variant.sku, form.cleaned_data["quantity"] or 1)
    messages.success(request, gettext("Added %(name)s.") % {"name": variant.display_name})
    return _to_till()


def _cart_line_id(cart: Cart, sku: str) -> int:
    line = cart.lines.filter(variant__sku=sku).first()
    if line is None:
        raise CartLineNotFound(gettext("%(sku)s is not in the cart.") % {"sku": sku})
    return line.pk


@require_POST
@pos_view
def line_update(request, store, sku: str):
    form = QuantityForm(request.POST)
    if not form.is_valid():
        messages.error(request, first_error(form))
        return _to_till()
    quantity = form.cleaned_data["quantity"]
    cart = _cart_of(request, sale_load(request, store))
    carts.cart_line_update(
        cart=cart, line_id=_cart_line_id(cart, sku), quantity=quantity, channel=Channel.POS
    )
    return _to_till()


@require_POST
@pos_view
def line_remove(request, store, sku: str):
    cart = _cart_of(request, sale_load(request, store))
    carts.cart_line_remove(cart=cart, line_id=_cart_line_id(cart, sku), channel=Channel.POS)
    return _to_till()


# --- promotion codes -----------------------------------------------------------------------


@require_POST
@pos_view
@throttle_posts("promotion_code", template=POS_429)
def code_apply(request, store):
    form = CodeForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Enter a promotion code."))
        return _to_till()
    cart = _cart_of(request, sale_load(request, store))
    promotion = carts.cart_promotion_code_apply(cart=cart, code=form.cleaned_data["code"])
    messages.success(
        request,
        gettext("Code %(code)s added: %(name)s.")
        % {"code": promotion.code, "name": promotion.name},
    )
    return _to_till()


@require_POST
@pos_view
def code_remove(request, store):
    form = CodeForm(request.POST)
    if form.is_valid():
        cart = _cart_of(request, sale_load(request, store))
        carts.cart_promotion_code_remove(cart=cart, code=form.cleaned_data["code"])
    return _to_till()


# --- customer and cart ---------------------------------------------------------------------


@require_POST
@pos_view
def customer_attach(request, store):
    form = CustomerForm(request.POST)
    customer = None
    if form.is_valid():
        customer = Customer.objects.filter(pk=form.cleaned_data["customer"]).first()
    if customer is None:
        messages.error(request, gettext("No such customer."))
        return _to_till()
    sale = sale_load(request, store)
    sale.customer_id = customer.pk
    sale_save(request, sale)
    messages.success(
        request, gettext("%(customer)s attached to the sale.") % {"customer": customer}
    )
    return _to_till()


@require_POST
@pos_view
def customer_detach(request, store):
    sale = sale_load(request, store)
    if sale.from_cart:
        messages.error(
            request, gettext("The loaded cart belongs to this customer: release it first.")
        )
        return _to_till()
    sale.customer_id = None
    sale_save(request, sale)
    return _to_till()


@require_POST
@pos_view
@throttle_posts("handoff_lookup", template=POS_429)
def cart_load(request, store):
    form = ScanForm(request.POST)
    cart = cart_by_handoff_code(form.cleaned_data["code"]) if form.is_valid() else None
    if cart is None:
        messages.error(request, gettext("No open cart with this code."))
        return _to_till()
    _load_cart(request, store, sale_load(request, store), cart)
    return _to_till()


@require_POST
@pos_view
def cart_release(request, store):
    """Takes the loaded cart off the till, unchanged; the customer stays attached."""
    sale = sale_load(request, store)
    sale.cart_id, sale.cart_code = None, ""
    sale_save(request, sale)
    messages.info(request, gettext("The cart was released: it is kept as it is for the shopper."))
    return _to_till()


@require_POST
@pos_view
def sale_clear(request, store):
    sale_forget(request, store)
    messages.info(request, gettext("New sale."))
    return _to_till()


# --- payment -------------------------------------------------------------------------------


def _shortage(error: InsufficientStock, contents: SaleContents | None, store) -> str:
    short = [
        d
        for d in error.details
        if isinstance(d, dict) and d.get("requested", 0) > d.get("available", 0)
    ]
    if not short:
        return f"{error.message} Nothing was charged; the sale is kept."
    parts = [
        f"{contents.name_of(d['sku']) if contents else d['sku']} ({d['sku']}): "
        f"{d['requested']} in the sale, {d['available']} available"
        for d in short
    ]
    return (
        f"Not enough stock at {store.name} for " + "; ".join(parts) + ". "
        "Nothing was charged; the sale is kept."
    )


@require_POST
@pos_view
def complete(request, store):
    form = PaymentForm(request.POST)
    if not form.is_valid():
        messages.error(request, first_error(form))
        return render_till(request, store, payment_form=form, status=400)
    payment = form.payment()
    cash = payment.method == Payment.Method.CASH
    key = form.cleaned_data["idempotency_key"].strip()
    if idempotent_outcome(scope=request_scope(request), key=key) is None:
        now = sale_contents(request, store)
        share = form.stored_value_share(now.priced.total, store_credit=_store_credit(now.customer))
        covered = bool(share) and share >= now.priced.total
        cash = cash and not covered  # gift cards or store credit paying it all take no cash
        if not covered and (missing := form.rest_missing()):
            messages.error(request, missing)
            return render_till(request, store, payment_form=form, status=400)
        if cash and drawer_open_session(store=store) is None:
            messages.error(
                request,
                gettext("The drawer is closed: open the till with a float before taking cash."),
            )
            return _to_till()
        if cash and not form.cleaned_data["confirmed"]:
            return _review(request, store, form)

    seen: dict[str, SaleContents] = {}

    def sell() -> dict:
        contents = seen["sale"] = sale_contents(request, store)
        if contents.signature() != form.cleaned_data["sale"]:
            raise SaleChanged()
        tenders = form.tenders(contents.priced.total, store_credit=_store_credit(contents.customer))
        order = pos_sale_complete(
            store=store,
            clerk=request.user,
            payment=None if tenders else payment,
            tenders=tenders,
            cart=contents.cart or contents.sale.till_cart.cart,
            customer=contents.customer,
            codes=contents.codes,
        )
        seen["gift_cards"] = order.gift_cards  # their codes: for this receipt only
        return {"order": order.number}

    try:
        result = run_idempotent(
            scope=request_scope(request),
            key=key,
            fingerprint=form_fingerprint(request),
            fn=sell,
        )
    except IdempotencyKeyInProgress:
        return redirect("pos:sale-pending", key=key)
    except InsufficientStock as error:
        messages.error(request, _shortage(error, seen.get("sale"), store))
        return _to_till()
    except DomainError as error:
        messages.error(request, error.message)
        return _to_till()
    sale_forget(request, store)
    if seen.get("gift_cards"):
        # Gift cards sold: their codes are printed on this receipt, which is rendered here and
        # not after a redirect, since the codes are stored nowhere. A reprint leaves them out.
        return receipt_render(request, result["order"], new_gift_cards=seen["gift_cards"])
    return redirect("pos:receipt", number=result["order"])


def _review(request, store, form: PaymentForm):
    """Cash: the change due is shown before the clerk confirms."""
    contents = sale_contents(request, store)
    tendered = form.cleaned_data["tendered"]
    credit = form.store_credit_share(
        contents.priced.total, store_credit=_store_credit(contents.customer)
    )
    total = contents.priced.total - form.gift_card_share() - credit
    if tendered is None:
        messages.error(
            request,
            gettext("Enter the cash tendered for the %(total)s left to pay.") % {"total": total},
        )
        return render_till(request, store, payment_form=form)
    if tendered < total:
        messages.error(
            request,
            gettext("%(tendered)s tendered is less than the total %(total)s.")
            % {"tendered": tendered, "total": total},
        )
        return render_till(request, store, payment_form=form)
    review = {
        "tendered": tendered,
        "change": tendered - total,
        "total": total,
        "gift_card_code": form.cleaned_data["gift_card_code"],
        "gift_card_amount": form.cleaned_data["gift_card_amount"],
        "store_credit_amount": credit,
    }
    return render_till(request, store, payment_form=form, review=review)


def _store_credit(customer: Customer | None) -> Decimal:
    """The attached customer's store credit (nothing without a customer)."""
    return store_credit_balance(customer=customer) if customer else Decimal("0.00")


@require_GET
@pos_view
def sale_pending(request, store, key: str):
    """Where a second submit of the payment waits for the first to finish."""
    outcome = idempotent_outcome(scope=request_scope(request), key=key)
    if outcome is None:
        messages.error(
            request, gettext("The sale was not completed. Check it and take the payment again.")
        )
        return _to_till()
    state, result = outcome
    if state == IdempotencyKey.State.DONE:
        sale_forget(request, store)
        return redirect("pos:receipt", number=result["order"])
    return render(request, "pos/sale_pending.html", {"key": key})
