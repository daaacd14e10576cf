"""Template helpers of the clerk's pages."""

from decimal import Decimal, InvalidOperation

from django import template
from django.conf import settings

from carts.pricing import money as round_money
from channels_app.views.pos.access import stores
from shop.orders.drawer import drawer_open_session
from shop.staff.roles import is_manager

register = template.Library()

SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}


@register.filter
def pos_money(amount, currency: str = "") -> str:
    """`Decimal("1234.5")` → "€1,234.50"; empty for None."""
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
def get_item(mapping, key):
    """`mapping[key]` in a template; None when absent."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.simple_tag
def currency_code() -> str:
    return settings.SHOP_CURRENCY


@register.simple_tag
def shop_title() -> str:
    return settings.SHOP_NAME


@register.simple_tag(takes_context=True)
def pos_store_choices(context) -> list:
    """The stores a manager may switch to (empty for a clerk: they have one)."""
    request = context.get("request")
    if request is None or not is_manager(request.user):
        return []
    return list(stores())


@register.simple_tag(takes_context=True)
def pos_drawer_open(context) -> bool:
    """Whether the acting store's till (cash drawer) is open."""
    store = getattr(context.get("request"), "pos_store", None)
    return store is not None and drawer_open_session(store=store) is not None
