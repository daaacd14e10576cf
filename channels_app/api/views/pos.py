"""The till, the pickup desk and returns, for clerks (their store) and managers (any store)."""

from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from carts.errors import CartNotFound
from carts.pos import TillPayment, pos_sale_complete
from carts.selectors import cart_by_handoff_code
from channels_app.api.fields import (
    MoneyField,
    QuantityField,
    SkuLineSerializer,
    TaxLineSerializer,
    location_by_code,
)
from channels_app.api.idempotency import idempotent
from channels_app.api.permissions import IsStaffMember
from channels_app.api.tenders import TenderInput, one_of_payment_or_payments, tenders_from
from channels_app.api.views.carts import CartSerializer, cart_body
from channels_app.api.views.orders import OrderSerializer
from channels_app.throttling import throttles
from inventory.models import Location
from inventory.selectors import availability_at
from shop.catalog.selectors import variants_by_sku
from shop.channels import Channel
from shop.customers.models import Customer
from shop.customers.selectors import customer_search
from shop.errors import InvalidInput, NotFound
from shop.marketing.touches import touch_handoff_scan
from shop.orders import services as order_services
from shop.orders.errors import OrderNotFound
from shop.orders.models import Order
from shop.orders.returns import ReturnRequest, return_create
from shop.orders.selectors import orders_with_lines
from shop.staff.roles import clerk_store, ensure_can_act_at


def acting_store(request, code: str | None = None):
    """The store a staff member acts at: a clerk's own (another one is a 403), or the one a
    manager names."""
    if code:
        store = location_by_code(code)
    else:
        store = clerk_store(request.user)
        if store is None:
            raise InvalidInput(gettext("Name the store to act at."), details=["store"])
    ensure_can_act_at(request.user, store)
    return store


def store_in_path(request, code: str):
    """The store a URL names (`/api/stores/{code}/...`): unknown is a 404, another clerk's a
    403."""
    if not Location.objects.filter(code=code, is_active=True).exists():
        raise NotFound(gettext("No store %(code)s.") % {"code": f"{code!r}"})
    return acting_store(request, code)


def order_by_number(number: str, queryset=None) -> Order:
    try:
        return (queryset or orders_with_lines()).get(number=number.strip().upper())
    except Order.DoesNotExist:
        raise OrderNotFound(gettext("No order %(number)s.") % {"number": number}) from None


class CustomerSearchApi(APIView):
    permission_classes = [IsStaffMember]

    class CustomerMatchSerializer(serializers.ModelSerializer):
        cart_lines = serializers.IntegerField()

        class Meta:
            model = Customer
            fields = ["id", "email", "name", "phone", "cart_lines"]

    @extend_schema(
        parameters=[OpenApiParameter("q", str, required=True)],
        responses=CustomerMatchSerializer(many=True),
    )
    def get(self, request):
        matches = customer_search(query=request.query_params.get("q", ""))
        return Response(self.CustomerMatchSerializer(matches, many=True).data)


class PosCartSerializer(CartSerializer):
    store = serializers.CharField()
    customer = serializers.IntegerField(allow_null=True)
    availability = serializers.DictField(child=serializers.IntegerField())


class PosCartApi(APIView):
    """A shopper's cart loaded at the till by its handoff code, with stock at this store."""

    permission_classes = [IsStaffMember]
    throttle_classes = throttles("handoff_lookup")

    @extend_schema(
        parameters=[OpenApiParameter("store", str, description="managers: the store")],
        responses=PosCartSerializer,
    )
    def get(self, request, handoff_code: str):
        store = acting_store(request, request.query_params.get("store"))
        cart = cart_by_handoff_code(handoff_code)
        if cart is None:
            raise CartNotFound(
                gettext("No open cart with code %(handoff_code)s.") % {"handoff_code": handoff_code}
            )
        touch_handoff_scan(customer=cart.customer, store=store)
        body = cart_body(cart, cart.customer)
        variants = variants_by_sku(skus=[line["sku"] for line in body["lines"]], active_only=False)
        available = availability_at(location=store, variants=variants.values(), for_sale=True)
        for line in body["lines"]:
            line["available_here"] = available.get(variants[line["sku"]].pk, 0)
        body["store"] = store.code
        body["customer"] = cart.customer_id
        return Response(body)


def sold_gift_card_codes_removed(body: dict) -> dict:
    """What a replay of a sale answers: gift card codes are not stored, so not repeated."""
    cards = [{**card, "code": None} for card in body.get("gift_cards", [])]
    return {**body, "gift_cards": cards}


