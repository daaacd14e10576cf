"""How amounts read on every page: the shop, the till, receipts."""

from decimal import Decimal, InvalidOperation

from django.conf import settings

from carts.pricing import money as round_money

SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}


def format_money(amount, currency: str = "") -> str:
    """`Decimal("1234.5")` → "€1,234.50" in the shop currency (or the one given); empty for
    None or anything that is not a number."""
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
