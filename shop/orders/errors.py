from django.utils.translation import gettext_lazy

from shop.errors import Conflict, InvalidInput, NotFound


class OrderStatusConflict(Conflict):
    code = "order_status"
    default_message = gettext_lazy("The order is not in a state that allows this.")


class OrderNotFound(NotFound):
    code = "not_found"
    default_message = gettext_lazy("No such order.")


class ReturnExceedsPurchase(Conflict):
    code = "return_exceeds_purchase"
    default_message = gettext_lazy("More would be returned than was bought.")


class InvalidReturn(InvalidInput):
    code = "invalid_return"
    default_message = gettext_lazy("The return is not valid.")


class NothingHeld(Conflict):
    code = "nothing_held"
    default_message = gettext_lazy("No unit of this item is held for the order here.")
