from django.utils.translation import gettext_lazy

from shop.errors import Conflict, InvalidInput, NotFound, UpstreamError


class PaymentGatewayError(UpstreamError):
    """The card gateway did not answer or failed: whether it charged is unknown (a 502)."""

    code = "payment_gateway_error"
    default_message = gettext_lazy(
        "The payment service is not answering. Nothing was charged; try again."
    )


class DrawerConflict(Conflict):
    code = "drawer_state"
    default_message = gettext_lazy("The till is not in a state that allows this.")


class DrawerClosed(DrawerConflict):
    """No till session is open at the store (the API answers 404 `drawer_closed` for a
    lookup; taking cash without one is a 409 `drawer_state`)."""


class NoOpenDrawer(NotFound):
    code = "drawer_closed"
    default_message = gettext_lazy("No till is open at this store.")


class GiftCardNotFound(NotFound):
    code = "gift_card_not_found"
    default_message = gettext_lazy("No gift card has this code.")


class StoredValueTooLow(Conflict):
    """A gift card or store credit holds less than asked, or can no longer be spent."""

    code = "insufficient_balance"
    default_message = gettext_lazy("The gift card or store credit does not cover this amount.")


class InvalidTenders(InvalidInput):
    """The tenders of a payment do not add up to the total, or one is not allowed."""

    code = "invalid_tenders"
    default_message = gettext_lazy("The payments must cover the total exactly.")
