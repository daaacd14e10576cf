from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from channels_app.api.authentication import ChannelTokenAuthentication
from channels_app.api.fields import MoneyField
from channels_app.api.idempotency import idempotent
from channels_app.api.views.orders import OrderSerializer
from channels_app.marketplace import MarketplaceLine, marketplace_order_place
from channels_app.models import ChannelCredential
from shop.errors import PermissionDenied
from shop.staff.roles import is_manager


def _marketplace_of(request) -> str | None:
    credential = request.auth
    if isinstance(credential, ChannelCredential):
        if credential.kind == ChannelCredential.Kind.MARKETPLACE:
            return credential.name
    return None


class IsMarketplaceOrManager(BasePermission):
    message = "Only a marketplace integration or a manager may send marketplace orders."

    def has_permission(self, request, view) -> bool:
        return _marketplace_of(request) is not None or is_manager(request.user)


class MarketplaceOrderCreateApi(APIView):
    """Takes in a marketplace's order: 201 the order placed, 200 the same order when this
    marketplace sent this external id before."""

    authentication_classes = [
        ChannelTokenAuthentication,
        TokenAuthentication,
        SessionAuthentication,
    ]
    permission_classes = [IsMarketplaceOrManager]

    class InputSerializer(serializers.Serializer):
        class LineInput(serializers.Serializer):
            sku = serializers.CharField(max_length=64)
            quantity = serializers.IntegerField(min_value=1, max_value=10_000)
            unit_price = MoneyField(min_value=0)

        class CustomerInput(serializers.Serializer):
            email = serializers.EmailField()
            name = serializers.CharField(max_length=200, required=False, allow_blank=True)

        marketplace = serializers.SlugField(max_length=60)
        external_id = serializers.CharField(max_length=100)
        lines = LineInput(many=True, allow_empty=False, max_length=200)
        customer = CustomerInput()
        shipping_address = serializers.DictField(
            child=serializers.CharField(allow_blank=True, max_length=200)
        )

    @extend_schema(request=InputSerializer, responses={201: OrderSerializer, 200: OrderSerializer})
    @idempotent
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        own = _marketplace_of(request)
        if own is not None and own != fields["marketplace"]:
            raise PermissionDenied(
                gettext("This token sends orders of %(own)s only.") % {"own": f"{own!r}"}
            )
        order, placed = marketplace_order_place(
            marketplace=fields["marketplace"],
            external_id=fields["external_id"],
            lines=[MarketplaceLine(**line) for line in fields["lines"]],
            email=fields["customer"]["email"],
            name=fields["customer"].get("name", ""),
            shipping_address=fields["shipping_address"],
        )
        return Response(
            OrderSerializer(order).data,
            status=status.HTTP_201_CREATED if placed else status.HTTP_200_OK,
        )
