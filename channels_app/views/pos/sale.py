"""The sale being rung up at the till: kept in the database (`carts.TillCart`, one per clerk
and store) until it is paid, so every till sale is a cart.

Two shapes, both priced by `carts.pos.pos_sale_price`:
- scanned lines (SKU → quantity) with promotion codes, held in the till's own cart, or
- a shopper's cart loaded by its handoff code: then the cart itself is the sale (edits go to
  the one cart through `carts.services`, and completing the sale claims and empties it).
"""

import hashlib
import json
from dataclasses import dataclass, field

from django.conf import settings

from carts.errors import InvalidPromotionCode
from carts.models import Cart, TillCart
from carts.pos import pos_sale_price
from carts.pricing import PricedCart
from carts.services import cart_price, cart_with_lines, promotion_by_code
from carts.till_cart import (
    till_cart_attach,
    till_cart_for,
    till_cart_forget,
    till_cart_set_codes,
    till_cart_set_lines,
)
from inventory.models import Location
from inventory.selectors import availability_at, availability_for_variants
from shop.catalog.errors import UnknownSku
from shop.catalog.models import Variant
from shop.catalog.selectors import variants_by_sku
from shop.customers.models import Customer


@dataclass
class Sale:
    """The sale at one store, as the till's pages change it; `sale_save` writes it back."""

    store: str
    #: SKU → quantity, in the order scanned (scanned lines only).
    lines: dict[str, int] = field(default_factory=dict)
    customer_id: int | None = None
    #: Promotion codes typed at the till (scanned lines only; a cart keeps its own).
    codes: list[str] = field(default_factory=list)
    #: The shopper's cart loaded at the till, and its handoff code when loaded.
    cart_id: int | None = None
    cart_code: str = ""
    #: Where it is kept: the clerk's till cart at this store.
    till_cart: TillCart | None = field(default=None, repr=False, compare=False)

    @property
    def from_cart(self) -> bool:
        return self.cart_id is not None


def sale_load(request, store: Location) -> Sale:
    till_cart = till_cart_for(store=store, user=request.user)
    cart = till_cart.cart
    loaded = till_cart.loaded_cart
    return Sale(
        store=store.code,
        lines={line.variant.sku: line.quantity for line in cart.lines.select_related("variant")},
        customer_id=till_cart.customer_id,
        codes=[p.code for p in cart.promotions.order_by("pk")],
        cart_id=loaded.pk if loaded else None,
        cart_code=loaded.handoff_code if loaded else "",
        till_cart=till_cart,
    )


def sale_save(request, sale: Sale) -> None:
    till_cart = sale.till_cart or till_cart_for(store=request.pos_store, user=request.user)
    till_cart_set_lines(till_cart=till_cart, lines=sale.lines)
    till_cart_set_codes(till_cart=till_cart, codes=sale.codes)
    till_cart_attach(till_cart=till_cart, customer_id=sale.customer_id, loaded_cart_id=sale.cart_id)


def sale_forget(request, store: Location) -> None:
    till_cart_forget(store=store, user=request.user)


def sale_cart(sale: Sale) -> Cart | None:
    if sale.cart_id is None:
        return None
    return Cart.objects.filter(pk=sale.cart_id, status=Cart.Status.OPEN).first()


def sale_customer(sale: Sale) -> Customer | None:
    if sale.customer_id is None:
        return None
    return Customer.objects.filter(pk=sale.customer_id).first()


@dataclass
class SaleContents:
    """A sale resolved against the database, ready to show, price or complete."""

    sale: Sale
    cart: Cart | None
    customer: Customer | None
    #: Scanned lines as (variant, quantity); empty when the sale is a cart.
    lines: list[tuple[Variant, int]]
    codes: list[str]
    priced: PricedCart
    #: What was dropped while loading (an SKU no longer sold, a code no longer valid).
    notices: list[str]

    @property
    def variants(self) -> list[Variant]:
        return [line.variant for line in self.priced.lines]

    def name_of(self, sku: str) -> str:
        for line in self.priced.lines:
            if line.variant.sku == sku:
                return line.variant.display_name
        return sku

    def signature(self) -> str:
        """What the clerk saw: the lines, the total, the customer. Sent with the payment form so
        a sale that changed meanwhile (another tab, the shopper online) is not charged blind."""
        body = {
            "lines": [(line.variant.sku, line.quantity) for line in self.priced.lines],
            "total": str(self.priced.total),
            "customer": self.customer.pk if self.customer else None,
            "cart": self.cart.pk if self.cart else None,
        }
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:32]


