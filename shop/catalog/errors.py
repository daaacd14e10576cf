from django.utils.translation import gettext_lazy

from shop.errors import InvalidInput, NotFound


class UnknownSku(InvalidInput):
    """A request names an SKU the catalog does not sell; `details` lists them."""

    code = "unknown_sku"
    default_message = gettext_lazy("Unknown or inactive SKU.")


class VariantNotFound(NotFound):
    code = "not_found"
    default_message = gettext_lazy("No variant with this SKU or barcode.")
