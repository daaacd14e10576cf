from shop.errors import Conflict, InvalidInput


class InsufficientStock(Conflict):
    """`details` holds one `{"sku", "requested", "available"}` per short line."""

    code = "insufficient_stock"
    default_message = "Not enough stock."


class InvalidQuantity(InvalidInput):
    code = "invalid_quantity"
    default_message = "Quantities must be whole numbers within the allowed range."


class UnknownLocation(InvalidInput):
    code = "unknown_location"
    default_message = "No such location."


class ReservationNotActive(Conflict):
    code = "reservation_not_active"
    default_message = "The reservation is no longer active."


class DiscrepancyResolved(Conflict):
    code = "discrepancy_resolved"
    default_message = "This stock discrepancy is already resolved."
