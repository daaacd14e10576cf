"""Webhooks of the card gateway: Stripe tells us what became of charges and refunds."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from shop.payments.stripe_gateway import stripe_webhook_apply


class StripeWebhookApi(APIView):
    """Authenticated by the `Stripe-Signature` header (checked against STRIPE_WEBHOOK_SECRET),
    not by a user: a bad signature is a 400 `invalid_webhook`. A redelivered event is answered
    200 and changes nothing."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        request=None,
        responses=inline_serializer("WebhookReceipt", {"applied": serializers.BooleanField()}),
    )
    def post(self, request):
        applied = stripe_webhook_apply(
            payload=request.body, signature=request.headers.get("Stripe-Signature", "")
        )
        return Response({"applied": applied})
