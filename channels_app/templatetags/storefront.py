"""Template helpers of the shopper's pages: money, QR codes, the header's cart and categories."""

import hashlib
from decimal import Decimal, InvalidOperation

import qrcode
import qrcode.image.svg
from django import template
from django.conf import settings
from django.db.models import Sum
from django.utils.html import escape
from django.utils.safestring import mark_safe

from carts.models import Cart, CartLine
from carts.pricing import money as round_money
from channels_app.current import SESSION_CART
from shop.catalog.models import Category

register = template.Library()

SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}


@register.filter
def money(amount, currency: str = "") -> str:
    """`Decimal("1234.5")` → "€1,234.50" in the shop currency (or the one given)."""
    if amount is None or amount == "":
        return ""
    try:
        value = round_money(Decimal(str(amount)))
    except (InvalidOperation, ValueError):
        return ""
    currency = currency or settings.SHOP_CURRENCY
    sign = "−" if value < 0 else ""
    text = f"{abs(value):,.2f}"
    symbol = SYMBOLS.get(currency)
    return f"{sign}{symbol}{text}" if symbol else f"{sign}{text} {currency}"


@register.filter
def hue(text) -> int:
    """A stable colour hue (0–359) for a product's placeholder picture."""
    return int(hashlib.md5(str(text).encode(), usedforsecurity=False).hexdigest()[:4], 16) % 360


@register.filter
def initials(name: str) -> str:
    words = [w for w in str(name).replace("-", " ").split() if w[:1].isalpha()]
    return "".join(w[0] for w in words[:2]).upper()


@register.simple_tag
def qr_svg(data: str, label: str = "") -> str:
    """`data` as an inline SVG QR code, drawn on the server (no script, no network)."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    svg = image.to_string(encoding="unicode")
    svg = svg[svg.index("<svg") :]  # drop any XML declaration: this goes inside HTML
    label = escape(label or f"QR code: {data}")
    return mark_safe(svg.replace("<svg", f'<svg class="qr" role="img" aria-label="{label}"', 1))


@register.simple_tag
def shop_name() -> str:
    return settings.SHOP_NAME


@register.simple_tag
def header_categories() -> list[Category]:
    return list(Category.objects.filter(parent__isnull=True).order_by("name"))


@register.simple_tag(takes_context=True)
def cart_item_count(context) -> int:
    """Units in the shopper's open cart, in one query; never creates a cart."""
    request = context.get("request")
    if request is None:
        return 0
    lines = CartLine.objects.filter(cart__status=Cart.Status.OPEN)
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        lines = lines.filter(cart__customer__user=user)
    else:
        cart_id = request.session.get(SESSION_CART)
        if not cart_id:
            return 0
        lines = lines.filter(cart_id=cart_id, cart__customer__isnull=True)
    return lines.aggregate(units=Sum("quantity"))["units"] or 0


@register.filter
def price_from(product) -> dict | None:
    """The lowest price of a product's (prefetched) variants, and whether prices vary."""
    prices = [variant.price for variant in product.variants.all()]
    if not prices:
        return None
    return {"amount": min(prices), "varies": len(set(prices)) > 1}
