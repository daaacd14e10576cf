"""Template helpers of the clerk's pages."""

from django import template
from django.conf import settings

from channels_app.formatting import format_money
from channels_app.views.pos.access import stores
from shop.payments.drawer import drawer_open_session
from shop.staff.roles import is_manager

register = template.Library()

pos_money = register.filter("pos_money", format_money)


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
