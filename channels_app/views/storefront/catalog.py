"""Home, category, search and product pages, and adding to the cart."""

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.formats import localize
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from carts.services import cart_line_add
from channels_app.current import current_cart, current_customer
from channels_app.formatting import format_money as money
from channels_app.forms import CartLineAddForm
from channels_app.throttling import throttle_posts
from channels_app.views.storefront._common import safe_next
from channels_app.visitor import visitor_id, visitor_new, visitor_remember
from inventory.models import Location
from inventory.selectors import availability_for_variants
from shop.catalog.cache import catalogue_cache_context, catalogue_cached, catalogue_version
from shop.catalog.models import Category, Product, Variant
from shop.catalog.selectors import (
    newest_product_cards,
    product_cards,
    product_detail,
    product_images,
    products_listed,
)
from shop.channels import Channel
from shop.customers.product_views import product_view_buffer
from shop.errors import DomainError

PAGE_SIZE = 24
#: Newest products on the home page.
FEATURED = 8


def home(request):
    return render(
        request,
        "storefront/home.html",
        {
            "categories": Category.objects.filter(parent__isnull=True).order_by("name"),
            "products": newest_product_cards(limit=FEATURED),
        },
    )


class CardPaginator(Paginator):
    """Pages through bare product rows (counted and sliced by index) and prices only the
    products of the page: a page costs the same in a category of thirty or of three thousand."""

    def _get_page(self, object_list, number, paginator):
        return super()._get_page(product_cards(object_list), number, paginator)


def category(request, slug: str):
    # The category, its product count and its grid (in the template) are cached under the
    # catalogue version: a page the cache holds costs no query.
    version = catalogue_version()
    current = catalogue_cached(
        "category", (slug,), lambda: Category.objects.filter(slug=slug).first(), version=version
    )
    if current is None:
        raise Http404("No such category.")
    products = products_listed(category=current)
    paginator = CardPaginator(products, PAGE_SIZE)
    paginator.count = catalogue_cached("count", (current.pk,), products.count, version=version)
    return render(
        request,
        "storefront/category.html",
        {
            "category": current,
            "page": paginator.get_page(request.GET.get("page")),
            "active_category": slug,
            "catalogue": catalogue_cache_context(version),
        },
    )


def search(request):
    # Like a category page: the count and the grid of a query are cached under the catalogue
    # version, so a repeated search costs no query however many products match.
    query = request.GET.get("q", "").strip()[:100]
    version = catalogue_version()
    products = products_listed(query=query) if query else Product.objects.none()
    paginator = CardPaginator(products, PAGE_SIZE)
    if query:
        digest = hashlib.sha256(query.encode()).hexdigest()
        paginator.count = catalogue_cached(
            "search-count", (digest,), products.count, version=version
        )
    return render(
        request,
        "storefront/search.html",
        {
            "query": query,
            "page": paginator.get_page(request.GET.get("page")),
            "catalogue": catalogue_cache_context(version),
        },
    )


@dataclass
class StoreStock:
    store: Location
    available: int

    @property
    def sentence(self) -> str:
        if self.available:
            return f"In stock at {self.store.name} — collect today"
        return f"Out of stock at {self.store.name}"


@dataclass
class VariantStock:
    """What the product page says about one variant: its label, price and availability, put
    into words here once rather than by template conditions and filters in each loop."""

    variant: Variant
    online: int
    stores: list[StoreStock]
    #: The variant's name, or the product's when it has none.
    label: str = ""
    #: The price as the page shows it.
    price: str = ""
    #: Whether the variant is the one the form preselects.
    checked: bool = False

    @property
    def purchasable(self) -> bool:
        return self.online > 0 or any(s.available > 0 for s in self.stores)

    @property
    def online_sentence(self) -> str:
        if self.online:
            return f"{localize(self.online)} left online"
        return "Out of stock online"


def product(request, slug: str):
    found = product_detail(slug=slug)
    if found is None:
        raise Http404("No such product.")
    item, variants = found
    locations = list(Location.objects.filter(is_active=True).order_by("name"))
    available = availability_for_variants(variants=variants, locations=locations)
    stores = [location for location in locations if location.click_and_collect]
    stock = [
        VariantStock(
            variant=v,
            online=available[v.sku].online,
            stores=[StoreStock(s, available[v.sku].locations.get(s.code, 0)) for s in stores],
            label=v.name or item.name,
            price=money(v.price),
        )
        for v in variants
    ]
    wanted = request.GET.get("sku")
    selected = next((s for s in stock if s.variant.sku == wanted), None) or next(
        (s for s in stock if s.purchasable), stock[0] if stock else None
    )
    if selected is not None:
        selected.checked = True
    # The view goes into a buffer written in bulk later: no INSERT on this page.
    customer = current_customer(request)
    visitor = new_visitor = ""
    if customer is None:
        visitor = visitor_id(request) or (new_visitor := visitor_new())
    product_view_buffer(product=item.slug, name=item.name, customer=customer, visitor=visitor)
    response = render(
        request,
        "storefront/product.html",
        {
            "product": item,
            "images": product_images(product=item),
            "stock": stock,
            "selected": selected,
            "prices_vary": len({v.price for v in variants}) > 1,
            "max_quantity": settings.MAX_CART_LINE_QUANTITY,
            "active_category": item.category.slug,
        },
    )
    if new_visitor:
        visitor_remember(response, new_visitor)
    return response


@require_POST
@throttle_posts("cart")
def cart_add(request):
    form = CartLineAddForm(request.POST)
    back = safe_next(request, "storefront:home")
    if not form.is_valid():
        errors = [e for field_errors in form.errors.values() for e in field_errors]
        messages.error(
            request, gettext("Could not add to the cart: %(join)s") % {"join": " ".join(errors)}
        )
        return redirect(back)
    try:
        line = cart_line_add(
            cart=current_cart(request, create=True),
            sku=form.cleaned_data["sku"],
            quantity=form.cleaned_data["quantity"],
            channel=Channel.WEB,
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(back)
    messages.success(
        request,
        gettext("Added %(quantity)s × %(name)s.")
        % {"quantity": form.cleaned_data["quantity"], "name": line.variant.display_name},
    )
    return redirect("storefront:cart")
