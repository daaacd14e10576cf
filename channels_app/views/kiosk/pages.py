"""The kiosk's browsing pages: start (categories, search, newest), a product with each
variant's stock here, at the other stores and online, and the cart."""

from dataclasses import dataclass

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from carts.services import cart_line_add, cart_line_remove
from channels_app.current import current_cart
from channels_app.forms import CartLineAddForm
from channels_app.kiosk_device import idle_seconds, kiosk_view
from channels_app.views.storefront.cart import priced_cart
from inventory.models import Location
from inventory.selectors import availability_for_variants
from shop.catalog.models import Category, Product, Variant
from shop.catalog.selectors import (
    newest_product_cards,
    product_cards,
    product_detail,
    product_images,
    products_listed,
)
from shop.channels import Channel
from shop.errors import DomainError

#: Products on the start page and on a page of results.
GRID = 12


def _context(request, store, **extra) -> dict:
    return {"store": store, "idle_seconds": idle_seconds(), **extra}


@kiosk_view
def start(request, store: Location):
    query = request.GET.get("q", "").strip()[:100]
    slug = request.GET.get("category", "")
    category = Category.objects.filter(slug=slug).first() if slug else None
    if query or category:
        products = product_cards(products_listed(query=query, category=category)[:GRID])
    else:
        products = newest_product_cards(limit=GRID)
    return render(
        request,
        "kiosk/start.html",
        _context(
            request,
            store,
            query=query,
            category=category,
            categories=Category.objects.filter(parent__isnull=True).order_by("name"),
            products=products,
        ),
    )


@dataclass
class KioskStock:
    """One variant as the wall shows it: units here, at each other store, and online."""

    variant: Variant
    here: int
    online: int
    elsewhere: list[tuple[Location, int]]

    @property
    def anywhere(self) -> bool:
        return bool(self.here or self.online or any(n for _, n in self.elsewhere))


def kiosk_stock(*, variants: list[Variant], store: Location) -> list[KioskStock]:
    """Two queries whatever the number of variants and stores."""
    locations = list(Location.objects.filter(is_active=True).order_by("name"))
    available = availability_for_variants(variants=variants, locations=locations)
    stores = [loc for loc in locations if loc.kind == Location.Kind.STORE and loc.pk != store.pk]
    return [
        KioskStock(
            variant=v,
            here=available[v.sku].locations.get(store.code, 0),
            online=available[v.sku].online,
            elsewhere=[(s, available[v.sku].locations.get(s.code, 0)) for s in stores],
        )
        for v in variants
    ]


def _product(slug: str) -> tuple[Product, list[Variant]]:
    found = product_detail(slug=slug)
    if found is None:
        raise Http404("No such product.")
    return found


@kiosk_view
def product(request, store: Location, slug: str):
    item, variants = _product(slug)
    stock = kiosk_stock(variants=variants, store=store)
    # Preselected: the first option on the shelf here, else the first to be had anywhere.
    selected = next((s for s in stock if s.here), None) or next(
        (s for s in stock if s.anywhere), None
    )
    return render(
        request,
        "kiosk/product.html",
        _context(
            request,
            store,
            product=item,
            images=product_images(product=item),
            stock=stock,
            selected=selected.variant.sku if selected else "",
        ),
    )


@kiosk_view
def product_stock(request, store: Location, slug: str):
    """The stock panel alone: the product page refreshes it while it is shown."""
    item, variants = _product(slug)
    return render(
        request,
        "kiosk/_stock.html",
        _context(request, store, product=item, stock=kiosk_stock(variants=variants, store=store)),
    )


@require_POST
@kiosk_view
def cart_add(request, store: Location):
    form = CartLineAddForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Choose an option first."))
        return redirect("kiosk:start", store=store.code)
    try:
        line = cart_line_add(
            cart=current_cart(request, create=True),
            sku=form.cleaned_data["sku"],
            quantity=form.cleaned_data["quantity"],
            channel=Channel.KIOSK,
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, gettext("Added %(name)s to the cart.") % {"name": line.variant.display_name}
        )
    return redirect("kiosk:cart", store=store.code)


@require_POST
@kiosk_view
def cart_remove(request, store: Location, line_id: int):
    cart = current_cart(request)
    if cart is not None:
        try:
            cart_line_remove(cart=cart, line_id=line_id, channel=Channel.KIOSK)
        except DomainError as error:
            messages.error(request, error.message)
    return redirect("kiosk:cart", store=store.code)


@kiosk_view
def cart(request, store: Location):
    cart, priced = priced_cart(request)
    return render(request, "kiosk/cart.html", _context(request, store, cart=cart, priced=priced))
