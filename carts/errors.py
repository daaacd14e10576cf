from django.utils.translation import gettext_lazy

from shop.errors import Conflict, InvalidInput, NotFound


class CartLineNotFound(NotFound):
    code = "not_found"
    default_message = gettext_lazy("No such line in this cart.")


class InvalidPromotionCode(InvalidInput):
    code = "invalid_promotion_code"
    default_message = gettext_lazy("The promotion code is unknown or no longer valid.")


class EmptyCart(InvalidInput):
    code = "cart_empty"
    default_message = gettext_lazy("The cart is empty.")


class CheckoutInProgress(Conflict):
    code = "checkout_in_progress"
    default_message = gettext_lazy("This cart is already being checked out.")


class CartNotFound(NotFound):
    code = "not_found"
    default_message = gettext_lazy("No open cart with this code.")


class ItemNotSold(Conflict):
    """The cart or sale holds an item withdrawn from sale; `details` names each
    (`{"sku", "name"}`)."""

    code = "item_not_sold"
    default_message = gettext_lazy("An item is no longer sold.")


class TooManyUnpaidOrders(Conflict):
    code = "too_many_unpaid_orders"
    default_message = gettext_lazy(
        "Too many click-and-collect orders are waiting to be paid at pickup."
    )


class ReceiptNumberTaken(Conflict):
    code = "receipt_number_taken"
    default_message = gettext_lazy("This till already sent another sale with this receipt number.")


class UnknownTillDevice(InvalidInput):
    code = "unknown_device"
    default_message = gettext_lazy("This till is not registered at this store.")
