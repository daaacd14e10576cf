from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from carts import services
from carts.services import cart_price, cart_with_lines
from channels_app.api.fields import MoneyField, QuantityField, TaxLineSerializer
from channels_app.current import current_cart, current_customer
from channels_app.throttling import throttles
from shop.channels import Channel


class CartLineSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="line_id")
    sku = serializers.CharField(source="variant.sku")
    name = serializers.CharField(source="variant.display_name")
    quantity = serializers.IntegerField()
    unit_price = MoneyField()
    discount = MoneyField()
    line_total = MoneyField(source="total")


class CartSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True)
    handoff_code = serializers.CharField(allow_null=True)
    lines = CartLineSerializer(many=True)
    subtotal = MoneyField()
    discount = MoneyField()
    total = MoneyField()
    tax_lines = TaxLineSerializer(many=True)
    currency = serializers.CharField()
    promotion_codes = serializers.ListField(child=serializers.CharField())


def cart_body(cart, customer=None) -> dict:
    """The cart as the contract shows it; an empty body when the shopper has none yet."""
    if cart is None:
        lines, priced, codes = [], None, []
    else:
        cart = cart_with_lines(cart.pk)
        priced = cart_price(cart, customer=customer)
        lines, codes = priced.lines, [p.code for p in cart.promotions.all()]
    zero = "0.00"
    return CartSerializer(
        {
            "id": cart.pk if cart else None,
            "handoff_code": cart.handoff_code if cart else None,
            "lines": lines,
            "subtotal": priced.subtotal if priced else zero,
            "discount": priced.discount if priced else zero,
            "total": priced.total if priced else zero,
            "tax_lines": priced.tax_lines if priced else [],
            "currency": settings.SHOP_CURRENCY,
            "promotion_codes": codes,
        }
    ).data


class CartApi(APIView):
    @extend_schema(responses=CartSerializer)
    def get(self, request):
        return Response(cart_body(current_cart(request), current_customer(request)))


class CartLineCreateApi(APIView):
    throttle_classes = throttles("cart")

    class CartLineInputSerializer(serializers.Serializer):
        sku = serializers.CharField(max_length=64)
        quantity = QuantityField(max_value=settings.MAX_CART_LINE_QUANTITY)

    @extend_schema(request=CartLineInputSerializer, responses={201: CartLineSerializer})
    def post(self, request):
        data = self.CartLineInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        cart = current_cart(request, create=True)
        line = services.cart_line_add(cart=cart, channel=Channel.WEB, **data.validated_data)
        return Response(_line_body(request, line.pk), status=status.HTTP_201_CREATED)


def _line_body(request, line_id: int) -> dict:
    body = cart_body(current_cart(request), current_customer(request))
    return next(line for line in body["lines"] if line["id"] == line_id)


class CartLineDetailApi(APIView):
    throttle_classes = throttles("cart")

    class CartLineUpdateSerializer(serializers.Serializer):
        quantity = QuantityField(max_value=settings.MAX_CART_LINE_QUANTITY)

    @extend_schema(request=CartLineUpdateSerializer, responses=CartLineSerializer)
    def patch(self, request, line_id: int):
        data = self.CartLineUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        cart = current_cart(request, create=True)
        services.cart_line_update(
            cart=cart, line_id=line_id, quantity=data.validated_data["quantity"], channel="web"
        )
        return Response(_line_body(request, line_id))

    @extend_schema(responses={204: None})
    def delete(self, request, line_id: int):
        cart = current_cart(request, create=True)
        services.cart_line_remove(cart=cart, line_id=line_id, channel=Channel.WEB)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CartPromotionCodeApi(APIView):
    throttle_classes = throttles("cart", "promotion_code")

    class PromotionCodeInputSerializer(serializers.Serializer):
        code = serializers.CharField(max_length=40)

    @extend_schema(request=PromotionCodeInputSerializer, responses=CartSerializer)
    def post(self, request):
        data = self.PromotionCodeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        cart = current_cart(request, create=True)
        services.cart_promotion_code_apply(cart=cart, code=data.validated_data["code"])
        return Response(cart_body(cart, current_customer(request)))
