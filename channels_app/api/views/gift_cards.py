"""Gift cards: issued by managers, their balance looked up by anyone holding the code."""

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from channels_app.api.fields import MoneyField
from channels_app.api.idempotency import idempotent
from channels_app.api.permissions import IsManager
from channels_app.throttling import throttles
from shop.channels import Channel
from shop.customers.services import customer_get_or_create
from shop.payments.stored_value import gift_card_by_code, gift_card_issue, stored_value_spendable


class GiftCardSerializer(serializers.Serializer):
    last4 = serializers.CharField()
    balance = MoneyField()
    currency = serializers.CharField()
    expires_at = serializers.DateTimeField(allow_null=True)
    active = serializers.BooleanField()


class IssuedGiftCardSerializer(GiftCardSerializer):
    #: The full code: in this answer only (null when a retried request is answered again).
    code = serializers.CharField(allow_null=True)


def gift_card_body(account, code: str | None = None) -> dict:
    body = {
        "last4": account.last4,
        "balance": account.balance,
        "currency": account.currency,
        "expires_at": account.expires_at,
        "active": stored_value_spendable(account),
    }
    if code is None:
        return GiftCardSerializer(body).data
    return IssuedGiftCardSerializer({**body, "code": code}).data


def without_code(body: dict) -> dict:
    """A replay of the answer: the code is not stored, so it is not repeated."""
    return {**body, "code": None}


class GiftCardCreateApi(APIView):
    permission_classes = [IsManager]

    class GiftCardInputSerializer(serializers.Serializer):
        amount = MoneyField(min_value=settings.GIFT_CARD_MIN, max_value=settings.GIFT_CARD_MAX)
        email = serializers.EmailField(required=False, allow_blank=True)
        expires_at = serializers.DateTimeField(required=False, allow_null=True)

    @extend_schema(request=GiftCardInputSerializer, responses={201: IssuedGiftCardSerializer})
    @idempotent(redact=without_code)
    def post(self, request):
        data = self.GiftCardInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        email = fields.get("email", "")
        issued = gift_card_issue(
            amount=fields["amount"],
            channel=Channel.API,
            email=email,
            customer=customer_get_or_create(email=email) if email else None,
            user=request.user,
            expires_at=fields.get("expires_at"),
        )
        return Response(gift_card_body(issued.account, issued.code), status=status.HTTP_201_CREATED)


class GiftCardDetailApi(APIView):
    """The balance of a card, for anyone holding its code; throttled, so codes cannot be
    guessed by trying."""

    throttle_classes = throttles("gift_card_lookup")

    @extend_schema(responses=GiftCardSerializer)
    def get(self, request, code: str):
        return Response(gift_card_body(gift_card_by_code(code)))
