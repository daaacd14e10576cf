from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from carts.pricing import PricedCart
from carts.services import cart_price, cart_with_lines
from carts.shipping import shipping_options
from channels_app.api.fields import MoneyField, location_by_code
from channels_app.api.idempotency import idempotent
from channels_app.api.permissions import IsStaffMember
from channels_app.current import current_cart, current_customer
from shop.channels import Channel
from shop.errors import InvalidInput
from shop.orders.errors import OrderNotFound
from shop.orders.models import Order
from shop.shipping.carriers import Carrier
from shop.shipping.models import ShippingMethod
from shop.shipping.services import order_ship
from shop.staff.roles import clerk_store, ensure_can_act_at


class ShippingMethodSerializer(serializers.Serializer):
    code = serializers.CharField(source="method.code")
    name = serializers.CharField(source="method.name")
    kind = serializers.ChoiceField(choices=ShippingMethod.Kind.choices, source="method.kind")
    price = MoneyField()
    currency = serializers.SerializerMethodField()
    min_days = serializers.IntegerField(source="method.min_days")
    max_days = serializers.IntegerField(source="method.max_days")

    def get_currency(self, option) -> str:
        return settings.SHOP_CURRENCY


def shipping_method_by_code(code: str) -> ShippingMethod:
    method = ShippingMethod.objects.select_related("zone").filter(code=code).first()
    if method is None:
        raise InvalidInput(
            _("No shipping method %(code)s.") % {"code": code}, details=["shipping_method"]
        )
    return method


class ShippingMethodListApi(APIView):
    """The methods that deliver to `country` (or collect there), priced for the caller's cart."""

    @extend_schema(
        parameters=[OpenApiParameter("country", str, required=True, description="ISO alpha-2")],
        responses=ShippingMethodSerializer(many=True),
    )
    def get(self, request):
        country = request.query_params.get("country", "").strip().upper()
        if len(country) != 2 or not country.isalpha():
            raise InvalidInput(
                _("The country must be an ISO 3166 alpha-2 code, such as FR."),
                details=["country"],
            )
        cart = current_cart(request)
        priced = (
            cart_price(cart_with_lines(cart.pk), customer=current_customer(request))
            if cart is not None
            else PricedCart(lines=[])
        )
        options = shipping_options(priced, country=country)
        return Response(ShippingMethodSerializer(options, many=True).data)


class ShipmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    order = serializers.CharField(source="order.number")
    order_status = serializers.CharField(source="order.status")
    shipped_from = serializers.CharField(source="shipped_from.code")
    carrier = serializers.CharField()
    tracking_number = serializers.CharField()
    tracking_url = serializers.CharField()
    shipped_at = serializers.DateTimeField()


class OrderShipApi(APIView):
    """A location hands its part of a delivery order to a carrier (a clerk: their own location;
    a manager names it). The order is shipped once its last part has left; the customer is
    emailed each parcel's tracking number once."""

    permission_classes = [IsStaffMember]

    class ShipInput(serializers.Serializer):
        carrier = serializers.ChoiceField(choices=Carrier.choices)
        tracking_number = serializers.CharField(max_length=60)
        location = serializers.CharField(
            required=False, help_text="Where it leaves from (default: the clerk's location)."
        )

    @extend_schema(request=ShipInput, responses={201: ShipmentSerializer})
    @idempotent
    def post(self, request, number: str):
        order = Order.objects.filter(number=number.strip().upper()).first()
        if order is None:
            raise OrderNotFound(_("No order %(number)s.") % {"number": number})
        data = self.ShipInput(data=request.data)
        data.is_valid(raise_exception=True)
        code = data.validated_data.get("location")
        location = location_by_code(code) if code else clerk_store(request.user)
        if location is None:
            raise InvalidInput(_("Name the location it leaves from."), details=["location"])
        ensure_can_act_at(request.user, location)
        if order.fulfilment != Order.Fulfilment.DELIVERY:
            raise InvalidInput(_("Only a delivery order is shipped."), details=["number"])
        shipment = order_ship(
            order=order,
            carrier=data.validated_data["carrier"],
            tracking_number=data.validated_data["tracking_number"],
            shipped_from=location,
            user=request.user,
            channel=Channel.POS,
            part_only=True,
        )
        return Response(ShipmentSerializer(shipment).data, status=status.HTTP_201_CREATED)
