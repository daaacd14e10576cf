from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from carts.pricing import PricedCart
from carts.services import cart_price, cart_with_lines
from carts.shipping import shipping_options
from channels_app.api.fields import MoneyField
from channels_app.current import current_cart, current_customer
from shop.errors import InvalidInput
from shop.shipping.models import ShippingMethod


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
