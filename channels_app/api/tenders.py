"""The `payments` list of checkout and till sales: several tenders for one order."""

from decimal import Decimal

from django.utils.translation import gettext
from rest_framework import serializers

from channels_app.api.fields import MoneyField
from shop.payments.models import Payment
from shop.payments.tenders import STORED_VALUE_METHODS, Tender

Method = Payment.Method


class TenderInput(serializers.Serializer):
    method = serializers.ChoiceField(
        choices=[
            Method.GIFT_CARD,
            Method.STORE_CREDIT,
            Method.CARD,
            Method.CASH,
            Method.PAY_AT_PICKUP,
        ]
    )
    #: A gift card's code.
    code = serializers.CharField(required=False, max_length=40)
    amount = MoneyField(required=False, min_value=Decimal("0.01"))
    #: Cash: what the customer handed over.
    tendered = MoneyField(required=False, min_value=0)
    card_token = serializers.CharField(required=False, allow_blank=True, max_length=200)
    terminal_reference = serializers.CharField(required=False, allow_blank=True, max_length=120)

    def validate(self, data):
        if data["method"] == Method.GIFT_CARD and not data.get("code", "").strip():
            raise serializers.ValidationError({"code": "A gift card tender needs its code."})
        if data["method"] in STORED_VALUE_METHODS and data.get("amount") is None:
            raise serializers.ValidationError({"amount": "Say how much to take."})
        return data


def tenders_from(payments: list[dict]) -> tuple[Tender, ...]:
    return tuple(
        Tender(
            method=entry["method"],
            amount=entry.get("amount"),
            code=entry.get("code", ""),
            tendered=entry.get("tendered"),
            card_token=entry.get("card_token", ""),
            terminal_reference=entry.get("terminal_reference", ""),
        )
        for entry in payments
    )


def rest_tender(tenders: tuple[Tender, ...]) -> Tender | None:
    """The tender that pays what gift cards and store credit leave (card, cash, at pickup)."""
    return next((t for t in tenders if t.method not in STORED_VALUE_METHODS), None)


def one_of_payment_or_payments(data: dict) -> dict:
    """A serializer's `validate`: the single `payment` object or the `payments` list."""
    if bool(data.get("payment")) == bool(data.get("payments")):
        raise serializers.ValidationError(gettext("Give either payment or payments, not both."))
    return data
