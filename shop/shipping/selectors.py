from django.db.models import QuerySet

from shop.shipping.models import ShippingMethod


def shipping_methods_active() -> QuerySet[ShippingMethod]:
    """Every active method with its zone and weight bands: two queries, whatever the count."""
    return (
        ShippingMethod.objects.filter(is_active=True)
        .select_related("zone")
        .prefetch_related("bands")
    )


def shipping_methods_for_country(country: str) -> list[ShippingMethod]:
    """The active methods whose zone lists `country` (ISO alpha-2), cheapest first."""
    return [method for method in shipping_methods_active() if method.serves(country)]