class PosSaleApi(APIView):
    permission_classes = [IsStaffMember]

    class PosSaleInputSerializer(serializers.Serializer):
        class TillPaymentInput(serializers.Serializer):
            method = serializers.ChoiceField(choices=["cash", "card"])
            tendered = MoneyField(required=False, min_value=0)
            terminal_reference = serializers.CharField(
                required=False, allow_blank=True, max_length=120
            )

        lines = SkuLineSerializer(many=True, required=False)
        cart = serializers.CharField(required=False, max_length=12)
        customer = serializers.IntegerField(required=False, allow_null=True)
        store = serializers.CharField(required=False)
        promotion_codes = serializers.ListField(
            child=serializers.CharField(max_length=40), required=False
        )
        payment = TillPaymentInput(required=False)
        payments = TenderInput(many=True, required=False, max_length=10)

        def validate(self, data):
            if bool(data.get("lines")) == bool(data.get("cart")):
                raise serializers.ValidationError(gettext("Give either lines or a cart, not both."))
            return one_of_payment_or_payments(data)

    class PosSaleOutputSerializer(OrderSerializer):
        class IssuedCardOutput(serializers.Serializer):
            #: For the receipt; null when a retried request is answered again (not stored).
            code = serializers.CharField(allow_null=True)
            last4 = serializers.CharField(source="account.last4")
            balance = MoneyField(source="account.balance")

        change_due = MoneyField(allow_null=True)
        #: Gift cards sold by this sale, with their codes for the receipt.
        gift_cards = IssuedCardOutput(many=True)

        class Meta(OrderSerializer.Meta):
            fields = [*OrderSerializer.Meta.fields, "change_due", "gift_cards"]

    @extend_schema(request=PosSaleInputSerializer, responses={201: PosSaleOutputSerializer})
    @idempotent(redact=sold_gift_card_codes_removed)
    def post(self, request):
        data = self.PosSaleInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        store = acting_store(request, fields.get("store"))
        cart = lines = customer = None
        if fields.get("cart"):
            cart = cart_by_handoff_code(fields["cart"])
            if cart is None:
                raise CartNotFound(
                    gettext("No open cart with code %(cart)s.") % {"cart": fields["cart"]}
                )
        else:
            variants = variants_by_sku(skus=[line["sku"] for line in fields["lines"]])
            lines = [(variants[line["sku"]], line["quantity"]) for line in fields["lines"]]
        if fields.get("customer"):
            customer = Customer.objects.filter(pk=fields["customer"]).first()
            if customer is None:
                raise NotFound(
                    gettext("No customer %(customer)s.") % {"customer": fields["customer"]}
                )
        payment = fields.get("payment")
        order = pos_sale_complete(
            store=store,
            clerk=request.user,
            payment=TillPayment(
                method=payment["method"],
                tendered=payment.get("tendered"),
                terminal_reference=payment.get("terminal_reference", ""),
            )
            if payment
            else None,
            tenders=tenders_from(fields.get("payments", [])),
            lines=lines,
            cart=cart,
            customer=customer,
            codes=fields.get("promotion_codes", []),
        )
        sold = order.change_due, order.gift_cards
        order = orders_with_lines().get(pk=order.pk)
        order.change_due, order.gift_cards = sold
        body = self.PosSaleOutputSerializer(order).data
        return Response(body, status=status.HTTP_201_CREATED)


