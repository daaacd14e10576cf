"""Template helpers of the shopper's pages: money, QR codes, the header's cart and categories."""

import hashlib
from functools import lru_cache

import qrcode
import qrcode.image.svg
from django import template
from django.conf import settings
from django.core.cache import cache
from django.core.signals import setting_changed
from django.db.models import Sum
from django.dispatch import receiver
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from carts.models import Cart, CartLine
from carts.services import cart_units_anonymous
from channels_app.current import SESSION_CART
from channels_app.formatting import format_money
from shop.catalog.cache import catalogue_cache_context
from shop.catalog.images import image_url
from shop.catalog.models import Category
from shop.customers.address_rules import country_name as address_country_name

register = template.Library()

money = register.filter("money", format_money)
country_name = register.filter("country_name", address_country_name)


@register.filter
def get_item(mapping, key):
    """`mapping[key]` in a template, None when missing."""
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def hue(text) -> str:
    """A stable colour hue (0–359) for a product's placeholder picture (a string: nothing to
    localize)."""
    digest = hashlib.md5(str(text).encode(), usedforsecurity=False).hexdigest()
    return str(int(digest[:4], 16) % 360)


#: A service request's status as the shopper reads it.
TICKET_STATUS_FOR_SHOPPER = {
    "open": "Open",
    "waiting_customer": "Awaiting your reply",
    "resolved": "Resolved",
    "closed": "Closed",
}


@register.filter
def shopper_status(status: str) -> str:
    return TICKET_STATUS_FOR_SHOPPER.get(status, status)


@register.filter
def initials(name: str) -> str:
    words = [w for w in str(name).replace("-", " ").split() if w[:1].isalpha()]
    return "".join(w[0] for w in words[:2]).upper()


#: A QR code never changes for its data: drawn once, kept a day since last drawn.
QR_SECONDS = 24 * 60 * 60


def _qr_path_svg(data: str) -> str:
    key = "qr-svg:" + hashlib.sha256(data.encode()).hexdigest()
    svg = cache.get(key)
    if svg is None:
        image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, border=2)
        svg = image.to_string(encoding="unicode")
        svg = svg[svg.index("<svg") :]  # drop any XML declaration: this goes inside HTML
        cache.set(key, svg, QR_SECONDS)
    return svg


@register.simple_tag
def qr_svg(data: str, label: str = "") -> str:
    """`data` as an inline SVG QR code, drawn on the server (no script, no network)."""
    label = escape(label or f"QR code: {data}")
    svg = _qr_path_svg(str(data))
    return mark_safe(svg.replace("<svg", f'<svg class="qr" role="img" aria-label="{label}"', 1))


@register.simple_tag
def shop_name() -> str:
    return settings.SHOP_NAME


#: The fixed links of the page frame (header and footer): {key in `frame_links`: URL name}.
FRAME_LINKS = {
    "home": "storefront:home",
    "search": "storefront:search",
    "cart": "storefront:cart",
    "orders": "storefront:order-history",
    "tickets": "storefront:tickets",
    "contact": "storefront:contact",
    "login": "account_login",
    "logout": "account_logout",
    "signup": "account_signup",
}


@lru_cache(maxsize=64)
def _frame_links(prefix: str, urlconf: str | None, language: str | None) -> dict[str, str]:
    # `reverse` reads the script prefix and language itself: they are the key's.
    return {key: reverse(name, urlconf=urlconf) for key, name in FRAME_LINKS.items()}


@register.simple_tag
def frame_links() -> dict[str, str]:
    """The URLs of FRAME_LINKS, reversed once per script prefix, URLconf and language rather
    than by a `{% url %}` tag each on every page."""
    return _frame_links(get_script_prefix(), get_urlconf(), get_language())


@lru_cache(maxsize=1024)
def _link(name: str, args: tuple, prefix: str, urlconf: str | None, language: str | None) -> str:
    return reverse(name, args=args, urlconf=urlconf)


@register.simple_tag
def link(name: str, *args) -> str:
    """`{% url name arg... %}` for pages that show the same links on every view (the cart's
    forms), each reversed once per script prefix, URLconf and language: positional
    arguments only."""
    return _link(name, args, get_script_prefix(), get_urlconf(), get_language())


@receiver(setting_changed)
def _forget_links(*, setting: str, **kwargs) -> None:
    if setting == "ROOT_URLCONF":
        _frame_links.cache_clear()
        _link.cache_clear()


@register.simple_tag(takes_context=True)
def catalogue_cache(context) -> dict:
    """What fragments of catalogue content are cached with: `version` (in their key) and
    `seconds` (their longest life). See `shop.catalog.cache`."""
    known = context.get("catalogue")
    if known is not None:
        return known
    return catalogue_cache_context()


@register.simple_tag
def header_categories() -> list[Category]:
    return list(Category.objects.filter(parent__isnull=True).order_by("name"))


@register.simple_tag(takes_context=True)
def cart_item_count(context) -> int:
    """Units in the shopper's open cart; never creates a cart. The view may know it already
    (`cart_units` in the context); a signed-in shopper's costs one query, an anonymous one's
    is cached (none without a cart)."""
    known = context.get("cart_units")
    if known is not None:
        return known
    request = context.get("request")
    if request is None:
        return 0
    lines = CartLine.objects.filter(cart__status=Cart.Status.OPEN)
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        lines = lines.filter(cart__customer__user=user)
    else:
        cart_id = request.session.get(SESSION_CART)
        return cart_units_anonymous(cart_id=cart_id) if cart_id else 0
    return lines.aggregate(units=Sum("quantity"))["units"] or 0


@register.simple_tag
def product_image_url(name: str, spec: str = "thumbnail") -> str:
    """The URL of a stored product picture's thumbnail (or "large"), from its name alone."""
    return image_url(name or "", spec)
