"""Payment gateways. Checkout talks to one through `PaymentGateway`; a real provider is one
more subclass named in settings.PAYMENT_GATEWAY.

`TestCardGateway` is a fake at the card-network boundary for development and tests: it moves
no money and decides by the test card token:

| token                         | result                      |
| ----------------------------- | --------------------------- |
| `tok_visa`, `tok_mastercard`  | approved                    |
| `tok_declined`                | declined: card declined     |
| `tok_insufficient_funds`      | declined: insufficient funds|
| anything else                 | declined: unknown test card |
"""

import secrets
from abc import ABC, abstractmethod
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class ChargeResult:
    approved: bool
    reference: str = ""
    message: str = ""


class PaymentGateway(ABC):
    @abstractmethod
    def charge(
        self, *, amount: Decimal, currency: str, token: str, order_number: str
    ) -> ChargeResult: ...

    @abstractmethod
    def refund(self, *, amount: Decimal, currency: str, reference: str) -> ChargeResult: ...


class TestCardGateway(PaymentGateway):
    APPROVED = ("tok_visa", "tok_mastercard")
    DECLINED = {
        "tok_declined": "The card was declined.",
        "tok_insufficient_funds": "Insufficient funds.",
    }

    def charge(self, *, amount, currency, token, order_number) -> ChargeResult:
        if token in self.APPROVED:
            return ChargeResult(True, reference=f"test_ch_{secrets.token_hex(8)}")
        return ChargeResult(False, message=self.DECLINED.get(token, "Unknown test card."))

    def refund(self, *, amount, currency, reference) -> ChargeResult:
        return ChargeResult(True, reference=f"test_re_{secrets.token_hex(8)}")


def gateway() -> PaymentGateway:
    return import_string(settings.PAYMENT_GATEWAY)()
