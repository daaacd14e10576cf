"""What makes a postal address valid: a known country (ISO 3166 alpha-2, or its name in a
language the shop speaks) and a postal code in that country's format, checked by the
country's field from django-localflavor where it has one."""

import importlib
from functools import cache

from babel import Locale
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext as _

#: Fields every address has; `line2` is optional.
ADDRESS_REQUIRED = ("name", "line1", "postcode", "city", "country")
#: localflavor names its postal code fields in a few ways; and its module for some countries
#: carries a trailing underscore (Python keywords: `in_`, `is_`, `id_`, `py_`).
_FIELD_NAMES = ("{cc}ZipCodeField", "{cc}PostalCodeField", "{cc}PostcodeField")
_PREFIXES = {"AE": "UAE"}
#: CLDR region codes that are no country: unknown, the EU, the euro area, the UN, pseudo-locales.
_NOT_COUNTRIES = frozenset({"ZZ", "EU", "EZ", "UN", "QO", "XA", "XB"})


@cache
def _territories(language: str) -> dict[str, str]:
    """ISO alpha-2 code → country name in `language` (babel's CLDR data)."""
    names = Locale.parse(language.replace("-", "_")).territories
    return {
        code: name
        for code, name in names.items()
        if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
    }


@cache
def _codes_by_name() -> dict[str, str]:
    by_name = {}
    for language, _name in settings.LANGUAGES:
        for code, name in _territories(language).items():
            by_name[name.casefold()] = code
    return by_name


def country_code(value: str) -> str | None:
    """`FR`, `fr`, `France` → `FR`; None for anything that is not a known country."""
    text = str(value or "").strip()
    if len(text) == 2 and text.upper() in _territories("en"):
        return text.upper()
    return _codes_by_name().get(text.casefold())


def country_name(code: str) -> str:
    """The country's name in the active language."""
    language = (get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return _territories(language).get(code.upper(), code)


def country_choices() -> list[tuple[str, str]]:
    """Every country, by its name in the active language."""
    language = (get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return sorted(_territories(language).items(), key=lambda item: item[1])


@cache
def _postcode_field(country: str) -> forms.Field | None:
    module_name = country.lower()
    for candidate in (module_name, f"{module_name}_"):
        try:
            module = importlib.import_module(f"localflavor.{candidate}.forms")
        except ImportError:
            continue
        prefix = _PREFIXES.get(country, country)
        for pattern in _FIELD_NAMES:
            field_class = getattr(module, pattern.format(cc=prefix), None)
            if field_class is not None:
                return field_class()
    return None


def postcode_clean(country: str, postcode: str) -> str:
    """The postal code as the country writes it; raises `ValidationError` when it is not in
    the country's format. Countries localflavor has no rule for take any non-empty code."""
    postcode = str(postcode or "").strip()
    if not postcode:
        raise ValidationError(_("A postal code is needed."))
    field = _postcode_field(country)
    if field is None:
        return postcode
    try:
        return field.clean(postcode) or postcode
    except ValidationError:
        raise ValidationError(
            _("%(postcode)s is not a postal code of %(country)s.")
            % {"postcode": postcode, "country": country_name(country)}
        ) from None


def address_clean(address: dict) -> tuple[dict, dict[str, str]]:
    """The address normalised (country as its alpha-2 code, postal code in its format) and the
    errors by field; no errors: it is valid."""
    cleaned = {key: str(address.get(key) or "").strip() for key in (*ADDRESS_REQUIRED, "line2")}
    errors = {field: _("Required.") for field in ADDRESS_REQUIRED if not cleaned[field]}
    if cleaned["country"]:
        code = country_code(cleaned["country"])
        if code is None:
            errors["country"] = _("Unknown country.")
        else:
            cleaned["country"] = code
            if cleaned["postcode"]:
                try:
                    cleaned["postcode"] = postcode_clean(code, cleaned["postcode"])
                except ValidationError as error:
                    errors["postcode"] = error.messages[0]
    if not cleaned["line2"]:
        cleaned.pop("line2")
    return cleaned, errors
