from collections.abc import Mapping

from django.conf import settings
from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from channels_app.api.fields import SkuLineSerializer, location_by_code
from channels_app.api.idempotency import idempotent
from channels_app.api.permissions import IsManager, IsStaffMember
from inventory import services
from inventory.models import Location, StockMovement
from inventory.selectors import availability_for_variants
from shop.admin_paging import EstimatedCountPaginator
from shop.catalog.selectors import variants_by_sku
from shop.errors import InvalidInput
from shop.staff.roles import clerk_store, ensure_can_act_at, is_manager


class LocationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Location
        fields = ["code", "name", "kind", "click_and_collect", "ships_online"]


class LocationListCreateApi(generics.ListCreateAPIView):
    serializer_class = LocationSerializer
    queryset = Location.objects.filter(is_active=True).order_by("kind", "code")
    pagination_class = None

    def get_permissions(self):
        return [IsManager()] if self.request.method == "POST" else [AllowAny()]


class AvailabilityApi(APIView):
    class AvailabilityOutputSerializer(serializers.Serializer):
        sku = serializers.CharField()
        online = serializers.IntegerField()
        locations = inline_serializer(
            "LocationAvailability",
            {"code": serializers.CharField(), "available": serializers.IntegerField()},
            many=True,
        )

    @extend_schema(
        parameters=[OpenApiParameter("sku", str, many=True, required=True)],
        responses=AvailabilityOutputSerializer(many=True),
    )
    def get(self, request):
        skus = list(dict.fromkeys(request.query_params.getlist("sku")))
        if not skus:
            raise InvalidInput(gettext("Give at least one ?sku=."))
        if len(skus) > 200:
            raise InvalidInput(gettext("At most 200 SKUs per request."))
        variants = variants_by_sku(skus=skus, active_only=False)
        found = availability_for_variants(variants=[variants[sku] for sku in skus])
        data = [
            {
                "sku": entry.sku,
                "online": entry.online,
                "locations": [{"code": c, "available": a} for c, a in entry.locations.items()],
            }
            for entry in found.values()
        ]
        return Response(self.AvailabilityOutputSerializer(data, many=True).data)


class MovementSerializer(serializers.ModelSerializer):
    location = serializers.SlugRelatedField(slug_field="code", read_only=True)
    sku = serializers.CharField(source="variant.sku", read_only=True)

    class Meta:
        model = StockMovement
        fields = ["id", "created_at", "location", "sku", "quantity", "kind", "reference"]


class MovementsCreated(serializers.Serializer):
    movements = MovementSerializer(many=True)


def _created(movements) -> Response:
    return Response(
        {"movements": MovementSerializer(movements, many=True).data},
        status=status.HTTP_201_CREATED,
    )


def _stock_lines(lines: list[dict]) -> list[services.StockLine]:
    # Inactive variants still have stock to receive, move and count.
    variants = variants_by_sku(skus=[line["sku"] for line in lines], active_only=False)
    return [services.StockLine(variants[line["sku"]], line["quantity"]) for line in lines]


class ReceiptCreateApi(APIView):
    permission_classes = [IsStaffMember]

    class ReceiptInputSerializer(serializers.Serializer):
        location = serializers.CharField()
        lines = SkuLineSerializer(many=True, allow_empty=False)
        reference = serializers.CharField(max_length=120, required=False, allow_blank=True)

    @extend_schema(request=ReceiptInputSerializer, responses={201: MovementsCreated})
    @idempotent
    def post(self, request):
        data = self.ReceiptInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        location = location_by_code(data.validated_data["location"])
        ensure_can_act_at(request.user, location)
        movements = services.stock_receive(
            location=location,
            lines=_stock_lines(data.validated_data["lines"]),
            reference=data.validated_data.get("reference", ""),
            user=request.user,
        )
        return _created(movements)


class AdjustmentCreateApi(APIView):
    permission_classes = [IsStaffMember]

    class AdjustmentInputSerializer(serializers.Serializer):
        location = serializers.CharField()
        sku = serializers.CharField(max_length=64)
        quantity = serializers.IntegerField(
            min_value=-settings.MAX_LINE_QUANTITY, max_value=settings.MAX_LINE_QUANTITY
        )
        reason = serializers.ChoiceField(choices=services.ADJUSTMENT_REASONS)
        reference = serializers.CharField(max_length=120, required=False, allow_blank=True)

    @extend_schema(request=AdjustmentInputSerializer, responses={201: MovementsCreated})
    @idempotent
    def post(self, request):
        data = self.AdjustmentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        location = location_by_code(data.validated_data["location"])
        ensure_can_act_at(request.user, location)
        sku = data.validated_data["sku"]
        movement = services.stock_adjust(
            location=location,
            variant=variants_by_sku(skus=[sku], active_only=False)[sku],
            quantity=data.validated_data["quantity"],
            reason=data.validated_data["reason"],
            reference=data.validated_data.get("reference", ""),
            user=request.user,
        )
        return _created([movement])


class TransferCreateApi(APIView):
    permission_classes = [IsManager]

    class TransferInputSerializer(serializers.Serializer):
        source = serializers.CharField()
        to = serializers.CharField()
        lines = SkuLineSerializer(many=True, allow_empty=False)
        reference = serializers.CharField(max_length=120, required=False, allow_blank=True)

        def to_internal_value(self, data):
            # "from" is a Python keyword, so the field is named `source` inside.
            if isinstance(data, Mapping):
                data = data.copy()
                if "from" in data:
                    data["source"] = data.pop("from")
            try:
                return super().to_internal_value(data)
            except serializers.ValidationError as exc:
                # Name the field as the client sent it, not by its inside name.
                if isinstance(exc.detail, dict) and "source" in exc.detail:
                    exc.detail["from"] = exc.detail.pop("source")
                raise

    @extend_schema(
        request=inline_serializer(
            "TransferInput",
            {
                "from": serializers.CharField(),
                "to": serializers.CharField(),
                "lines": SkuLineSerializer(many=True),
                "reference": serializers.CharField(required=False),
            },
        ),
        responses={201: MovementsCreated},
    )
    @idempotent
    def post(self, request):
        data = self.TransferInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        movements = services.stock_transfer(
            source=location_by_code(data.validated_data["source"]),
            destination=location_by_code(data.validated_data["to"]),
            lines=_stock_lines(data.validated_data["lines"]),
            reference=data.validated_data.get("reference", ""),
            user=request.user,
        )
        return _created(movements)


class LedgerPaginator(EstimatedCountPaginator):
    #: A page of the API is a light request: counting more rows than this would be most of it.
    exact_up_to = 1_000


class LedgerPagination(PageNumberPagination):
    """The ledger grows without bound: its `count` is exact up to 1,000 movements, then the
    planner's estimate, so a page costs the same at any size (`shop.admin_paging`)."""

    django_paginator_class = LedgerPaginator


class MovementListApi(generics.ListAPIView):
    """The ledger, newest first. A clerk sees their own store's."""

    permission_classes = [IsStaffMember]
    serializer_class = MovementSerializer
    pagination_class = LedgerPagination

    @extend_schema(
        parameters=[OpenApiParameter("location", str), OpenApiParameter("sku", str)],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        user, params = self.request.user, self.request.query_params
        movements = StockMovement.objects.select_related("location", "variant").order_by(
            "-created_at", "-id"
        )
        if code := params.get("location"):
            location = location_by_code(code)
            ensure_can_act_at(user, location)
            movements = movements.filter(location=location)
        elif not is_manager(user):
            movements = movements.filter(location=clerk_store(user))
        if sku := params.get("sku"):
            movements = movements.filter(variant__sku=sku)
        return movements
