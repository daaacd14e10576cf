from django.utils.translation import gettext_lazy as _

from shop.errors import InvalidInput


class ShippingMethodUnavailable(InvalidInput):
    """The method does not deliver to the address, or cannot carry the parcel."""

    code = "shipping_method_unavailable"
    default_message = _("This shipping method does not deliver to that address.")
