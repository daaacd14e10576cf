from django.utils.translation import gettext_lazy

from shop.errors import Conflict, InvalidInput


class InsufficientStock(Conflict):
    """`details` holds one `{"sku", "requested", "available"}` per short line."""

    code = "insufficient_stock"
    default_message = gettext_lazy("Not enough stock.")


class InvalidQuantity(InvalidInput):
    code = "invalid_quantity"
    default_message = gettext_lazy("Quantities must be whole numbers within the allowed range.")


class UnknownLocation(InvalidInput):
    code = "unknown_location"
    default_message = gettext_lazy("No such location.")


class ReservationNotActive(Conflict):
    code = "reservation_not_active"
    default_message = gettext_lazy("The reservation is no longer active.")


class DiscrepancyResolved(Conflict):
    code = "discrepancy_resolved"
    default_message = gettext_lazy("This stock discrepancy is already resolved.")