def sale_contents(request, store: Location) -> SaleContents:
    """Loads the session's sale: lines, customer, codes, cart, and prices it. Anything no longer
    valid (a cart emptied or closed elsewhere, an SKU withdrawn, a code used up) is dropped from
    the session with a notice."""
    sale = sale_load(request, store)
    notices: list[str] = []
    changed = False
    customer = sale_customer(sale)
    if sale.customer_id and customer is None:
        sale.customer_id, changed = None, True
    cart = sale_cart(sale)
    if sale.cart_id and cart is None:
        notices.append(f"The cart {sale.cart_code} is no longer open; it was taken off the sale.")
        sale.cart_id, sale.cart_code, changed = None, "", True
    lines: list[tuple[Variant, int]] = []
    codes: list[str] = []
    if cart is not None:
        priced = pos_sale_price(cart=cart, customer=customer)
        codes = [p.code for p in cart.promotions.all()]
    else:
        try:
            variants = variants_by_sku(skus=sale.lines)
        except UnknownSku as error:
            notices.append(f"{error.message} Removed from the sale.")
            for sku in error.details:
                sale.lines.pop(sku, None)
            changed = True
            variants = variants_by_sku(skus=sale.lines)
        lines = [(variants[sku], qty) for sku, qty in sale.lines.items()]
        for code in sale.codes:
            try:
                promotion_by_code(code)
            except InvalidPromotionCode as error:
                notices.append(error.message)
            else:
                codes.append(code)
        if codes != sale.codes:
            sale.codes, changed = codes, True
        priced = pos_sale_price(lines=lines, customer=customer, codes=codes)
    if changed:
        sale_save(request, sale)
    return SaleContents(
        sale=sale,
        cart=cart,
        customer=customer,
        lines=lines,
        codes=codes,
        priced=priced,
        notices=notices,
    )


@dataclass
class LineStock:
    """A sale line's stock: available here, and where else it is when not enough here."""

    here: int
    elsewhere: list[tuple[Location, int]] = field(default_factory=list)


def sale_stock(store: Location, priced: PricedCart) -> dict[str, LineStock]:
    """SKU → stock for each line of the sale, in a fixed number of queries."""
    variants = [line.variant for line in priced.lines]
    here = availability_at(location=store, variants=variants, for_sale=True)
    result = {v.sku: LineStock(here=here.get(v.pk, 0)) for v in variants}
    short = [line.variant for line in priced.lines if result[line.variant.sku].here < line.quantity]
    if short:
        everywhere = availability_for_variants(variants=short)
        locations = {
            loc.code: loc for loc in Location.objects.filter(is_active=True).exclude(pk=store.pk)
        }
        for variant in short:
            result[variant.sku].elsewhere = [
                (locations[code], units)
                for code, units in everywhere[variant.sku].locations.items()
                if code in locations and units > 0
            ]
    return result


def customer_cart(customer: Customer | None, *, loaded: Cart | None):
    """The attached customer's saved online cart with its prices, unless it is empty or is
    the sale already; (cart, priced) or (None, None)."""
    if customer is None:
        return None, None
    cart = Cart.objects.filter(customer=customer, status=Cart.Status.OPEN).first()
    if cart is None or (loaded is not None and loaded.pk == cart.pk):
        return None, None
    cart = cart_with_lines(cart.pk)
    if not cart.lines.all():
        return None, None
    return cart, cart_price(cart, customer=customer)


def max_quantity() -> int:
    return settings.MAX_CART_LINE_QUANTITY
