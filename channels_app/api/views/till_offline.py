"""The till that keeps selling offline: its device registration, its price and stock
snapshot, the sales it replays (`POST /api/pos/sales/` with a `client_sale_id`) and the stock
discrepancies such sales leave for a manager."""

from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from carts.errors import UnknownTillDevice
from carts.models import TillDevice, TillSale
from carts.pos import TillPayment
from carts.till_sales import (
    PaidLine,
    till_device_next_sequence,
    till_device_register,
    till_sale_record,
)
from carts.till_snapshot import till_snapshot
from channels_app.api.fields import MoneyField, QuantityField, location_by_code
from channels_app.api.idempotency import idempotent
from channels_app.api.permissions import IsStaffMember
from channels_app.api.views import pos
from channels_app.api.views.orders import OrderSerializer
from channels_app.api.views.pos import acting_store
from inventory.models import StockDiscrepancy
from shop.catalog.selectors import variants_by_sku
from shop.orders.selectors import orders_with_lines
from shop.staff.roles import clerk_store, ensure_can_act_at, is_manager


class TillDeviceApi(APIView):
    """Registers this browser as a till of the store (once; the same `uuid` answers the same
    device) and tells it the next receipt sequence."""

    permission_classes = [IsStaffMember]

    class TillDeviceInputSerializer(serializers.Serializer):
        uuid = serializers.UUIDField()
        store = serializers.CharField(required=False)

    class TillDeviceSerializer(serializers.Serializer):
        uuid = serializers.UUIDField()
        store = serializers.CharField(source="store.code")
        number = serializers.IntegerField()
        next_sequence = serializers.IntegerField()

    @extend_schema(request=TillDeviceInputSerializer, responses={200: TillDeviceSerializer})
    def post(self, request):
        data = self.TillDeviceInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        store = acting_store(request, data.validated_data.get("store"))
        device = till_device_register(store=store, device_uuid=data.validated_data["uuid"])
        device.next_sequence = till_device_next_sequence(device)
        return Response(self.TillDeviceSerializer(device).data)


class TillSnapshotApi(APIView):
    """The catalogue, till prices and store stock a till keeps for selling offline. Send the
    `version` you hold: when it is current, `items` is null and only the stock comes back."""

    permission_classes = [IsStaffMember]

    class TillSnapshotSerializer(serializers.Serializer):
        class TillItemSerializer(serializers.Serializer):
            sku = serializers.CharField()
            barcode = serializers.CharField()
            name = serializers.CharField()
            product = serializers.CharField()
            price = MoneyField()
            till_price = MoneyField()

        version = serializers.CharField()
        store = serializers.CharField()
        currency = serializers.CharField()
        generated_at = serializers.DateTimeField()
        items = TillItemSerializer(many=True, allow_null=True)
        stock = serializers.DictField(child=serializers.IntegerField())

    @extend_schema(
        parameters=[OpenApiParameter("store", str), OpenApiParameter("version", str)],
        responses=TillSnapshotSerializer,
    )
    def get(self, request):
        store = acting_store(request, request.query_params.get("store"))
        snapshot = till_snapshot(store=store, have_version=request.query_params.get("version", ""))
        items = snapshot.items
        if items is not None:
            items = [{k: v for k, v in item.items() if k != "id"} for item in items]
        return Response(
            {
                "version": snapshot.version,
                "store": store.code,
                "currency": snapshot.currency,
                "generated_at": snapshot.generated_at,
                "items": items,
                "stock": snapshot.stock,
            }
        )


class TillSaleInputSerializer(serializers.Serializer):
    """A sale made on the till's device: lines at the prices paid, its own id and receipt."""

    class TillPaidLineInput(serializers.Serializer):
        sku = serializers.CharField(max_length=64)
        quantity = QuantityField()
        unit_price = MoneyField(min_value=0)
        line_total = MoneyField(min_value=0)

    class DevicePaymentInput(serializers.Serializer):
        method = serializers.ChoiceField(choices=["cash", "card"])
        tendered = MoneyField(required=False, min_value=0)
        terminal_reference = serializers.CharField(required=False, allow_blank=True, max_length=120)

    client_sale_id = serializers.UUIDField()
    device = serializers.UUIDField(help_text="The uuid the till registered with.")
    sequence = serializers.IntegerField(min_value=1, help_text="The device's receipt counter.")
    created_offline_at = serializers.DateTimeField(required=False, allow_null=True)
    store = serializers.CharField(required=False)
    lines = TillPaidLineInput(many=True, allow_empty=False)
    payment = DevicePaymentInput()


class TillSaleOutputSerializer(OrderSerializer):
    change_due = MoneyField(allow_null=True)
    client_sale_id = serializers.UUIDField(source="till_sale.client_sale_id")
    receipt_number = serializers.CharField(source="till_sale.receipt_number")
    device = serializers.IntegerField(source="till_sale.device.number")
    created_offline_at = serializers.DateTimeField(source="till_sale.created_offline_at")
    price_difference = MoneyField(source="till_sale.price_difference")
    discrepancies = serializers.ListField(child=serializers.DictField())

    class Meta(OrderSerializer.Meta):
        fields = [
            *OrderSerializer.Meta.fields,
            "change_due",
            "client_sale_id",
            "receipt_number",
            "device",
            "created_offline_at",
            "price_difference",
            "discrepancies",
        ]


