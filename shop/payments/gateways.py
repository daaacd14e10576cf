"""Card payment gateways. Checkout talks to one through `PaymentGateway`; a real provider is
one more subclass named in settings.PAYMENT_GATEWAY.

Every charge and refund carries an idempotency key: a gateway asked twice with the same key
(a retried task, a redelivered message) does the work once and answers the first result, as
real providers do.

`TestCardGateway` is a fake at the card-network boundary for development and tests: it moves
no money and decides by the test card token. Production refuses to start with it.

| token                         | result                                  |
| ----------------------------- | --------------------------------------- |
| `tok_visa`, `tok_mastercard`  | approved                                |
| `tok_declined`                | declined: card declined                 |
| `tok_insufficient_funds`      | declined: insufficient funds            |
| `tok_gateway_error`           | the gateway does not answer (a timeout) |
| anything else                 | declined: unknown test card             |
"""

import secrets
import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext, gettext_lazy

from shop.payments.errors import PaymentGatewayError


@dataclass(frozen=True)
class ChargeResult:
    approved: bool
    reference: str = ""
    message: str = ""


class PaymentGateway(ABC):
    #: The template that renders the card entry on the checkout page; it must put the
    #: gateway's token for the card into a form field named `card_token`.
    checkout_widget_template = ""

    @abstractmethod
    def charge(
        self, *, amount: Decimal, currency: str, token: str, order_number: str, idempotency_key: str
    ) -> ChargeResult:
        """Takes the money. Raises `PaymentGatewayError` when the gateway cannot be reached
        or fails (whether the card was charged is then unknown)."""

    @abstractmethod
    def refund(
        self, *, amount: Decimal, currency: str, reference: str, idempotency_key: str
    ) -> ChargeResult:
        """Gives back `amount` of the charge `reference`. Raises `PaymentGatewayError` like
        `charge`."""

    @abstractmethod
    def void(self, *, idempotency_key: str) -> None:
        """Cancels whatever the charge sent with `idempotency_key` did, if it did anything:
        for a charge whose answer never came back."""


class TestCardGateway(PaymentGateway):
    checkout_widget_template = "payments/test_card_widget.html"
    APPROVED = ("tok_visa", "tok_mastercard")
    DECLINED = {
        "tok_declined": gettext_lazy("The card was declined."),
        "tok_insufficient_funds": gettext_lazy("Insufficient funds."),
    }
    UNREACHABLE = "tok_gateway_error"
    #: The test cards a shopper can pick on the checkout page.
    CARDS = [
        ("tok_visa", "Visa, approved"),
        ("tok_mastercard", "Mastercard, approved"),
        ("tok_declined", "Declined"),
        ("tok_insufficient_funds", "Insufficient funds"),
    ]

    # What each idempotency key got, as a provider remembers it (per process is enough for
    # a fake: tests and the development server run in one).
    _answers: dict[str, ChargeResult] = {}
    _lock = threading.Lock()

    def _once(self, key: str, make) -> ChargeResult:
        with self._lock:
            if key not in self._answers:
                self._answers[key] = make()
            return self._answers[key]

    def charge(self, *, amount, currency, token, order_number, idempotency_key) -> ChargeResult:
        if token == self.UNREACHABLE:
            raise PaymentGatewayError(
                gettext("The test gateway did not answer (simulated timeout).")
            )

        def make() -> ChargeResult:
            if token in self.APPROVED:
                return ChargeResult(True, reference=f"test_ch_{secrets.token_hex(8)}")
            declined = self.DECLINED.get(token) or gettext("Unknown test card.")
            return ChargeResult(False, message=str(declined))

        return self._once(idempotency_key, make)

    def refund(self, *, amount, currency, reference, idempotency_key) -> ChargeResult:
        return self._once(
            idempotency_key, lambda: ChargeResult(True, reference=f"test_re_{secrets.token_hex(8)}")
        )

    def void(self, *, idempotency_key) -> None:
        with self._lock:
            self._answers.pop(idempotency_key, None)


def gateway() -> PaymentGateway:
    return import_string(settings.PAYMENT_GATEWAY)()
