"""How amounts read on every page: the shop, the till, receipts, in the active language
(`€1,234.50` in English, `1 234,50 €` in French, from babel's CLDR data)."""

from decimal import Decimal, InvalidOperation

from babel.numbers import format_currency, format_decimal
from django.conf import settings
from django.utils.translation import get_language, to_locale

from carts.pricing import money as round_money

SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}


def _locale() -> str:
    return to_locale(get_language() or settings.LANGUAGE_CODE)


def format_money(amount, currency: str = "") -> str:
    """`Decimal("1234.5")` → "€1,234.50" (English) or "1 234,50 €" (French) in the shop
    currency (or the one given); empty for None or anything that is not a number."""
    if amount is None or amount == "":
        return ""
    try:
        value = round_money(Decimal(str(amount)))
    except (InvalidOperation, ValueError):
        return ""
    currency = currency or settings.SHOP_CURRENCY
    sign = "−" if value < 0 else ""
    if currency not in SYMBOLS:
        return f"{sign}{format_decimal(abs(value), format='#,##0.00', locale=_locale())} {currency}"
    return sign + format_currency(abs(value), currency, locale=_locale())