def till_sale_body(sale: TillSale) -> dict:
    """The answer for a recorded till sale, the same at every send of it."""
    order = orders_with_lines().select_related("till_sale__device").get(pk=sale.order_id)
    payment = order.payments.order_by("pk").first()
    order.change_due = payment.change_due if payment else None
    order.discrepancies = [
        {"sku": sku, "quantity": quantity, "status": state}
        for sku, quantity, state in StockDiscrepancy.objects.filter(order=order)
        .order_by("pk")
        .values_list("variant__sku", "quantity", "status")
    ]
    return TillSaleOutputSerializer(order).data


def till_sale_post(request) -> Response:
    """`POST /api/pos/sales/` with a `client_sale_id`: records the sale once; every send of it
    answers 201 with the same sale."""
    data = TillSaleInputSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    fields = data.validated_data
    store = acting_store(request, fields.get("store"))
    device = TillDevice.objects.filter(uuid=fields["device"], store=store).first()
    if device is None:
        raise UnknownTillDevice(
            gettext("No till %(device)s registered at %(name)s.")
            % {"device": fields["device"], "name": store.name}
        )
    variants = variants_by_sku(skus=[line["sku"] for line in fields["lines"]], active_only=False)
    payment = fields["payment"]
    recorded = till_sale_record(
        store=store,
        clerk=request.user,
        device=device,
        client_sale_id=fields["client_sale_id"],
        sequence=fields["sequence"],
        created_offline_at=fields.get("created_offline_at"),
        lines=[
            PaidLine(
                variant=variants[line["sku"]],
                quantity=line["quantity"],
                unit_price=line["unit_price"],
                line_total=line["line_total"],
            )
            for line in fields["lines"]
        ],
        payment=TillPayment(
            method=payment["method"],
            tendered=payment.get("tendered"),
            terminal_reference=payment.get("terminal_reference", ""),
        ),
    )
    return Response(till_sale_body(recorded.till_sale), status=status.HTTP_201_CREATED)


class PosSaleApi(pos.PosSaleApi):
    """`POST /api/pos/sales/`: a sale the till made on the device carries a `client_sale_id`
    and is recorded by `till_sale_post`; any other body is the clerk's sale as before."""

    @extend_schema(
        request=PolymorphicProxySerializer(
            component_name="PosSaleRequest",
            serializers=[pos.PosSaleApi.PosSaleInputSerializer, TillSaleInputSerializer],
            resource_type_field_name=None,
        ),
        responses={
            201: PolymorphicProxySerializer(
                component_name="PosSaleResponse",
                serializers=[pos.PosSaleApi.PosSaleOutputSerializer, TillSaleOutputSerializer],
                resource_type_field_name=None,
            )
        },
    )
    @idempotent(redact=pos.sold_gift_card_codes_removed)
    def post(self, request):
        if isinstance(request.data, dict) and "client_sale_id" in request.data:
            return till_sale_post(request)
        # The parent's view body, without its own `@idempotent` (this one already holds the key).
        return pos.PosSaleApi.post.__wrapped__(self, request)


class StockDiscrepancySerializer(serializers.ModelSerializer):
    store = serializers.CharField(source="location.code")
    sku = serializers.CharField(source="variant.sku")
    name = serializers.CharField(source="variant.display_name")
    order = serializers.CharField(source="order.number", allow_null=True)

    class Meta:
        model = StockDiscrepancy
        fields = [
            "id",
            "store",
            "sku",
            "name",
            "quantity",
            "requested",
            "available",
            "channel",
            "reference",
            "order",
            "status",
            "resolution",
            "note",
            "created_at",
            "resolved_at",
        ]


class DiscrepancyPagination(PageNumberPagination):
    page_size = 50


class StockDiscrepancyListApi(generics.ListAPIView):
    """Units sold (offline) that the store's stock could not give, newest first. A clerk sees
    their own store's; `status=open|resolved` filters."""

    permission_classes = [IsStaffMember]
    serializer_class = StockDiscrepancySerializer
    pagination_class = DiscrepancyPagination

    @extend_schema(
        parameters=[
            OpenApiParameter("store", str),
            OpenApiParameter("status", str, enum=list(StockDiscrepancy.Status.values)),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        user, params = self.request.user, self.request.query_params
        rows = StockDiscrepancy.objects.select_related(
            "location", "variant__product", "order"
        ).order_by("-created_at", "-id")
        if code := params.get("store"):
            store = location_by_code(code)
            ensure_can_act_at(user, store)
            rows = rows.filter(location=store)
        elif not is_manager(user):
            rows = rows.filter(location=clerk_store(user))
        if wanted := params.get("status"):
            rows = rows.filter(status=wanted)
        return rows
