"""Serializer pieces shared by the API views."""

from django.conf import settings
from django.utils.translation import gettext
from rest_framework import serializers

from inventory.errors import UnknownLocation
from inventory.models import Location


class MoneyField(serializers.DecimalField):
    """A decimal string with two places, as the contract fixes for every amount."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 12)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("coerce_to_string", True)
        super().__init__(**kwargs)


class QuantityField(serializers.IntegerField):
    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", settings.MAX_LINE_QUANTITY)
        super().__init__(**kwargs)


class SkuLineSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=64)
    quantity = QuantityField()


def location_by_code(code: str) -> Location:
    try:
        return Location.objects.get(code=code, is_active=True)
    except Location.DoesNotExist:
        raise UnknownLocation(
            gettext("No location with code %(code)s.") % {"code": f"{code!r}"}, details=[code]
        ) from None


class TaxLineSerializer(serializers.Serializer):
    """One VAT rate of a breakdown: `rate` in percent; net + tax = gross."""

    rate = MoneyField(max_digits=5)
    net = MoneyField()
    tax = MoneyField()
    gross = MoneyField()
