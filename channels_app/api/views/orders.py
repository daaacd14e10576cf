from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from carts.checkout import CheckoutDetails, checkout_place
from carts.errors import EmptyCart
from channels_app.api.fields import MoneyField, TaxLineSerializer, location_by_code
from channels_app.api.idempotency import idempotent
from channels_app.api.tenders import (
    TenderInput,
    one_of_payment_or_payments,
    rest_tender,
    tenders_from,
)
from channels_app.api.views.shipping import shipping_method_by_code
from channels_app.current import current_cart, current_customer
from channels_app.throttling import throttles
from channels_app.views.storefront._common import SESSION_ORDERS, remember_order
from channels_app.visitor import visitor_join
from shop.channels import Channel
from shop.marketing.contacts import checkout_consent_record
from shop.orders.models import Order, OrderLine
from shop.orders.selectors import orders_visible_to
from shop.payments.models import Payment


class OrderLineSerializer(serializers.ModelSerializer):
    unit_price = MoneyField()
    discount = MoneyField()
    line_total = MoneyField()
    tax_rate = MoneyField(max_digits=5)
    tax = MoneyField(source="tax_amount")

    class Meta:
        model = OrderLine
        fields = [
            "sku",
            "name",
            "quantity",
            "unit_price",
            "discount",
            "line_total",
            "tax_rate",
            "tax",
        ]


class OrderSerializer(serializers.ModelSerializer):
    store = serializers.SlugRelatedField(slug_field="code", read_only=True)
    lines = OrderLineSerializer(many=True, read_only=True)
    subtotal = MoneyField()
    discount = MoneyField()
    shipping_price = MoneyField()
    total = MoneyField()
    tax_lines = TaxLineSerializer(many=True, read_only=True)
    shipping_method = serializers.CharField(source="shipping_method_name", read_only=True)

    class Meta:
        model = Order
        fields = [
            "number",
            "status",
            "channel",
            "fulfilment",
            "store",
            "email",
            "lines",
            "subtotal",
            "discount",
            "shipping_method",
            "shipping_price",
            "total",
            "tax_lines",
            "currency",
            "pickup_deadline",
            "created_at",
        ]


class CheckoutApi(APIView):
    throttle_classes = throttles("checkout")

    class CheckoutInputSerializer(serializers.Serializer):
        class PaymentInput(serializers.Serializer):
            method = serializers.ChoiceField(
                choices=[Payment.Method.CARD, Payment.Method.PAY_AT_PICKUP]
            )
            card_token = serializers.CharField(required=False, allow_blank=True, max_length=200)

        email = serializers.EmailField()
        fulfilment = serializers.ChoiceField(
            choices=[Order.Fulfilment.DELIVERY, Order.Fulfilment.COLLECT]
        )
        store = serializers.CharField(required=False, allow_null=True, allow_blank=True)
        shipping_address = serializers.DictField(
            child=serializers.CharField(allow_blank=True, max_length=200), required=False
        )
        shipping_method = serializers.CharField(required=False, allow_blank=True, max_length=50)
        payment = PaymentInput(required=False)
        payments = TenderInput(many=True, required=False, max_length=10)
        #: Agrees (or not) to marketing email: offers and a reminder of a cart left behind.
        marketing_consent = serializers.BooleanField(required=False)
        all_or_nothing = serializers.BooleanField(
            default=False,
            help_text="An item missing everywhere cancels the whole order, not just its line.",
        )

        def validate(self, data):
            return one_of_payment_or_payments(data)

    @extend_schema(request=CheckoutInputSerializer, responses={201: OrderSerializer})
    @idempotent(atomic=False)  # reserve, charge and place commit one after the other
    def post(self, request):
        data = self.CheckoutInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        cart = current_cart(request)
        if cart is None:
            raise EmptyCart()
        tenders = tenders_from(fields.get("payments", []))
        payment = fields.get("payment") or {}
        if tenders:
            rest = rest_tender(tenders)
            payment = {"method": rest.method, "card_token": rest.card_token} if rest else {}
        details = CheckoutDetails(
            email=fields["email"],
            fulfilment=fields["fulfilment"],
            store=location_by_code(fields["store"]) if fields.get("store") else None,
            shipping_address=fields.get("shipping_address", {}),
            payment_method=payment.get("method", ""),
            card_token=payment.get("card_token", ""),
            all_or_nothing=fields["all_or_nothing"],
            tenders=tenders,
            shipping_method=shipping_method_by_code(fields["shipping_method"])
            if fields.get("shipping_method")
            else None,
        )
        customer = current_customer(request)
        if "marketing_consent" in fields:
            checkout_consent_record(
                email=details.email, consent=fields["marketing_consent"], customer=customer
            )
        order = checkout_place(
            cart=cart,
            details=details,
            customer=customer,
            channel=Channel.WEB,
            session_orders=request.session.get(SESSION_ORDERS, []),
        )
        visitor_join(request, order.customer)
        if customer is None:  # an anonymous shopper is known by the session alone
            remember_order(request, order.number)
        return Response(OrderSerializer(order).data, status=status.HTTP_201_CREATED)


class OrderListApi(generics.ListAPIView):
    """The caller's orders: a customer's own of every channel, a clerk's store, or all."""

    permission_classes = [IsAuthenticated]
    serializer_class = OrderSerializer

    def get_queryset(self):
        return orders_visible_to(self.request.user, current_customer(self.request))


class OrderDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=OrderSerializer, parameters=[OpenApiParameter("number", str, "path")])
    def get(self, request, number: str):
        visible = orders_visible_to(request.user, current_customer(request))
        return Response(OrderSerializer(get_object_or_404(visible, number=number)).data)
