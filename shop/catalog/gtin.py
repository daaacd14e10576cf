"""GTIN (EAN-8, UPC-A, EAN-13, GTIN-14): only digits, a GS1 length and a right check digit."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext

GTIN_LENGTHS = (8, 12, 13, 14)


def gtin_check_digit(body: str) -> str:
    """The GS1 mod-10 check digit of `body` (the GTIN without its last digit): weights 3 and 1
    alternate from the rightmost digit."""
    total = sum(int(digit) * (3 if i % 2 == 0 else 1) for i, digit in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


def gtin_is_valid(value: str) -> bool:
    return (
        value.isascii()
        and value.isdigit()
        and len(value) in GTIN_LENGTHS
        and gtin_check_digit(value[:-1]) == value[-1]
    )


def validate_gtin(value: str) -> None:
    """Model-field validator: blank passes (not every item has a GTIN), anything else must be a
    valid GTIN."""
    if value and not gtin_is_valid(value):
        raise ValidationError(
            gettext(
                "%(value)s is not a valid GTIN: 8, 12, 13 or 14 digits with a correct check digit."
            ),
            code="invalid_gtin",
            params={"value": value},
        )