class ReturnCreateApi(APIView):
    permission_classes = [IsStaffMember]

    class ReturnInputSerializer(serializers.Serializer):
        class ReturnLineInput(serializers.Serializer):
            sku = serializers.CharField(max_length=64)
            quantity = QuantityField()

        order = serializers.CharField(max_length=20)
        store = serializers.CharField()
        lines = ReturnLineInput(many=True, allow_empty=False)
        restock = serializers.BooleanField()
        refund_method = serializers.ChoiceField(
            choices=["original", "cash", "store_credit"], required=False, default="original"
        )
        refund_shipping = serializers.BooleanField(
            required=False,
            default=False,
            help_text="Also give back the delivery charge on a partial return (a return that "
            "brings back the order's last unit always does, once per order).",
        )

    class ReturnOutputSerializer(serializers.Serializer):
        class ReturnLineOutput(serializers.Serializer):
            sku = serializers.CharField(source="order_line.sku")
            quantity = serializers.IntegerField()
            amount = MoneyField()

        id = serializers.IntegerField()
        order = serializers.CharField(source="order.number")
        store = serializers.CharField(source="store.code")
        restock = serializers.BooleanField()
        refund_method = serializers.CharField()
        refund_amount = MoneyField()
        #: Part of `refund_amount`: the delivery charge given back with this return.
        shipping_refunded = MoneyField(source="shipping_amount")
        currency = serializers.CharField(source="order.currency")
        lines = ReturnLineOutput(many=True, source="lines.all")
        tax_lines = TaxLineSerializer(many=True, read_only=True)

    @extend_schema(request=ReturnInputSerializer, responses={201: ReturnOutputSerializer})
    @idempotent
    def post(self, request):
        data = self.ReturnInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        store = acting_store(request, fields["store"])
        record = return_create(
            order=order_by_number(fields["order"]),
            store=store,
            lines=[ReturnRequest(line["sku"], line["quantity"]) for line in fields["lines"]],
            restock=fields["restock"],
            refund_method=fields["refund_method"],
            refund_shipping=fields["refund_shipping"],
            channel=Channel.POS,
            user=request.user,
        )
        return Response(self.ReturnOutputSerializer(record).data, status=status.HTTP_201_CREATED)


class PickupListApi(APIView):
    permission_classes = [IsStaffMember]

    @extend_schema(
        parameters=[OpenApiParameter("status", str, enum=list(Order.Status.values))],
        responses=OrderSerializer(many=True),
    )
    def get(self, request, code: str):
        store = store_in_path(request, code)
        pickups = (
            orders_with_lines()
            .filter(store=store, fulfilment=Order.Fulfilment.COLLECT)
            .exclude(status__in=Order.UNPLACED_STATUSES)
        )
        if wanted := request.query_params.get("status"):
            if wanted not in Order.Status.values:
                raise InvalidInput(
                    gettext("Unknown status %(wanted)s.") % {"wanted": f"{wanted!r}"}
                )
            pickups = pickups.filter(status=wanted)
        return Response(OrderSerializer(pickups.order_by("pickup_deadline", "id"), many=True).data)


class _PickupActionApi(APIView):
    permission_classes = [IsStaffMember]
    #: The order service that moves the order. Not named `action`: DRF and drf-spectacular
    #: read `view.action` as the name of a ViewSet method, and the schema fails on a function.
    transition = None

    @extend_schema(request=None, responses=OrderSerializer)
    @idempotent
    def post(self, request, number: str):
        order = order_by_number(number)
        if order.fulfilment != Order.Fulfilment.COLLECT or order.store is None:
            raise OrderNotFound(
                gettext("%(number)s is not a click-and-collect order.") % {"number": number}
            )
        ensure_can_act_at(request.user, order.store)
        self.transition(
            order=order, channel=Channel.POS, user=request.user, **self.transition_options(request)
        )
        return Response(OrderSerializer(orders_with_lines().get(pk=order.pk)).data)

    def transition_options(self, request) -> dict:
        return {}


class PickupReadyApi(_PickupActionApi):
    transition = staticmethod(order_services.order_mark_ready)


class PickupCollectedApi(_PickupActionApi):
    """Optional body for pay-at-pickup orders: `{"payment": {"method": "cash"|"card",
    "terminal_reference"}}` (default cash), or a `payments` list with gift cards and store
    credit."""

    transition = staticmethod(order_services.order_mark_collected)

    class DeskPaymentSerializer(serializers.Serializer):
        class DeskPaymentInput(serializers.Serializer):
            method = serializers.ChoiceField(choices=["cash", "card"], default="cash")
            terminal_reference = serializers.CharField(
                required=False, allow_blank=True, max_length=120
            )

        payment = DeskPaymentInput(required=False)
        payments = TenderInput(many=True, required=False, max_length=10)

    @extend_schema(request=DeskPaymentSerializer, responses=OrderSerializer)
    def post(self, request, number: str):
        return super().post(request, number)

    def transition_options(self, request) -> dict:
        data = self.DeskPaymentSerializer(data=request.data or {})
        data.is_valid(raise_exception=True)
        payment = data.validated_data.get("payment", {})
        return {
            "payment_method": payment.get("method", "cash"),
            "terminal_reference": payment.get("terminal_reference", ""),
            "tenders": tenders_from(data.validated_data.get("payments", [])),
        }
